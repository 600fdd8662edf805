package kql_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/kql"
	"github.com/vigilsec/vigil/internal/kql/kqltest"
	"github.com/vigilsec/vigil/internal/schema"
)

const graphEdges = `datatable(src:string, dst:string, kind:string)[
"a", "b", "x",
"b", "c", "y",
"c", "a", "x",
"c", "d", "x",
"e", "f", "y"]`

const graphNodes = "let nodes = datatable(name:string, age:long)[\"a\", 1, \"b\", 2, \"c\", 3, \"d\", 4, \"z\", 9];\n"

// TestExecGraph runs make-graph and the graph operators on DuckDB over a small graph: a cycle a->b->c->a, a tail
// c->d, a separate edge e->f, and a node z without edges.
func TestExecGraph(t *testing.T) {
	db := kqltest.OpenStore(t)
	cases := []struct{ name, kql, want string }{
		{"nodes-from-edges", graphEdges + `| make-graph src --> dst with_node_id=id | graph-to-table nodes | order by id asc`,
			"\"a\"\n\"b\"\n\"c\"\n\"d\"\n\"e\"\n\"f\""},
		{"nodes-table-and-missing-ends", graphNodes + graphEdges + `| make-graph src --> dst with nodes on name | graph-to-table nodes | order by name asc`,
			"\"a\" | 1\n\"b\" | 2\n\"c\" | 3\n\"d\" | 4\n\"e\" | null\n\"f\" | null\n\"z\" | 9"},
		{"edges-with-ids", graphEdges + `| make-graph src --> dst with_node_id=id | graph-to-table edges with_source_id=s | where s == hash("e") | project dst`,
			`"f"`},
		{"components", graphNodes + graphEdges + `| make-graph src --> dst with nodes on name | graph-mark-components with_component_id=comp | graph-to-table nodes | summarize make_set(name) by comp | order by comp asc`,
			"0 | [\"a\",\"b\",\"c\",\"d\"]\n1 | [\"z\"]\n2 | [\"e\",\"f\"]"},
		{"fixed-pattern", graphEdges + `| make-graph src --> dst with_node_id=id | graph-match (p)-[e1]->(q)-[e2]->(r) where e1.kind == "x" and e2.kind == "y" project p.id, q.id, r.id`,
			`"a" | "b" | "c"`},
		{"reverse-edge", graphEdges + `| make-graph src --> dst with_node_id=id | graph-match (p)<-[e]-(q) where p.id == "d" project q.id`,
			`"c"`},
		{"repeated-node-is-a-cycle", graphEdges + `| make-graph src --> dst with_node_id=id | graph-match (p)-->(q)-->(r)-->(p) where p.id == "a" project q.id, r.id`,
			`"b" | "c"`},
		{"variable-length", graphEdges + `| make-graph src --> dst with_node_id=id | graph-match (p)-[e*1..3]->(q) where p.id == "a" and q.id == "d" project kinds = map(e, kind), inner = map(inner_nodes(e), id), n = array_length(e)`,
			`["x","y","x"] | ["b","c"] | 3`},
		{"all-any", graphEdges + `| make-graph src --> dst with_node_id=id | graph-match (p)-[e*2..2]->(q) where all(e, kind == "x") project p.id, q.id`,
			`"c" | "b"`},
		{"unique-edges-bounds-cycles", graphEdges + `| make-graph src --> dst with_node_id=id | graph-match (p)-[e*1..10]->(q) where p.id == "a" project q.id, n = array_length(e) | order by n asc, q_id asc`,
			"\"b\" | 1\n\"c\" | 2\n\"a\" | 3\n\"d\" | 3"},
		{"cycles-none", graphEdges + `| make-graph src --> dst with_node_id=id | graph-match cycles=none (p)-[e*1..10]->(q) where p.id == "a" project q.id | order by q_id asc`,
			"\"b\"\n\"c\"\n\"d\""},
		{"degrees", graphEdges + `| make-graph src --> dst with_node_id=id | graph-match (p)-[e]->(q) where node_degree_out(p) == 2 project p.id, node_degree_in(q), q.id | order by q_id asc`,
			"\"c\" | 1 | \"a\"\n\"c\" | 1 | \"d\""},
		{"shortest", graphEdges + `| make-graph src --> dst with_node_id=id | graph-shortest-paths (p)-[e*1..5]->(q) where p.id == "b" project q.id, n = array_length(e) | order by q_id asc`,
			"\"a\" | 2\n\"b\" | 3\n\"c\" | 1\n\"d\" | 2"},
		{"then-tabular", graphEdges + `| make-graph src --> dst with_node_id=id | graph-to-table edges | summarize count() by kind | order by kind asc`,
			"\"x\" | 3\n\"y\" | 2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, run(t, db, c.kql))
		})
	}
}

func TestGraphErrors(t *testing.T) {
	for _, c := range []struct{ kql, want string }{
		{graphEdges + `| make-graph src --> nope with_node_id=id | graph-to-table nodes`, "unknown column"},
		{graphEdges + `| make-graph src --> dst with_node_id=id | where id == "a"`, "cannot read a graph"},
		{graphEdges + `| graph-to-table nodes`, "needs a graph"},
		{graphEdges + `| make-graph src --> dst with_node_id=id | graph-match (p)-[e]->(q) project p.nope`, `has no property "nope"`},
		{graphEdges + `| make-graph src --> dst with_node_id=id | graph-match (p)-[e*1..2]->(q) project e.kind`, "variable-length edge"},
		{graphEdges + `| make-graph src --> dst with_node_id=id | graph-match (p)-[e*3..1]->(q) project p.id`, "need 0 <= min <= max"},
		{graphEdges + `| make-graph src --> dst | graph-to-table nodes`, "make-graph needs nodes"},
	} {
		_, errs := kql.Compile(c.kql, schema.NewCatalog())
		require.NotNil(t, errs, "%s", c.kql[len(graphEdges):])
		require.Contains(t, errs[0].Error(), c.want)
	}
}

func TestProjectByNamesErrors(t *testing.T) {
	for _, src := range []string{
		`print a = 1 | project-by-names a`,
		`print a = 1 | project-by-names "zz*"`,
	} {
		_, errs := kql.Compile(src, schema.NewCatalog())
		require.NotNil(t, errs, src)
	}
}
