package duckdb

import (
	"fmt"
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
	case "indexof":
		if len(a) > 2 {
			arg := func(i int, def string) string {
				if i < len(a) {
					return "CAST(" + e(i) + " AS BIGINT)"
				}
				return def
			}
			return "kql_indexof(" + s(0) + ", " + s(1) + ", " + arg(2, "0") + ", " + arg(3, "-1") + ", " + arg(4, "1") + ")", true
		}
	case "row_rank_dense", "row_rank_min":
		return g.rowRank(c, p), true
	case "format_timespan":
		return "kql_format_timespan(" + ivUS(e(0)) + ", " + s(1) + ")", true
	case "strrep":
		// Any value repeats as its text.
		x, n, d := g.toString(a[0], p), "CAST("+e(1)+" AS BIGINT)", "''"
		if len(a) == 3 {
			d = s(2)
		}
		return "(CASE WHEN " + n + " <= 0 THEN '' ELSE repeat(" + x + " || " + d + ", " + n + " - 1) || " + x + " END)", true
	case "row_number", "row_cumsum":
		if len(a) == 2 {
			return g.rowRank(c, p), true
		}
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

// rowRank compiles the window functions whose value depends on earlier rows in ways one SQL window cannot say
// (row_rank_dense, row_rank_min, and row_number and row_cumsum with a restart argument): each row reads the list
// of the values before it, from the last row whose restart argument is true. This costs time and memory
// quadratic in the rows of a restart segment.
func (g *gen) rowRank(c *plan.Call, p string) string {
	a := c.Args
	e := func(i int) string { return g.expr(a[i], p) }
	prefix := func(x string) string {
		return "list(" + x + ") OVER (ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)"
	}
	// The restart argument is the second one, or none (row_number and row_cumsum take it second, too).
	seg := func(l string) string { return l }
	if len(a) == 2 {
		r := prefix("coalesce(" + e(1) + ", FALSE)")
		start := "coalesce(list_max(list_filter(range(1, len(" + r + ") + 1), i -> " + r + "[i])), 1)"
		seg = func(l string) string { return "list_slice(" + l + ", " + start + ", -1)" }
	}
	switch c.Fn {
	case "row_number":
		return "(len(" + seg(prefix("1")) + ") + " + e(0) + " - 1)"
	case "row_cumsum":
		return "list_sum(" + seg(prefix(e(0))) + ")"
	}
	l := seg(prefix(e(0)))
	if c.Fn == "row_rank_dense" {
		// One more for every change of value.
		return "(len(list_filter(range(1, len(" + l + ")), i -> " + l + "[i + 1] IS DISTINCT FROM " + l + "[i])) + 1)"
	}
	// The position of the first row of the run of equal values that ends here.
	return "(coalesce(list_max(list_filter(range(1, len(" + l + ") + 1), i -> " + l + "[i] IS DISTINCT FROM " + l + "[len(" + l + ")])), 0) + 1)"
}

// hoistRestarts moves the restart arguments of row_number, row_cumsum and row_rank_* that are window
// expressions themselves (Category != prev(Category)) into a column computed below the projection, as SQL
// cannot nest window functions.
func hoistRestarts(n plan.Node) plan.Node {
	pr, ok := n.(*plan.Project)
	if !ok {
		return n
	}
	var hoisted []plan.NamedExpr
	var rewrite func(x plan.Expr) plan.Expr
	rewrite = func(x plan.Expr) plan.Expr {
		c, ok := x.(*plan.Call)
		if !ok {
			return x
		}
		cc := *c
		cc.Args = make([]plan.Expr, len(c.Args))
		for i, a := range c.Args {
			cc.Args[i] = rewrite(a)
		}
		switch c.Fn {
		case "row_number", "row_cumsum", "row_rank_dense", "row_rank_min":
			if len(cc.Args) == 2 && hasWindow(cc.Args[1]) {
				name := fmt.Sprintf("$restart%d", len(hoisted))
				hoisted = append(hoisted, plan.NamedExpr{Name: name, X: cc.Args[1]})
				cc.Args[1] = &plan.ColRef{Name: name, T: cc.Args[1].Type()}
			}
		}
		return &cc
	}
	items := make([]plan.NamedExpr, len(pr.Items))
	for i, it := range pr.Items {
		items[i] = plan.NamedExpr{Name: it.Name, X: rewrite(it.X)}
	}
	if len(hoisted) == 0 {
		return n
	}
	return &plan.Project{Input: &plan.Window{Input: pr.Input, Items: hoisted}, Items: items}
}

// arraySortMany compiles array_sort_asc/desc of several arrays (and an optional nulls_last bool last) to the
// Go function that sorts them together; the result is the array of the sorted arrays.
func (g *gen) arraySortMany(c *plan.Call, p string) string {
	a := c.Args
	nullsLast := "CAST(NULL AS BOOLEAN)"
	if n := len(a); n > 1 && a[n-1].Type() == schema.TypeBool {
		nullsLast, a = g.expr(a[n-1], p), a[:n-1]
	}
	args := []string{strconvBool(c.Fn == "array_sort_desc"), nullsLast}
	for _, x := range a {
		args = append(args, "CAST("+g.expr(x, p)+" AS VARCHAR)")
	}
	return "CAST(kql_array_sort_many(" + strings.Join(args, ", ") + ") AS JSON)"
}

func strconvBool(b bool) string {
	if b {
		return "TRUE"
	}
	return "FALSE"
}
