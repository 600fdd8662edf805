package duckdb

import (
	"strings"

	"github.com/vigilsec/vigil/internal/kql/plan"
	"github.com/vigilsec/vigil/internal/schema"
)

// docCall compiles further documented functions that DuckDB SQL expresses directly.
func (g *gen) docCall(c *plan.Call, p string) (string, bool) {
	a := c.Args
	e := func(i int) string { return g.expr(a[i], p) }
	s := func(i int) string { return g.str(a[i], p) }
	switch c.Fn {
	case "percentile_tdigest":
		return "CAST(kql_percentile_digest(CAST(" + e(0) + " AS VARCHAR), " + e(1) + ") AS " + sqlType(c.T) + ")", true
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
	case "tdigest":
		w := "1"
		if len(a) > 1 {
			w = e(1)
		}
		return g.digest(e(0), w, p), true
	case "tdigest_merge":
		return "to_json(flatten(list(from_json(" + e(0) + ", '[{\"v\":\"DOUBLE\",\"w\":\"DOUBLE\"}]')) FILTER (WHERE " + e(0) + " IS NOT NULL)))", true
	case "percentilew":
		return "CAST(kql_percentile_digest(" + g.digest(e(0), e(1), p) + ", " + e(2) + ") AS " + sqlType(c.T) + ")", true
	case "percentilesw_array":
		d := g.digest(e(0), e(1), p)
		if len(a) == 3 && a[2].Type() == schema.TypeDynamic {
			return "to_json(list_transform(CAST(json_extract(" + e(2) + ", '$[*]') AS DOUBLE[]), q -> CAST(kql_percentile_digest(" + d +
				", q) AS " + sqlType(a[0].Type()) + ")))", true
		}
		parts := make([]string, 0, len(a)-2)
		for i := 2; i < len(a); i++ {
			parts = append(parts, "CAST(kql_percentile_digest("+d+", "+e(i)+") AS "+sqlType(a[0].Type())+")")
		}
		return "to_json([" + strings.Join(parts, ", ") + "])", true
	}
	return "", false
}
