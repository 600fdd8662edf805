package parser_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/kql/parser"
)

// The graph queries also seed FuzzParser and run in TestValidSyntax and TestInvalidSyntax.
func init() {
	validQueries = append(validQueries, graphValid...)
	invalidQueries = append(invalidQueries, graphInvalid...)
}

var graphValid = []string{
	`E | make-graph a --> b with N on k | graph-to-table nodes`,
	`E | make-graph a --> b with_node_id=id | graph-to-table edges with_source_id=s with_target_id=t`,
	`E | make-graph a --> b with N on k, M on j | graph-to-table nodes as X with_node_id=n, edges as Y`,
	`E | make-graph a -- b with_node_id=id | graph-mark-components kind=weak with_component_id=c | graph-to-table nodes`,
	`E | make-graph a --> b with_node_id=id | graph-match (x)-[e]->(y)<-[f]-(z)-[g]-() where x.id == "a" project x.id, n = y.id`,
	`E | make-graph a --> b with_node_id=id | graph-match cycles=none (x)-[e*1..3]->(y)-->(z)<--(w)--(v) project m = map(e, k)`,
	`E | make-graph a --> b with_node_id=id | graph-shortest-paths output=all (x)-[e*1..5]->(y) where all(e, k > 1) project x.id`,
	`E | make-graph a --> b with N on k partitioned-by t (graph-match (x)-->(y) project x.k)`,
	`T | project-by-names "a", dynamic(["b*"]), column_names_of(T)`,
}

func TestGraphSyntax(t *testing.T) {
	for _, src := range graphValid {
		t.Run(src, func(t *testing.T) {
			q, errs := parser.Parse(src)
			require.Nil(t, errs, "errors:\n%s", errs.Render(src))
			printed := q.String()
			again, errs := parser.Parse(printed)
			require.Nil(t, errs, "printed query does not re-parse:\n%s\n---\n%s", errs.Render(printed), printed)
			if d := cmp.Diff(q, again, ignoreSpans); d != "" {
				t.Fatalf("round trip changed the tree (-parsed +reparsed):\n%s\n--- printed:\n%s", d, printed)
			}
		})
	}
	for _, src := range graphInvalid {
		_, errs := parser.Parse(src)
		require.NotEmpty(t, errs, src)
		require.Positive(t, errs[0].Col, src)
	}
}

var graphInvalid = []string{
	`E | make-graph a b`,
	`E | make-graph a --> b | graph-match (x)-[e]-`,
	`E | make-graph a --> b | graph-match (x)<-[e]->(y) project x`,
	`E | make-graph a --> b | graph-match (x)-[e*1]->(y) project x`,
	`E | make-graph a --> b | graph-to-table vertices`,
	`T | project-by-names`,
}
