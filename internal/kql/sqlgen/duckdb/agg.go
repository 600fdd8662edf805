package duckdb

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/vigilsec/vigil/internal/kql/plan"
	"github.com/vigilsec/vigil/internal/schema"
)

func (g *gen) agg(c *plan.AggCall, p string) string {
	a := c.Args
	e := func(i int) string { return g.expr(a[i], p) }
	filter := func(i int) string { return " FILTER (WHERE " + e(i) + ")" }
	limit := func(x string, i int) string {
		if i < len(a) {
			return "list_slice(" + x + ", 1, " + e(i) + ")"
		}
		return x
	}
	switch c.Fn {
	case "covariance":
		return "covar_samp(" + e(0) + ", " + e(1) + ")"
	case "covariancep":
		return "covar_pop(" + e(0) + ", " + e(1) + ")"
	case "covarianceif":
		return "covar_samp(" + e(0) + ", " + e(1) + ")" + filter(2)
	case "covariancepif":
		return "covar_pop(" + e(0) + ", " + e(1) + ")" + filter(2)
	case "count":
		return "count(*)"
	case "countif":
		return "count(*)" + filter(0)
	case "dcount":
		return "count(DISTINCT " + e(0) + ")"
	case "dcountif":
		return "count(DISTINCT " + e(0) + ")" + filter(1)
	case "sum":
		return "sum(" + e(0) + ")"
	case "sumif":
		return "sum(" + e(0) + ")" + filter(1)
	case "avg":
		return "avg(" + e(0) + ")"
	case "avgif":
		return "avg(" + e(0) + ")" + filter(1)
	case "min", "max":
		if a[0].Type() == schema.TypeString {
			return c.Fn + "(nullif(" + e(0) + ", ''))"
		}
		return c.Fn + "(" + e(0) + ")"
	case "minif", "maxif":
		return strings.TrimSuffix(c.Fn, "if") + "(" + e(0) + ")" + filter(1)
	case "take_any":
		return "any_value(" + e(0) + ")"
	case "take_anyif":
		return "any_value(" + e(0) + ")" + filter(1)
	case "make_set", "make_set_if":
		x := e(0)
		f := " FILTER (WHERE " + x + " IS NOT NULL"
		li := 1
		if c.Fn == "make_set_if" {
			f += " AND " + e(1)
			li = 2
		}
		f += ")"
		return "coalesce(to_json(" + limit("list(DISTINCT "+g.toJSON(a[0], p)+")"+f, li) + "), CAST('[]' AS JSON))"
	case "make_list", "make_list_if", "make_list_with_nulls":
		x := e(0)
		f := " FILTER (WHERE " + x + " IS NOT NULL"
		li := 1
		if c.Fn == "make_list_if" {
			f += " AND " + e(1)
			li = 2
		}
		f += ")"
		if c.Fn == "make_list_with_nulls" {
			f = ""
		}
		return "coalesce(to_json(" + limit("list("+g.toJSON(a[0], p)+")"+f, li) + "), CAST('[]' AS JSON))"
	case "stdev":
		return "stddev_samp(" + e(0) + ")"
	case "stdevp":
		return "stddev_pop(" + e(0) + ")"
	case "variance":
		return "var_samp(" + e(0) + ")"
	case "variancep":
		return "var_pop(" + e(0) + ")"
	case "percentile":
		return "quantile_disc(" + e(0) + ", " + e(1) + " / 100.0)"
	case "arg_max", "arg_min":
		if len(a) != 2 {
			g.fail("%s in an expression", c.Fn)
		}
		// Rows whose expression is null are skipped; when it is null in every row of the group, KQL still gives
		// one of the group's rows (DuckDB's arg_max would give null). The value returned is the chosen row's, null
		// included: DuckDB's arg_max would skip rows whose value is null and return another row's, so arg_max_null.
		return "(CASE WHEN count(" + e(1) + ") = 0 THEN first(" + e(0) + ") ELSE " + c.Fn + "_null(" + e(0) + ", " + e(1) + ") END)"
	case "make_bag", "make_bag_if":
		x := e(0)
		f := " FILTER (WHERE json_type(" + x + ") = 'OBJECT'"
		if c.Fn == "make_bag_if" {
			f += " AND " + e(1)
		}
		f += ")"
		l := "list(" + x + ")" + f
		return "(CASE WHEN coalesce(len(" + l + "), 0) = 0 THEN CAST('{}' AS JSON) ELSE list_reduce(" + l + ", (acc, b) -> json_merge_patch(acc, b)) END)"
	case "binary_all_or":
		return "bit_or(" + e(0) + ")"
	case "binary_all_and":
		return "bit_and(" + e(0) + ")"
	}
	if x, ok := g.docAgg(c, p); ok {
		return x
	}
	if x, ok := g.examplesAgg(c, p); ok {
		return x
	}
	g.fail("aggregate %s()", c.Fn)
	return ""
}

