// Package duckdb generates DuckDB SQL from a KQL logical plan, following KQL
// semantics (case-insensitive string operators, term matching for has, null
// and empty strings, dynamic values as JSON, join kinds, summarize naming).
// Every identifier goes through quoteIdent and every literal through a
// typed literal writer: the text of a query can never become SQL syntax.
package duckdb

import (
	"fmt"
	"strings"

	"github.com/vigilsec/vigil/internal/kql/plan"
	"github.com/vigilsec/vigil/internal/kql/sqlgen"
	"github.com/vigilsec/vigil/internal/schema"
	store "github.com/vigilsec/vigil/internal/store/duckdb"
)

const dialect = "duckdb"

// Generate returns the DuckDB SQL of the plan rooted at n.
func Generate(n plan.Node) (sql string, err error) {
	g := &gen{}
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(genError); ok {
				err = e.err
				return
			}
			// A bug in the generator must fail this query, not the process that compiles it.
			err = &sqlgen.InternalError{Dialect: "duckdb", Cause: r}
		}
	}()
	return g.node(n), nil
}

type genError struct{ err error }

type gen struct {
	// pred is true while the expression being generated is a filter
	// predicate reached through AND and OR only, where NULL and FALSE
	// both drop the row.
	pred  bool
	alias int
	outer []string       // aliases of the enclosing mv-apply inputs
	parts []partitionCtx // the enclosing partition operators
}

func (g *gen) fail(format string, args ...any) {
	panic(genError{sqlgen.Unsupported(dialect, format, args...)})
}

func (g *gen) next() string {
	g.alias++
	return fmt.Sprintf("t%d", g.alias)
}

