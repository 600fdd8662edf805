package duckdb

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/vigilsec/vigil/internal/kql/plan"
)

// pluginsSequence compiles sequence_detect to a self-join of the input, numbered and materialised once: one copy
// per step, filtered by the step's predicate and joined to the previous step's copy on the dimensions (null
// matching null), on the order of the timeline (time, then input position) and on the step window; the last step
// must also fall within the sequence span of the first. Times are compared in microseconds.
func (g *gen) pluginsSequence(v *plan.SequenceDetect) string {
	src, a := g.from(v.Input)
	cte := quoteIdent("$seq_" + g.next())
	t := g.expr(v.Time, a+".")
	var cols []string
	for i, d := range v.Dims {
		cols = append(cols, g.expr(d.X, a+".")+" AS "+quoteIdent(fmt.Sprintf("$d%d", i)))
	}
	cols = append(cols, t+` AS "$t"`, "epoch_us("+t+`) AS "$u"`, `row_number() OVER () AS "$n"`)
	for i, s := range v.Steps {
		cols = append(cols, "coalesce("+g.expr(s.X, a+".")+", FALSE) AS "+quoteIdent(fmt.Sprintf("$p%d", i)))
	}
	def := "SELECT " + strings.Join(cols, ", ") + " FROM " + src + " WHERE " + t + " IS NOT NULL"
	step, span := ivUS(g.expr(v.Step, "")), ivUS(g.expr(v.Span, ""))
	as := make([]string, len(v.Steps))
	var from strings.Builder
	for i := range v.Steps {
		as[i] = g.next()
		part := "(SELECT * FROM " + cte + " WHERE " + quoteIdent(fmt.Sprintf("$p%d", i)) + ") AS " + as[i]
		if i == 0 {
			from.WriteString(part)
			continue
		}
		cur, prev := as[i]+".", as[i-1]+"."
		conds := []string{
			cur + `"$u" >= ` + prev + `"$u"`,
			cur + `"$u" <= ` + prev + `"$u" + ` + step,
			"(" + cur + `"$u" > ` + prev + `"$u" OR ` + cur + `"$n" > ` + prev + `"$n")`,
			cur + `"$u" <= ` + as[0] + `."$u" + ` + span,
		}
		for k := range v.Dims {
			d := quoteIdent(fmt.Sprintf("$d%d", k))
			conds = append(conds, cur+d+" IS NOT DISTINCT FROM "+prev+d)
		}
		from.WriteString(" JOIN " + part + " ON " + strings.Join(conds, " AND "))
	}
	var out []string
	for k, d := range v.Dims {
		out = append(out, as[0]+"."+quoteIdent(fmt.Sprintf("$d%d", k))+" AS "+quoteIdent(d.Name))
	}
	for i, s := range v.Steps {
		out = append(out, as[i]+`."$t" AS `+quoteIdent(s.Name))
	}
	last := as[len(as)-1]
	out = append(out, "to_microseconds("+last+`."$u" - `+as[0]+`."$u") AS `+quoteIdent(plan.SequenceDuration))
	return "WITH " + cte + " AS MATERIALIZED (" + def + ") SELECT " + strings.Join(out, ", ") + " FROM " + from.String()
}

// pluginsPatterns compiles basket and autocluster: the input, numbered and materialised once, is handed to the
// kql_patterns function (internal/store/duckdb/udf) as one JSON value of the dimensions' values as text; each
// pattern it returns names a row that holds the pattern's values, which are read back from that row with their
// own types, and the columns the pattern leaves free get the wildcard.
func (g *gen) pluginsPatterns(v *plan.Patterns) string {
	src, a := g.from(v.Input)
	in := quoteIdent("$pat_" + g.next())
	def := `SELECT row_number() OVER () - 1 AS "$n", ` + a + ".* FROM " + src
	vals := make([]string, len(v.Dims))
	for i, d := range v.Dims {
		vals[i] = "CAST(" + quoteIdent(d.Name) + " AS VARCHAR)"
	}
	rows := `(SELECT CAST(to_json(list([` + strings.Join(vals, ", ") + `] ORDER BY "$n")) AS VARCHAR) FROM ` + in + ")"
	weights := "CAST(NULL AS VARCHAR)"
	if v.Weight != "" {
		weights = "(SELECT CAST(to_json(list(CAST(" + quoteIdent(v.Weight) + ` AS DOUBLE) ORDER BY "$n")) AS VARCHAR) FROM ` + in + ")"
	}
	call := "kql_patterns(" + quoteString(v.Algorithm) + ", " + rows + ", " + weights + ", CAST(" +
		strconv.FormatFloat(v.Param, 'g', -1, 64) + " AS DOUBLE), CAST(" + strconv.FormatInt(v.Limit, 10) + " AS BIGINT))"
	const shape = `'[{"s":"BIGINT","w":"DOUBLE","p":"DOUBLE","r":"BIGINT","f":"VARCHAR"}]'`
	p, i := g.next(), g.next()
	out := []string{
		p + `.e.s AS "SegmentId"`,
		"CAST(round(" + p + `.e.w) AS BIGINT) AS "Count"`,
		p + `.e.p AS "Percent"`,
	}
	for k, d := range v.Dims {
		out = append(out, "CASE WHEN substr("+p+".e.f, "+strconv.Itoa(k+1)+", 1) = '1' THEN "+i+"."+quoteIdent(d.Name)+
			" ELSE CAST("+g.expr(v.Wildcards[k], "")+" AS "+sqlType(d.Type)+") END AS "+quoteIdent(d.Name))
	}
	return "WITH " + in + " AS MATERIALIZED (" + def + ") SELECT " + strings.Join(out, ", ") +
		" FROM (SELECT unnest(from_json(" + call + ", " + shape + ")) AS e) AS " + p +
		" JOIN " + in + " AS " + i + " ON " + i + `."$n" = ` + p + ".e.r ORDER BY 1"
}
