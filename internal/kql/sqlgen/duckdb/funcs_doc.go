package duckdb

import (
	"github.com/vigilsec/vigil/internal/kql/plan"
)

// docCall compiles further documented functions that DuckDB SQL expresses directly.
func (g *gen) docCall(c *plan.Call, p string) (string, bool) {
	a := c.Args
	e := func(i int) string { return g.expr(a[i], p) }
	s := func(i int) string { return g.str(a[i], p) }
	switch c.Fn {
	case "graph_map", "graph_all", "graph_any":
		return g.graphElems(c, p), true
	case "strcmp":
		// Ordinal comparison of the UTF-8 bytes.
		x, y := "encode("+s(0)+")", "encode("+s(1)+")"
		return "(CASE WHEN " + x + " < " + y + " THEN -1 WHEN " + x + " > " + y + " THEN 1 ELSE 0 END)", true
	case "around":
		return "(" + e(0) + " BETWEEN " + e(1) + " - " + e(2) + " AND " + e(1) + " + " + e(2) + ")", true
	case "jaccard_index":
		x, y := "list_distinct("+g.jlist(a[0], p)+")", "list_distinct("+g.jlist(a[1], p)+")"
		u := "len(list_distinct(list_concat(" + x + ", " + y + ")))"
		return "(CASE WHEN " + u + " = 0 THEN NULL ELSE len(list_intersect(" + x + ", " + y + ")) / " + u + " END)", true
	}
	return "", false
}

// docAgg compiles further documented aggregates.
func (g *gen) docAgg(c *plan.AggCall, p string) (string, bool) {
	a := c.Args
	e := func(i int) string { return g.expr(a[i], p) }
	filter := func(i int) string { return " FILTER (WHERE " + e(i) + ")" }
	switch c.Fn {
	case "stdevif":
		return "stddev_samp(" + e(0) + ")" + filter(1), true
	case "stdevpif":
		return "stddev_pop(" + e(0) + ")" + filter(1), true
	case "varianceif":
		return "var_samp(" + e(0) + ")" + filter(1), true
	case "variancepif":
		return "var_pop(" + e(0) + ")" + filter(1), true
	case "binary_all_xor":
		return "bit_xor(" + e(0) + ")", true
	}
	return "", false
}