// quoteIdent quotes a column or table name.
func quoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// quoteString quotes a string literal. DuckDB string literals have no
// escapes besides the doubled quote.
func quoteString(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\x00", "")
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// sqlType is the DuckDB type of a KQL type: the event store's storage mapping, and JSON for values of no known type.
func sqlType(t schema.Type) string {
	if t == schema.TypeInvalid {
		return "JSON"
	}
	return store.SQLType(t)
}

func (g *gen) from(n plan.Node) (string, string) {
	a := g.next()
	return "(" + g.node(n) + ") AS " + a, a
}

func colList(s plan.Schema, prefix string) string {
	parts := make([]string, len(s))
	for i, c := range s {
		parts[i] = prefix + quoteIdent(c.Name)
	}
	return strings.Join(parts, ", ")
}

// node returns a SELECT statement producing n's schema, in order.
func (g *gen) node(n plan.Node) string {
	n = hoistRestarts(n)
	if sql, ok := g.extraNode(n); ok {
		return sql
	}
	switch v := n.(type) {
	case *plan.Scan:
		cols := make([]string, len(v.Cols))
		for i, c := range v.Cols {
			if x, ok := v.Virtual[c.Name]; ok {
				cols[i] = g.expr(x, "") + " AS " + quoteIdent(c.Name)
			} else {
				cols[i] = quoteIdent(c.Name)
			}
		}
		q := "SELECT " + strings.Join(cols, ", ") + " FROM " + quoteIdent(v.Table)
		if len(v.TimeRange) > 0 {
			var conds []string
			for _, p := range v.TimeRange {
				conds = append(conds, g.expr(p, ""))
			}
			q += " WHERE " + strings.Join(conds, " AND ")
		}
		return q
	case *plan.Values:
		return g.values(v)
	case *plan.Range:
		return g.rangeNode(v)
	case *plan.Filter:
		src, a := g.from(v.Input)
		if hasWindow(v.Pred) {
			// SQL forbids window functions in WHERE: compute the predicate first.
			b := g.next()
			return "SELECT " + colList(v.Input.Schema(), b+".") + " FROM (SELECT " + a + ".*, " + g.expr(v.Pred, a+".") +
				" AS \"$keep\" FROM " + src + ") AS " + b + " WHERE " + b + ".\"$keep\""
		}
		g.pred = true
		w := g.expr(v.Pred, a+".")
		g.pred = false
		return "SELECT * FROM " + src + " WHERE " + w
	case *plan.Project:
		src, a := g.from(v.Input)
		return "SELECT " + g.items(v.Items, a+".") + " FROM " + src
	case *plan.Window:
		src, a := g.from(v.Input)
		return "SELECT " + a + ".*, " + g.items(v.Items, a+".") + " FROM " + src
	case *plan.Aggregate:
		return g.aggregate(v)
	case *plan.ScanSteps:
		return g.scanSteps(v)
	case *plan.Partition:
		return g.partition(v)
	case *plan.SchemaMerge:
		return g.schemaMerge(v)
	case *plan.PartitionRows:
		return g.partitionRows(v)
	case *plan.Distinct:
		src, _ := g.from(v.Input)
		return "SELECT DISTINCT * FROM " + src
	case *plan.Sort:
		src, a := g.from(v.Input)
		keys := make([]string, len(v.Keys))
		for i, k := range v.Keys {
			s := g.expr(k.X, a+".")
			if k.Desc {
				s += " DESC"
			} else {
				s += " ASC"
			}
			if k.NullsFirst {
				s += " NULLS FIRST"
			} else {
				s += " NULLS LAST"
			}
			keys[i] = s
		}
		return "SELECT * FROM " + src + " ORDER BY " + strings.Join(keys, ", ")
	case *plan.Limit:
		src, _ := g.from(v.Input)
		return "SELECT * FROM " + src + " LIMIT " + g.expr(v.N, "")
	case *plan.Join:
		return g.join(v)
	case *plan.Union:
		return g.union(v)
	case *plan.MvExpand:
		return g.mvExpand(v)
	case *plan.MakeSeries:
		return g.makeSeries(v)
	case *plan.SequenceDetect:
		return g.pluginsSequence(v)
	case *plan.Patterns:
		return g.pluginsPatterns(v)
	case *plan.MvApply:
		return g.mvApply(v)
	case *plan.ApplyRows:
		return g.applyRows(v)
	case *plan.External:
		return g.external(v)
	case *plan.GraphTable:
		return g.graphTable(v)
	case *plan.GraphMatch:
		return g.graphMatch(v)
	}
	g.fail("plan node %T", n)
	return ""
}

func (g *gen) items(items []plan.NamedExpr, prefix string) string {
	if len(items) == 0 {
		g.fail("an operator producing no columns")
	}
	parts := make([]string, len(items))
	for i, it := range items {
		parts[i] = g.expr(it.X, prefix) + " AS " + quoteIdent(it.Name)
	}
	return strings.Join(parts, ", ")
}

func (g *gen) values(v *plan.Values) string {
	if len(v.Cols) == 0 {
		if len(v.Rows) == 0 {
			return "SELECT NULL AS \"$unit\" WHERE FALSE"
		}
		return "SELECT NULL AS \"$unit\""
	}
	if len(v.Rows) == 0 {
		parts := make([]string, len(v.Cols))
		for i, c := range v.Cols {
			parts[i] = "CAST(NULL AS " + sqlType(c.Type) + ") AS " + quoteIdent(c.Name)
		}
		return "SELECT " + strings.Join(parts, ", ") + " WHERE FALSE"
	}
	rows := make([]string, len(v.Rows))
	for i, r := range v.Rows {
		cells := make([]string, len(r))
		for j, x := range r {
			cells[j] = "CAST(" + g.expr(x, "") + " AS " + sqlType(v.Cols[j].Type) + ")"
		}
		rows[i] = "(" + strings.Join(cells, ", ") + ")"
	}
	a := g.next()
	return "SELECT * FROM (VALUES " + strings.Join(rows, ", ") + ") AS " + a + "(" + colList(v.Cols, "") + ")"
}

func (g *gen) rangeNode(v *plan.Range) string {
	from, to, step := g.expr(v.From, ""), g.expr(v.To, ""), g.expr(v.Step, "")
	a := g.next()
	switch v.Col.Type {
	case schema.TypeDatetime, schema.TypeTimespan:
		if v.Step.Type() != schema.TypeTimespan {
			g.fail("range with a %s step", v.Step.Type())
		}
		if v.Col.Type == schema.TypeTimespan {
			return fmt.Sprintf("SELECT to_microseconds(CAST(%s AS BIGINT)) AS %s FROM generate_series(%s, %s, %s) AS %s(%s)",
				quoteIdent(v.Col.Name), quoteIdent(v.Col.Name), ivUS(from), ivUS(to), ivUS(step), a, quoteIdent(v.Col.Name))
		}
		return fmt.Sprintf("SELECT CAST(%s AS TIMESTAMP) AS %s FROM generate_series(%s, %s, %s) AS %s(%s)",
			quoteIdent(v.Col.Name), quoteIdent(v.Col.Name), from, to, step, a, quoteIdent(v.Col.Name))
	case schema.TypeReal, schema.TypeDecimal:
		return fmt.Sprintf("SELECT CAST(%s + i * %s AS DOUBLE) AS %s FROM generate_series(0, CAST(floor((%s - %s) / %s) AS BIGINT)) AS %s(i)",
			from, step, quoteIdent(v.Col.Name), to, from, step, a)
	}
	return fmt.Sprintf("SELECT CAST(%s AS %s) AS %s FROM generate_series(CAST(%s AS BIGINT), CAST(%s AS BIGINT), CAST(%s AS BIGINT)) AS %s(%s)",
		quoteIdent(v.Col.Name), sqlType(v.Col.Type), quoteIdent(v.Col.Name), from, to, step, a, quoteIdent(v.Col.Name))
}

func (g *gen) aggregate(v *plan.Aggregate) string {
	src, a := g.from(v.Input)
	var parts []string
	for _, k := range v.Keys {
		parts = append(parts, g.expr(k.X, a+".")+" AS "+quoteIdent(k.Name))
	}
	for _, it := range v.Aggs {
		parts = append(parts, g.expr(it.X, a+".")+" AS "+quoteIdent(it.Name))
	}
	q := "SELECT " + strings.Join(parts, ", ") + " FROM " + src
	if len(v.Keys) > 0 {
		ks := make([]string, len(v.Keys))
		for i := range v.Keys {
			ks[i] = fmt.Sprint(i + 1)
		}
		q += " GROUP BY " + strings.Join(ks, ", ")
	}
	return q
}

func (g *gen) join(v *plan.Join) string {
	left := g.node(v.Left)
	if v.Kind == "innerunique" {
		// KQL keeps one arbitrary left row per key before joining.
		keys := make([]string, len(v.On))
		for i, k := range v.On {
			keys[i] = quoteIdent(k.Left)
		}
		part := "1"
		if len(keys) > 0 {
			part = strings.Join(keys, ", ")
		}
		la := g.next()
		left = "SELECT * FROM (" + left + ") AS " + la + " QUALIFY row_number() OVER (PARTITION BY " + part + ") = 1"
	}
	right := g.node(v.Right)
	l, r := g.next(), g.next()
	var conds []string
	for _, k := range v.On {
		if v.IPv6Range {
			conds = append(conds, "coalesce(kql_ipv6_is_in_range(CAST("+l+"."+quoteIdent(k.Left)+" AS VARCHAR), CAST("+r+"."+quoteIdent(k.Right)+" AS VARCHAR)), FALSE)")
			continue
		}
		if v.IPv4Range {
			conds = append(conds, "coalesce("+ipv4InRange("CAST("+l+"."+quoteIdent(k.Left)+" AS VARCHAR)", "CAST("+r+"."+quoteIdent(k.Right)+" AS VARCHAR)")+", FALSE)")
			continue
		}
		conds = append(conds, l+"."+quoteIdent(k.Left)+" = "+r+"."+quoteIdent(k.Right))
	}
	if v.Geo != nil {
		conds = append(conds, geoMatch(v.Geo, l, r))
	}
	on := "TRUE"
	if len(conds) > 0 {
		on = strings.Join(conds, " AND ")
	}
	cols := make([]string, len(v.Out))
	for i, c := range v.Out {
		src := v.Sources[i]
		p := l
		if src.Right {
			p = r
		}
		cols[i] = p + "." + quoteIdent(src.Col) + " AS " + quoteIdent(c.Name)
	}
	sel := strings.Join(cols, ", ")
	lsrc := "(" + left + ") AS " + l
	rsrc := "(" + right + ") AS " + r
	switch v.Kind {
	case "innerunique", "inner":
		return "SELECT " + sel + " FROM " + lsrc + " JOIN " + rsrc + " ON " + on
	case "leftouter":
		return "SELECT " + sel + " FROM " + lsrc + " LEFT JOIN " + rsrc + " ON " + on
	case "rightouter":
		return "SELECT " + sel + " FROM " + lsrc + " RIGHT JOIN " + rsrc + " ON " + on
	case "fullouter":
		return "SELECT " + sel + " FROM " + lsrc + " FULL JOIN " + rsrc + " ON " + on
	case "leftsemi":
		return "SELECT " + sel + " FROM " + lsrc + " SEMI JOIN " + rsrc + " ON " + on
	case "leftanti":
		return "SELECT " + sel + " FROM " + lsrc + " ANTI JOIN " + rsrc + " ON " + on
	case "rightsemi":
		return "SELECT " + sel + " FROM " + rsrc + " SEMI JOIN " + lsrc + " ON " + on
	case "rightanti":
		return "SELECT " + sel + " FROM " + rsrc + " ANTI JOIN " + lsrc + " ON " + on
	}
	g.fail("join kind %s", v.Kind)
	return ""
}

func (g *gen) union(v *plan.Union) string {
	parts := make([]string, len(v.Branches))
	for i, b := range v.Branches {
		src, a := g.from(b)
		var cols []string
		if v.SourceCol != "" {
			cols = append(cols, quoteString(v.Sources[i])+" AS "+quoteIdent(v.SourceCol))
		}
		off := len(cols)
		for j, c := range v.Out[off:] {
			if m := v.Maps[i][j]; m != "" {
				cols = append(cols, a+"."+quoteIdent(m)+" AS "+quoteIdent(c.Name))
			} else {
				cols = append(cols, "CAST(NULL AS "+sqlType(c.Type)+") AS "+quoteIdent(c.Name))
			}
		}
		parts[i] = "SELECT " + strings.Join(cols, ", ") + " FROM " + src
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return "(" + strings.Join(parts, ") UNION ALL (") + ")"
}

func (g *gen) mvExpand(v *plan.MvExpand) string {
	src, a := g.from(v.Input)
	in := v.Input.Schema()
	expanded := map[string]int{}
	for i, c := range v.Cols {
		expanded[c] = i
	}
	inner := make([]string, len(in))
	var lists []string
	for i, c := range in {
		k, ok := expanded[c.Name]
		if !ok {
			inner[i] = a + "." + quoteIdent(c.Name)
			continue
		}
		arr := a + "." + quoteIdent(c.Name)
		list := fmt.Sprintf("(CASE WHEN json_type(%[1]s) = 'ARRAY' THEN CAST(json_extract(%[1]s, '$[*]') AS JSON[]) "+
			"WHEN json_type(%[1]s) = 'OBJECT' THEN list_transform(json_keys(%[1]s), k -> json_object(k, json_extract(%[1]s, '$.\"' || replace(k, '\"', '\\\"') || '\"'))) "+
			"WHEN %[1]s IS NULL OR json_type(%[1]s) = 'NULL' THEN CAST([] AS JSON[]) ELSE [%[1]s] END)", arr)
		if v.Limit != nil {
			list = "list_slice(" + list + ", 1, " + g.expr(v.Limit, "") + ")"
		}
		inner[i] = "unnest(" + list + ") AS " + quoteIdent(c.Name)
		lists = append(lists, list)
		_ = k
	}
	if v.Index != "" {
		inner = append(inner, itemIndex(lists))
	}
	// unnest in the select list keeps the order of the elements.
	b := g.next()
	outer := make([]string, len(in))
	for i, c := range in {
		if k, ok := expanded[c.Name]; ok {
			outer[i] = fromJSON(b+"."+quoteIdent(c.Name), v.Types[k]) + " AS " + quoteIdent(c.Name)
			continue
		}
		outer[i] = b + "." + quoteIdent(c.Name)
	}
	if v.Index != "" {
		outer = append(outer, b+".\"$index\" AS "+quoteIdent(v.Index))
	}
	return "SELECT " + strings.Join(outer, ", ") + " FROM (SELECT " + strings.Join(inner, ", ") + " FROM " + src + ") AS " + b
}

// fromJSON converts a JSON value to type t.
func fromJSON(x string, t schema.Type) string {
	switch t {
	case schema.TypeDynamic:
		return x
	case schema.TypeString, schema.TypeGUID:
		return "(" + x + " ->> '$')"
	case schema.TypeBool:
		return "TRY_CAST(" + x + " ->> '$' AS BOOLEAN)"
	case schema.TypeDatetime:
		return "TRY_CAST(" + x + " ->> '$' AS TIMESTAMP)"
	case schema.TypeTimespan:
		return "TRY_CAST(" + x + " ->> '$' AS INTERVAL)"
	case schema.TypeInt, schema.TypeLong:
		return "CAST(trunc(TRY_CAST(" + x + " ->> '$' AS DOUBLE)) AS " + sqlType(t) + ")"
	}
	return "TRY_CAST(" + x + " ->> '$' AS " + sqlType(t) + ")"
}

// makeSeries joins every key with every bin, fills empty bins with the
// default and collects the values in bin order.
func (g *gen) makeSeries(v *plan.MakeSeries) string {
	onT := v.On.Type()
	// Bins are numbers (microseconds for datetimes) so that one code path serves both.
	num := func(x string) string {
		if onT == schema.TypeDatetime {
			return "epoch_us(" + x + ")"
		}
		return x
	}
	step := g.expr(v.Step, "")
	if v.Step.Type() == schema.TypeTimespan {
		step = ivUS(step)
	}
	src1, a1 := g.from(v.Input)
	on := g.expr(v.On, a1+".")
	from, to := "", ""
	if v.From != nil {
		from = num(g.expr(v.From, ""))
	} else {
		s, a := g.from(v.Input)
		from = "(SELECT min(" + num(g.expr(v.On, a+".")) + ") FROM " + s + ")"
	}
	if v.To != nil {
		to = num(g.expr(v.To, ""))
	} else {
		s, a := g.from(v.Input)
		to = "(SELECT max(" + num(g.expr(v.On, a+".")) + ") + " + step + " FROM " + s + ")"
	}
	// Aggregated values per key and bin.
	var inner []string
	var keyCols []string
	for i, k := range v.Keys {
		inner = append(inner, g.expr(k.X, a1+".")+" AS "+quoteIdent(fmt.Sprintf("k%d", i)))
		keyCols = append(keyCols, quoteIdent(fmt.Sprintf("k%d", i)))
	}
	binExpr := "(" + from + " + floor((" + num(on) + " - " + from + ") / " + step + ") * " + step + ")"
	inner = append(inner, binExpr+" AS \"$bin\"")
	for i, ag := range v.Aggs {
		inner = append(inner, g.expr(ag.X, a1+".")+" AS "+quoteIdent(fmt.Sprintf("a%d", i)))
	}
	groupBy := make([]string, len(v.Keys)+1)
	for i := range groupBy {
		groupBy[i] = fmt.Sprint(i + 1)
	}
	agg := "SELECT " + strings.Join(inner, ", ") + " FROM " + src1 + " WHERE " + num(on) + " >= " + from + " AND " + num(on) + " < " + to +
		" GROUP BY " + strings.Join(groupBy, ", ")
	// Distinct keys.
	src2, a2 := g.from(v.Input)
	var kexprs []string
	for i, k := range v.Keys {
		kexprs = append(kexprs, g.expr(k.X, a2+".")+" AS "+quoteIdent(fmt.Sprintf("k%d", i)))
	}
	keys := "SELECT DISTINCT " + strings.Join(kexprs, ", ") + " FROM " + src2
	if len(v.Keys) == 0 {
		keys = "SELECT 1 AS \"$one\""
	}
	bins := "SELECT generate_series AS \"$bin\" FROM generate_series(CAST(" + from + " AS BIGINT), CAST(" + to + " AS BIGINT) - 1, CAST(" + step + " AS BIGINT))"
	ks, bs, as := g.next(), g.next(), g.next()
	var conds []string
	conds = append(conds, as+".\"$bin\" = "+bs+".\"$bin\"")
	for _, kc := range keyCols {
		conds = append(conds, as+"."+kc+" IS NOT DISTINCT FROM "+ks+"."+kc)
	}
	var outer []string
	var gb []string
	for i, k := range v.Keys {
		outer = append(outer, ks+"."+keyCols[i]+" AS "+quoteIdent(k.Name))
		gb = append(gb, fmt.Sprint(i+1))
	}
	for i, ag := range v.Aggs {
		val := "coalesce(" + as + "." + quoteIdent(fmt.Sprintf("a%d", i)) + ", " + g.expr(v.Defaults[i], "") + ")"
		outer = append(outer, "to_json(list("+val+" ORDER BY "+bs+".\"$bin\")) AS "+quoteIdent(ag.Name))
	}
	axis := bs + ".\"$bin\""
	if onT == schema.TypeDatetime {
		axis = "strftime(make_timestamp(" + axis + "), '%Y-%m-%dT%H:%M:%S.%f') || '0Z'"
	}
	outer = append(outer, "to_json(list("+axis+" ORDER BY "+bs+".\"$bin\")) AS "+quoteIdent(v.OnName))
	q := "SELECT " + strings.Join(outer, ", ") + " FROM (" + keys + ") AS " + ks + " CROSS JOIN (" + bins + ") AS " + bs +
		" LEFT JOIN (" + agg + ") AS " + as + " ON " + strings.Join(conds, " AND ")
	if len(gb) > 0 {
		q += " GROUP BY " + strings.Join(gb, ", ")
	}
	return q
}

// mvApply runs the body as a LATERAL subquery per input row.
func (g *gen) mvApply(v *plan.MvApply) string {
	src, a := g.from(v.Input)
	g.outer = append(g.outer, a)
	body := g.node(v.Body)
	g.outer = g.outer[:len(g.outer)-1]
	b := g.next()
	var cols []string
	for _, k := range v.Keep {
		cols = append(cols, a+"."+quoteIdent(k))
	}
	for _, c := range v.Body.Schema() {
		cols = append(cols, b+"."+quoteIdent(c.Name))
	}
	return "SELECT " + strings.Join(cols, ", ") + " FROM " + src + ", LATERAL (" + body + ") AS " + b
}

// applyRows expands the current outer row of an mv-apply.
func (g *gen) applyRows(v *plan.ApplyRows) string {
	if len(g.outer) == 0 {
		g.fail("mv-apply rows outside mv-apply")
	}
	a := g.outer[len(g.outer)-1]
	expanded := map[string]int{}
	for i, it := range v.Items {
		expanded[it] = i
	}
	cols := v.Cols
	if v.Index != "" {
		cols = cols[:len(cols)-1] // the index column comes last
	}
	inner := make([]string, len(cols))
	var lists []string
	for i, c := range cols {
		k, ok := expanded[c.Name]
		if !ok {
			inner[i] = a + "." + quoteIdent(c.Name) + " AS " + quoteIdent(c.Name)
			continue
		}
		arr := a + "." + quoteIdent(c.Name)
		list := fmt.Sprintf("(CASE WHEN json_type(%[1]s) = 'ARRAY' THEN CAST(json_extract(%[1]s, '$[*]') AS JSON[]) "+
			"WHEN %[1]s IS NULL OR json_type(%[1]s) = 'NULL' THEN CAST([] AS JSON[]) ELSE [%[1]s] END)", arr)
		if v.Limit != nil {
			list = "list_slice(" + list + ", 1, " + g.expr(v.Limit, "") + ")"
		}
		inner[i] = "unnest(" + list + ") AS " + quoteIdent(c.Name)
		lists = append(lists, list)
		_ = k
	}
	if v.Index != "" {
		inner = append(inner, itemIndex(lists))
	}
	b := g.next()
	outer := make([]string, len(cols))
	for i, c := range cols {
		if k, ok := expanded[c.Name]; ok {
			outer[i] = fromJSON(b+"."+quoteIdent(c.Name), v.Types[k]) + " AS " + quoteIdent(c.Name)
			continue
		}
		outer[i] = b + "." + quoteIdent(c.Name)
	}
	if v.Index != "" {
		outer = append(outer, b+".\"$index\" AS "+quoteIdent(v.Index))
	}
	return "SELECT " + strings.Join(outer, ", ") + " FROM (SELECT " + strings.Join(inner, ", ") + ") AS " + b
}

func hasWindow(e plan.Expr) bool {
	found := false
	plan.WalkExpr(e, func(x plan.Expr) bool {
		if c, ok := x.(*plan.Call); ok {
			switch c.Fn {
			case "row_number", "prev", "next", "row_cumsum", "row_rank_dense", "row_rank_min", "row_window_session":
				found = true
			}
		}
		return !found
	})
	return found
}
