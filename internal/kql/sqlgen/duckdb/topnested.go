package duckdb

import (
	"fmt"
	"strings"

	"github.com/vigilsec/vigil/internal/kql/plan"
)

// extraNode compiles the plan nodes of this file family (row_window_session projections, top-nested).
func (g *gen) extraNode(n plan.Node) (string, bool) {
	if v, ok := n.(*plan.TopNested); ok {
		return g.topNested(v), true
	}
	return g.rowSessions(n)
}

// topNested compiles top-nested as a chain of common table expressions over the input rows with every level's
// key computed once. Level i groups the current rows by the keys of levels 1..i, ranks the groups within their
// parent group by the aggregate, and keeps the rows of the top N groups (with others: relabels the rows of the
// other groups with the others key and aggregates again). The output joins each level's groups on their key
// prefix, ordered by the levels' aggregates.
func (g *gen) topNested(v *plan.TopNested) string {
	src, in := g.from(v.Input)
	key := func(i int) string { return quoteIdent(fmt.Sprintf("$tn_k%d", i)) }
	keys := func(alias string, n int) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = alias + key(i)
		}
		return strings.Join(parts, ", ")
	}
	on := func(x, y string, n int) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = x + "." + key(i) + " IS NOT DISTINCT FROM " + y + "." + key(i)
		}
		return strings.Join(parts, " AND ")
	}
	cols := []string{in + ".*"}
	for i, l := range v.Levels {
		cols = append(cols, g.expr(l.Key.X, in+".")+" AS "+key(i))
	}
	rows := g.next()
	ctes := []string{rows + " AS MATERIALIZED (SELECT " + strings.Join(cols, ", ") + " FROM " + src + ")"}
	const agg, rank, hit = `"$tn_a"`, `"$tn_rn"`, `"$tn_hit"`
	groupBy := func(from string, n int) string {
		x := g.next()
		gb := make([]string, n)
		for i := range gb {
			gb[i] = fmt.Sprint(i + 1)
		}
		return "SELECT " + keys(x+".", n) + ", " + g.expr(v.Levels[n-1].Agg.X, x+".") + " AS " + agg + " FROM " + from + " AS " + x +
			" GROUP BY " + strings.Join(gb, ", ")
	}
	levels := make([]string, len(v.Levels))
	for i, l := range v.Levels {
		n := i + 1
		groups := g.next()
		ctes = append(ctes, groups+" AS ("+groupBy(rows, n)+")")
		if l.N == nil {
			levels[i] = groups
			continue
		}
		dir := " DESC NULLS LAST"
		if !l.Desc {
			dir = " ASC NULLS LAST"
		}
		// Ties go to the least key, so that the same rows give the same groups.
		over := "ORDER BY " + agg + dir + ", " + key(i) + " ASC NULLS LAST"
		if i > 0 {
			over = "PARTITION BY " + keys("", i) + " " + over
		}
		top := g.next()
		ctes = append(ctes, top+" AS (SELECT "+keys("", n)+" FROM (SELECT *, row_number() OVER ("+over+") AS "+rank+" FROM "+groups+
			") WHERE "+rank+" <= "+g.expr(l.N, "")+")")
		x, y := g.next(), g.next()
		next := g.next()
		if l.Others == nil {
			ctes = append(ctes, next+" AS MATERIALIZED (SELECT "+x+".* FROM "+rows+" AS "+x+" SEMI JOIN "+top+" AS "+y+" ON "+on(x, y, n)+")")
			kept := g.next()
			ctes = append(ctes, kept+" AS (SELECT "+x+".* FROM "+groups+" AS "+x+" SEMI JOIN "+top+" AS "+y+" ON "+on(x, y, n)+")")
			rows, levels[i] = next, kept
			continue
		}
		relabel := "CASE WHEN " + hit + " THEN " + key(i) + " ELSE " + g.expr(l.Others, "") + " END AS " + key(i)
		ctes = append(ctes, next+" AS MATERIALIZED (SELECT * EXCLUDE ("+hit+") REPLACE ("+relabel+") FROM (SELECT "+x+".*, "+y+"."+hit+
			" FROM "+rows+" AS "+x+" LEFT JOIN (SELECT *, TRUE AS "+hit+" FROM "+top+") AS "+y+" ON "+on(x, y, n)+"))")
		relabelled := g.next()
		ctes = append(ctes, relabelled+" AS ("+groupBy(next, n)+")")
		rows, levels[i] = next, relabelled
	}
	// The last level's groups, with each level's aggregate joined on the key prefix.
	last := len(v.Levels) - 1
	aliases := make([]string, len(v.Levels))
	for i := range aliases {
		aliases[i] = "l" + fmt.Sprint(i)
	}
	from := levels[last] + " AS " + aliases[last]
	for i := range v.Levels {
		if i < last {
			from += " JOIN " + levels[i] + " AS " + aliases[i] + " ON " + on(aliases[last], aliases[i], i+1)
		}
	}
	var out, order []string
	for i, l := range v.Levels {
		out = append(out, aliases[last]+"."+key(i)+" AS "+quoteIdent(l.Key.Name), aliases[i]+"."+agg+" AS "+quoteIdent(l.Agg.Name))
		dir := " DESC NULLS LAST"
		if !l.Desc {
			dir = " ASC NULLS LAST"
		}
		order = append(order, aliases[i]+"."+agg+dir, aliases[last]+"."+key(i))
	}
	return "WITH " + strings.Join(ctes, ", ") + " SELECT " + strings.Join(out, ", ") + " FROM " + from + " ORDER BY " + strings.Join(order, ", ")
}
