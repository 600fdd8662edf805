package duckdb

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/vigilsec/vigil/internal/kql/plan"
	"github.com/vigilsec/vigil/internal/schema"
)

// Graphs (make-graph and the graph operators) compile to one statement with common table expressions: the edges
// numbered ("$eid"), the nodes with their order of appearance ("$ord") and degrees, the weakly connected
// components when marked (a recursive CTE spreading the smallest node ordinal), and for each variable-length
// edge of a pattern a recursive CTE of the paths it may match.

// graphCTE names the CTEs of one graph.
type graphCTE struct {
	defs  []string
	edges string // "$eid", the edge properties
	nodes string // the node properties, "$ord", "$in_degree", "$out_degree"
	g     *plan.Graph
}

func (c *graphCTE) with() string { return "WITH RECURSIVE " + strings.Join(c.defs, ", ") + " " }

func (g *gen) graphCTEs(gr *plan.Graph) *graphCTE {
	p := g.next()
	c := &graphCTE{g: gr, edges: p + "_e", nodes: p + "_n"}
	es := gr.EdgeSchema()
	c.defs = append(c.defs, c.edges+" AS (SELECT "+colList(es, "x.")+", row_number() OVER () AS \"$eid\" FROM ("+g.node(gr.Edges)+") AS x)")
	key := quoteIdent(gr.Key)
	s, d := quoteIdent(gr.Src), quoteIdent(gr.Dst)
	ends := "(SELECT " + s + " AS k, \"$eid\" * 2 AS o FROM " + c.edges + " UNION ALL SELECT " + d + ", \"$eid\" * 2 + 1 FROM " + c.edges + ")"
	var base string
	if gr.Nodes == nil {
		base = "SELECT k AS " + key + ", min(o) AS \"$ord\" FROM " + ends + " WHERE k IS NOT NULL GROUP BY k"
	} else {
		ns := gr.Nodes.Schema()
		nsrc := "(" + g.node(gr.Nodes) + ")"
		missing := make([]string, len(ns))
		for i, col := range ns {
			if col.Name == gr.Key {
				missing[i] = "k AS " + key
			} else {
				missing[i] = "CAST(NULL AS " + sqlType(col.Type) + ") AS " + quoteIdent(col.Name)
			}
		}
		base = "SELECT " + colList(ns, "x.") + ", row_number() OVER () AS \"$ord\" FROM " + nsrc + " AS x" +
			" UNION ALL SELECT " + strings.Join(missing, ", ") + ", 1000000000000 + min(o) FROM " + ends +
			" WHERE k IS NOT NULL AND k NOT IN (SELECT y." + key + " FROM " + nsrc + " AS y WHERE y." + key + " IS NOT NULL) GROUP BY k"
	}
	c.defs = append(c.defs, p+"_n0 AS ("+base+")")
	props := gr.NodeSchema()
	if gr.Component != "" {
		props = props[:len(props)-1]
		// Every node starts with its own ordinal; the smallest one reachable over edges in either direction
		// names the component.
		c.defs = append(c.defs, p+"_cc(k, c) AS (SELECT "+key+", \"$ord\" FROM "+p+"_n0 UNION SELECT x.b, cc.c FROM "+p+"_cc AS cc JOIN (SELECT "+
			s+" AS a, "+d+" AS b FROM "+c.edges+" UNION ALL SELECT "+d+", "+s+" FROM "+c.edges+") AS x ON x.a = cc.k)",
			p+"_cm AS (SELECT k, dense_rank() OVER (ORDER BY min(c)) - 1 AS c FROM "+p+"_cc GROUP BY k)")
	}
	sel := colList(props, "n.")
	from := p + "_n0 AS n"
	if gr.Component != "" {
		sel += ", cm.c AS " + quoteIdent(gr.Component)
		from += " LEFT JOIN " + p + "_cm AS cm ON cm.k = n." + key
	}
	c.defs = append(c.defs, c.nodes+" AS (SELECT "+sel+", n.\"$ord\", coalesce(i.c, 0) AS \"$in_degree\", coalesce(o.c, 0) AS \"$out_degree\" FROM "+from+
		" LEFT JOIN (SELECT "+d+" AS k, count(*) AS c FROM "+c.edges+" GROUP BY 1) AS i ON i.k = n."+key+
		" LEFT JOIN (SELECT "+s+" AS k, count(*) AS c FROM "+c.edges+" GROUP BY 1) AS o ON o.k = n."+key+")")
	return c
}