// distinctOrdered removes duplicates from a list keeping first occurrences in order.
func distinctOrdered(l string) string {
	return "list_filter(" + l + ", (x, i) -> list_position(" + l + ", x) = i)"
}

// parseDatetimeSQL parses a string as KQL todatetime does (ISO 8601, RFC 822, US dates).
func parseDatetimeSQL(x string) string {
	return "coalesce(TRY_CAST(" + x + " AS TIMESTAMP), try_strptime(" + x + ", '%m/%d/%Y %H:%M:%S'), try_strptime(" + x +
		", '%m/%d/%Y'), try_strptime(" + x + ", '%m-%d-%Y'), try_strptime(" + x + ", '%a, %d %b %Y %H:%M:%S GMT'), try_strptime(" + x + ", '%d %b %Y %H:%M:%S'))"
}

// parseTimespanSQL parses [-][d.]hh:mm[:ss[.fffffff]] and DuckDB interval text.
func parseTimespanSQL(x string) string {
	re := `'^(-?)(?:(\d+)\.)?(\d+):(\d+)(?::(\d+(?:\.\d+)?))?$'`
	m := func(i int) string {
		return "coalesce(TRY_CAST(nullif(regexp_extract(" + x + ", " + re + ", " + fmt.Sprint(i) + "), '') AS DOUBLE), 0)"
	}
	us := "(" + m(2) + " * 86400 + " + m(3) + " * 3600 + " + m(4) + " * 60 + " + m(5) + ") * 1000000"
	return "(CASE WHEN regexp_matches(" + x + ", " + re + ") THEN to_microseconds(CAST(round(" + us +
		") AS BIGINT) * (CASE WHEN regexp_extract(" + x + ", " + re + ", 1) = '-' THEN -1 ELSE 1 END)) ELSE TRY_CAST(" + x + " AS INTERVAL) END)"
}

// queryParams turns "a=1&b=2" into a JSON object.
func queryParams(q string) string {
	return "(CASE WHEN " + q + " = '' THEN CAST('{}' AS JSON) ELSE CAST(map_from_entries(list_transform(string_split(" + q +
		", '&'), kv -> {'k': url_decode(split_part(kv, '=', 1)), 'v': url_decode(split_part(kv, '=', 2))})) AS JSON) END)"
}

// regexGroups lists the capturing groups of re in order: "" for an
// unnamed group, the name for (?P<name>...) and (?<name>...). Escapes and
// character classes are skipped.
func regexGroups(re string) []string {
	var out []string
	inClass := false
	for i := 0; i < len(re); i++ {
		switch c := re[i]; {
		case c == '\\':
			i++
		case inClass:
			if c == ']' {
				inClass = false
			}
		case c == '[':
			inClass = true
			if i+1 < len(re) && re[i+1] == ']' {
				i++
			} else if i+2 < len(re) && re[i+1] == '^' && re[i+2] == ']' {
				i += 2
			}
		case c == '(':
			if name, ok := groupName(re[i+1:]); ok {
				out = append(out, name)
			}
		}
	}
	return out
}