func (g *gen) graphTable(t *plan.GraphTable) string {
	c := g.graphCTEs(t.Graph)
	var cols []string
	id := func(name, x string) {
		if name != "" {
			cols = append(cols, "kql_hash("+x+") AS "+quoteIdent(name))
		}
	}
	if t.Edges {
		id(t.SourceID, quoteIdent(t.Graph.Src))
		id(t.TargetID, quoteIdent(t.Graph.Dst))
		cols = append(cols, colList(t.Graph.EdgeSchema(), ""))
		return c.with() + "SELECT " + strings.Join(cols, ", ") + " FROM " + c.edges + " ORDER BY \"$eid\""
	}
	id(t.NodeID, quoteIdent(t.Graph.Key))
	cols = append(cols, colList(t.Graph.NodeSchema(), ""))
	return c.with() + "SELECT " + strings.Join(cols, ", ") + " FROM " + c.nodes + " ORDER BY \"$ord\""
}

// structOf builds a STRUCT of the columns of s read through prefix p.
func structOf(s plan.Schema, p string) string {
	parts := make([]string, len(s))
	for i, c := range s {
		parts[i] = quoteString(c.Name) + ": " + p + quoteIdent(c.Name)
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// structType is the SQL type of structOf(s).
func structType(s plan.Schema) string {
	parts := make([]string, len(s))
	for i, c := range s {
		parts[i] = quoteIdent(c.Name) + " " + sqlType(c.Type)
	}
	return "STRUCT(" + strings.Join(parts, ", ") + ")"
}

func nodeElem(gr *plan.Graph) plan.Schema {
	return append(append(plan.Schema{}, gr.NodeSchema()...), plan.Column{Name: "$in_degree", Type: schema.TypeLong},
		plan.Column{Name: "$out_degree", Type: schema.TypeLong})
}

func (g *gen) graphMatch(m *plan.GraphMatch) string {
	c := g.graphCTEs(m.Graph)
	gr := m.Graph
	key := quoteIdent(gr.Key)
	s, d := quoteIdent(gr.Src), quoteIdent(gr.Dst)
	es := gr.EdgeSchema()
	ns := nodeElem(gr)
	p := g.next()
	// The edges in the direction each pattern edge follows them: "$a" to "$b".
	oriented := func(i int, dir int) string {
		name := fmt.Sprintf("%s_o%d", p, i)
		fwd := "SELECT *, " + s + " AS \"$a\", " + d + " AS \"$b\" FROM " + c.edges
		back := "SELECT *, " + d + " AS \"$a\", " + s + " AS \"$b\" FROM " + c.edges
		q := fwd
		switch dir {
		case -1:
			q = back
		case 0:
			q = fwd + " UNION ALL " + back
		}
		c.defs = append(c.defs, name+" AS ("+q+")")
		return name
	}
	var joins []string
	var conds []string
	alias := map[string]string{}
	nodeAlias := func(i int) (string, bool) {
		v := m.Nodes[i]
		if a, ok := alias[v]; ok {
			return a, false
		}
		a := fmt.Sprintf("%s_v%d", p, i)
		alias[v] = a
		return a, true
	}
	first, _ := nodeAlias(0)
	joins = append(joins, c.nodes+" AS "+first)
	var lens []string
	var fixedIDs, pathIDs []string
	for i, e := range m.Edges {
		o := oriented(i, e.Dir)
		w := fmt.Sprintf("%s_w%d", p, i)
		prev := alias[m.Nodes[i]]
		if !e.Variable {
			joins = append(joins, "JOIN "+o+" AS "+w+" ON "+w+".\"$a\" = "+prev+"."+key)
			lens = append(lens, "1")
			fixedIDs = append(fixedIDs, w+".\"$eid\"")
		} else {
			path := fmt.Sprintf("%s_p%d", p, i)
			noRepeat := ""
			switch m.Cycles {
			case "unique_edges":
				noRepeat = " AND NOT list_contains(q.\"$eids\", o.\"$eid\")"
			case "none":
				noRepeat = " AND NOT list_contains(q.\"$nodes\", o.\"$b\")"
			}
			c.defs = append(c.defs, path+"(\"$s\", \"$d\", \"$len\", \"$eids\", \"$nodes\", \"$edges\", \"$inner\") AS ("+
				"SELECT o.\"$a\", o.\"$b\", 1, [o.\"$eid\"], [o.\"$a\", o.\"$b\"], ["+structOf(es, "o.")+"], CAST([] AS "+structType(ns)+"[]) FROM "+o+" AS o"+
				" WHERE o.\"$a\" IS DISTINCT FROM o.\"$b\" OR '"+m.Cycles+"' <> 'none'"+
				" UNION ALL SELECT q.\"$s\", o.\"$b\", q.\"$len\" + 1, list_append(q.\"$eids\", o.\"$eid\"), list_append(q.\"$nodes\", o.\"$b\"), list_append(q.\"$edges\", "+
				structOf(es, "o.")+"), list_append(q.\"$inner\", "+structOf(ns, "n.")+") FROM "+path+" AS q JOIN "+o+" AS o ON o.\"$a\" = q.\"$d\" JOIN "+
				c.nodes+" AS n ON n."+key+" = q.\"$d\" WHERE q.\"$len\" < "+strconv.Itoa(e.Max)+noRepeat+")")
			joins = append(joins, "JOIN "+path+" AS "+w+" ON "+w+".\"$s\" = "+prev+"."+key+" AND "+w+".\"$len\" BETWEEN "+
				strconv.Itoa(max(e.Min, 1))+" AND "+strconv.Itoa(e.Max))
			lens = append(lens, w+".\"$len\"")
			pathIDs = append(pathIDs, w+".\"$eids\"")
		}
		end := "\"$b\""
		if e.Variable {
			end = "\"$d\""
		}
		next, isNew := nodeAlias(i + 1)
		if isNew {
			joins = append(joins, "JOIN "+c.nodes+" AS "+next+" ON "+next+"."+key+" = "+w+"."+end)
		} else {
			conds = append(conds, next+"."+key+" = "+w+"."+end)
		}
	}
	if m.Cycles != "all" {
		// No edge twice in one match.
		for i := range fixedIDs {
			for j := i + 1; j < len(fixedIDs); j++ {
				conds = append(conds, fixedIDs[i]+" <> "+fixedIDs[j])
			}
			for _, l := range pathIDs {
				conds = append(conds, "NOT list_contains("+l+", "+fixedIDs[i]+")")
			}
		}
		for i := range pathIDs {
			for j := i + 1; j < len(pathIDs); j++ {
				conds = append(conds, "NOT list_has_any("+pathIDs[i]+", "+pathIDs[j]+")")
			}
		}
	}
	var cols []string
	done := map[string]bool{}
	for _, v := range m.Nodes {
		if done[v] {
			continue
		}
		done[v] = true
		for _, col := range ns {
			cols = append(cols, alias[v]+"."+quoteIdent(col.Name)+" AS "+quoteIdent(v+"."+col.Name))
		}
	}
	for i, e := range m.Edges {
		w := fmt.Sprintf("%s_w%d", p, i)
		if e.Variable {
			cols = append(cols, "to_json("+w+".\"$edges\") AS "+quoteIdent(e.Var), "to_json("+w+".\"$inner\") AS "+quoteIdent(e.Var+"$inner"))
			continue
		}
		for _, col := range es {
			cols = append(cols, w+"."+quoteIdent(col.Name)+" AS "+quoteIdent(e.Var+"."+col.Name))
		}
	}
	last := alias[m.Nodes[len(m.Nodes)-1]]
	// The edge ids in pattern order break ties between shortest paths (in edge order), deterministically.
	var ids []string
	for i, e := range m.Edges {
		w := fmt.Sprintf("%s_w%d", p, i)
		if e.Variable {
			ids = append(ids, w+".\"$eids\"")
		} else {
			ids = append(ids, "["+w+".\"$eid\"]")
		}
	}
	cols = append(cols, first+"."+key+" AS \"$first\"", last+"."+key+" AS \"$last\"", "("+strings.Join(append(lens, "0"), " + ")+") AS \"$len\"",
		"list_concat("+strings.Join(append(ids, "[]"), ", ")+") AS \"$ids\"")
	flat := "SELECT " + strings.Join(cols, ", ") + " FROM " + strings.Join(joins, " ")
	if len(conds) > 0 {
		flat += " WHERE " + strings.Join(conds, " AND ")
	}
	a := g.next()
	where := ""
	if m.Where != nil {
		g.pred = true
		where = " WHERE " + g.expr(m.Where, a+".")
		g.pred = false
	}
	if !m.Shortest {
		return c.with() + "SELECT " + g.items(m.Items, a+".") + " FROM (" + flat + ") AS " + a + where
	}
	// rank() rather than row_number(): DuckDB's top-n window rewrite fails on this plan.
	order := a + ".\"$len\""
	if !m.All {
		order += ", " + a + ".\"$ids\""
	}
	b := g.next()
	return c.with() + "SELECT " + g.items(m.Items, b+".") + " FROM (SELECT " + a + ".*, rank() OVER (PARTITION BY " + a + ".\"$first\", " + a +
		".\"$last\" ORDER BY " + order + ") AS \"$rank\" FROM (" + flat + ") AS " + a + where + ") AS " + b + " WHERE " + b + ".\"$rank\" = 1"
}

// graphElems compiles map, all and any over a JSON array of edge or node bags: the array is read back as a list
// of STRUCTs of the shape sema recorded, and the element expression reads the struct's fields.
func (g *gen) graphElems(c *plan.Call, p string) string {
	var shape map[string]string
	if l, ok := c.Args[2].(*plan.Lit); ok {
		if s, ok := l.V.(string); ok {
			_ = json.Unmarshal([]byte(s), &shape)
		}
	}
	names := make([]string, 0, len(shape))
	for n := range shape {
		names = append(names, n)
	}
	sort.Strings(names)
	st := map[string]string{}
	for _, n := range names {
		t, _ := schema.ParseType(shape[n])
		st[n] = sqlType(t)
	}
	js, _ := json.Marshal(st)
	list := "from_json(" + g.expr(c.Args[0], p) + ", " + quoteString("["+string(js)+"]") + ")"
	x := g.expr(c.Args[1], "x.")
	switch c.Fn {
	case "graph_all":
		return "coalesce(list_bool_and(list_transform(" + list + ", x -> coalesce(" + x + ", FALSE))), TRUE)"
	case "graph_any":
		return "coalesce(list_bool_or(list_transform(" + list + ", x -> coalesce(" + x + ", FALSE))), FALSE)"
	}
	return "to_json(list_transform(" + list + ", x -> " + g.toJSONx(c.Args[1], x) + "))"
}

// toJSONx converts the compiled SQL x of expression e to JSON.
func (g *gen) toJSONx(e plan.Expr, x string) string {
	switch e.Type() {
	case schema.TypeDynamic:
		return x
	}
	return "to_json(" + x + ")"
}