// groupName reports whether the text after an opening parenthesis starts a
// capturing group, and its name.
func groupName(rest string) (string, bool) {
	if !strings.HasPrefix(rest, "?") {
		return "", true
	}
	var tail string
	switch {
	case strings.HasPrefix(rest, "?P<"):
		tail = rest[3:]
	case strings.HasPrefix(rest, "?<") && !strings.HasPrefix(rest, "?<=") && !strings.HasPrefix(rest, "?<!"):
		tail = rest[2:]
	default:
		return "", false
	}
	if j := strings.IndexByte(tail, '>'); j > 0 {
		return tail[:j], true
	}
	return "", false
}

func countGroups(re string) int { return len(regexGroups(re)) }

// extractAll implements extract_all(regex, [groups,] source).
func (g *gen) extractAll(a []plan.Expr, p string) string {
	l, ok := a[0].(*plan.Lit)
	re, _ := l.V.(string)
	if !ok || re == "" {
		g.fail("extract_all with a non-constant regex")
	}
	src := g.str(a[len(a)-1], p)
	var groups []int
	n := countGroups(re)
	if len(a) == 3 {
		gl, ok := a[1].(*plan.Lit)
		if !ok || gl.V == nil {
			g.fail("extract_all with non-constant groups")
		}
		var arr []any
		if err := json.Unmarshal([]byte(gl.V.(string)), &arr); err != nil {
			g.fail("extract_all groups %v", gl.V)
		}
		names := regexGroups(re)
		for _, x := range arr {
			switch v := x.(type) {
			case float64:
				groups = append(groups, int(v))
			case string:
				k := -1
				for i, n := range names {
					if n == v {
						k = i + 1
						break
					}
				}
				if k < 0 {
					g.fail("extract_all group %q is not a named group of the regex", v)
				}
				groups = append(groups, k)
			default:
				g.fail("extract_all groups %v", gl.V)
			}
		}
	} else {
		for i := 1; i <= n; i++ {
			groups = append(groups, i)
		}
	}
	if len(groups) == 0 {
		groups = []int{0}
	}
	lists := make([]string, len(groups))
	for i, gr := range groups {
		if gr < 0 {
			g.fail("extract_all capture group %d", gr)
		}
		if gr > n {
			// A group the regex does not have reads as an empty string in every match, as a .NET regex
			// match gives for a group number it does not define (Kusto runs on .NET; public parsers rely on it).
			lists[i] = "list_transform(regexp_extract_all(" + src + ", " + quoteString(re) + ", 0), m -> '')"
			continue
		}
		pat, idx := re, gr
		if gr > 9 {
			pat, idx = onlyGroup(re, gr), 1
		}
		lists[i] = "regexp_extract_all(" + src + ", " + quoteString(pat) + ", " + fmt.Sprint(idx) + ")"
	}
	var x string
	if len(groups) == 1 && (len(a) == 2) {
		x = lists[0]
	} else {
		parts := make([]string, len(lists))
		for i, l := range lists {
			parts[i] = l + "[i]"
		}
		x = "list_transform(range(1, len(" + lists[0] + ") + 1), i -> [" + strings.Join(parts, ", ") + "])"
	}
	return "(CASE WHEN len(" + lists[0] + ") = 0 THEN NULL ELSE to_json(" + x + ") END)"
}

// onlyGroup rewrites re so that capture group k is its only capturing group.
func onlyGroup(re string, k int) string {
	var sb strings.Builder
	n := 0
	inClass := false
	for i := 0; i < len(re); i++ {
		c := re[i]
		switch {
		case c == '\\' && i+1 < len(re):
			sb.WriteByte(c)
			sb.WriteByte(re[i+1])
			i++
			continue
		case inClass:
			if c == ']' {
				inClass = false
			}
		case c == '[':
			inClass = true
		case c == '(':
			if name, ok := groupName(re[i+1:]); ok {
				n++
				if n != k {
					sb.WriteString("(?:")
					if name != "" {
						i += strings.IndexByte(re[i:], '>')
					}
					continue
				}
			}
		}
		sb.WriteByte(c)
	}
	return sb.String()
}
