package duckdb

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/vigilsec/vigil/internal/kql/plan"
	"github.com/vigilsec/vigil/internal/schema"
)

// lit writes a typed literal.
func lit(l *plan.Lit) string {
	if l.V == nil {
		return "CAST(NULL AS " + sqlType(l.T) + ")"
	}
	switch v := l.V.(type) {
	case string:
		switch l.T {
		case schema.TypeDynamic:
			return "CAST(" + quoteString(v) + " AS JSON)"
		}
		return quoteString(v)
	case int64:
		if l.T == schema.TypeInt {
			return "CAST(" + strconv.FormatInt(v, 10) + " AS INTEGER)"
		}
		return "CAST(" + strconv.FormatInt(v, 10) + " AS BIGINT)"
	case float64:
		switch {
		case math.IsNaN(v):
			return "CAST('nan' AS DOUBLE)"
		case math.IsInf(v, 1):
			return "CAST('inf' AS DOUBLE)"
		case math.IsInf(v, -1):
			return "CAST('-inf' AS DOUBLE)"
		}
		return "CAST(" + strconv.FormatFloat(v, 'g', -1, 64) + " AS DOUBLE)"
	case bool:
		if v {
			return "TRUE"
		}
		return "FALSE"
	case time.Time:
		return "TIMESTAMP " + quoteString(v.UTC().Format("2006-01-02 15:04:05.000000"))
	case time.Duration:
		return "to_microseconds(CAST(" + strconv.FormatInt(int64(v/time.Microsecond), 10) + " AS BIGINT))"
	}
	panic(genError{fmt.Errorf("literal of Go type %T", l.V)})
}

// ivUS converts an INTERVAL expression to microseconds (BIGINT).
func ivUS(x string) string { return "CAST(round(epoch(" + x + ") * 1000000) AS BIGINT)" }

func isNullLit(e plan.Expr) bool {
	l, ok := e.(*plan.Lit)
	return ok && l.V == nil
}

// str returns a string expression with null read as "" (KQL strings are never null).
func (g *gen) str(e plan.Expr, p string) string {
	if l, ok := e.(*plan.Lit); ok && l.V != nil {
		return lit(l)
	}
	return "coalesce(" + g.expr(e, p) + ", '')"
}

func (g *gen) args(a []plan.Expr, p string) []string {
	out := make([]string, len(a))
	for i, x := range a {
		out[i] = g.expr(x, p)
	}
	return out
}

// expr returns the SQL of a scalar expression; p qualifies column names ("t1.").
func (g *gen) expr(e plan.Expr, p string) string {
	if _, ok := e.(*plan.Call); !ok && g.pred {
		// Only AND and OR keep the filter context for their operands.
		g.pred = false
		defer func() { g.pred = true }()
	}
	switch v := e.(type) {
	case *plan.Lit:
		return lit(v)
	case *plan.ColRef:
		return p + quoteIdent(v.Name)
	case *plan.Call:
		return g.call(v, p)
	case *plan.AggCall:
		return g.agg(v, p)
	case *plan.Member:
		return g.member(v, p)
	case *plan.InList:
		return g.inList(v, p)
	case *plan.InTable:
		return g.inTable(v, p)
	case *plan.Subquery:
		src, a := g.from(v.Table)
		return "(SELECT " + a + "." + quoteIdent(v.Table.Schema()[0].Name) + " FROM " + src + " LIMIT 1)"
	case *plan.Case:
		var sb strings.Builder
		sb.WriteString("CASE")
		for i := range v.Whens {
			sb.WriteString(" WHEN " + g.expr(v.Whens[i], p) + " THEN " + g.expr(v.Thens[i], p))
		}
		sb.WriteString(" ELSE " + g.expr(v.Else, p) + " END")
		return sb.String()
	case *plan.Star:
		g.fail("* outside arg_max/arg_min")
	}
	g.fail("expression %T", e)
	return ""
}

// jsonPath renders a constant JSON path for a chain of members, or ok=false.
func jsonPath(m *plan.Member) (base plan.Expr, path string, ok bool) {
	var steps []string
	var cur plan.Expr = m
	for {
		mm, isM := cur.(*plan.Member)
		if !isM {
			break
		}
		switch {
		case mm.Index == nil:
			k, _ := json.Marshal(mm.Key)
			steps = append(steps, "."+string(k))
		default:
			l, isL := mm.Index.(*plan.Lit)
			if !isL {
				return nil, "", false
			}
			switch n := l.V.(type) {
			case int64:
				if n < 0 {
					steps = append(steps, fmt.Sprintf("[#%d]", n))
				} else {
					steps = append(steps, fmt.Sprintf("[%d]", n))
				}
			default:
				return nil, "", false
			}
		}
		cur = mm.X
	}
	var sb strings.Builder
	sb.WriteString("$")
	for i := len(steps) - 1; i >= 0; i-- {
		sb.WriteString(steps[i])
	}
	return cur, sb.String(), true
}

func (g *gen) member(m *plan.Member, p string) string {
	if rulefixEmptyKey(m) {
		// DuckDB refuses the JSON path $."" (an empty property name): no property is read.
		return "CAST(NULL AS JSON)"
	}
	if base, path, ok := jsonPath(m); ok {
		return "json_extract(" + g.expr(base, p) + ", " + quoteString(path) + ")"
	}
	x := g.expr(m.X, p)
	idx := m.Index
	switch idx.Type() {
	case schema.TypeString:
		k := g.expr(idx, p)
		return "json_extract(" + x + ", '$.\"' || replace(NULLIF(" + k + ", ''), '\"', '\\\"') || '\"')"
	case schema.TypeInt, schema.TypeLong:
		i := g.expr(idx, p)
		return "json_extract(" + x + ", CASE WHEN " + i + " < 0 THEN '$[#' || " + i + " || ']' ELSE '$[' || " + i + " || ']' END)"
	}
	g.fail("dynamic index of type %s", idx.Type())
	return ""
}

// termRegex builds the regex of has/hasprefix/hassuffix for a constant needle.
func termRegex(op, needle string) string {
	ci := !strings.HasSuffix(op, "_cs")
	base := strings.TrimSuffix(op, "_cs")
	q := regexp.QuoteMeta(needle)
	var re string
	startAlnum := needle != "" && isTermRune(firstRune(needle))
	endAlnum := needle != "" && isTermRune(lastRune(needle))
	pre, post := "", ""
	if startAlnum {
		pre = `(?:^|[^\pL\pN])`
	}
	if endAlnum {
		post = `(?:$|[^\pL\pN])`
	}
	switch base {
	case "has":
		re = pre + q + post
	case "hasprefix":
		re = pre + q
	case "hassuffix":
		re = q + post
	}
	if ci {
		re = "(?is)" + re
	} else {
		re = "(?s)" + re
	}
	return re
}

func firstRune(s string) rune {
	for _, r := range s {
		return r
	}
	return 0
}

func lastRune(s string) rune {
	r := []rune(s)
	return r[len(r)-1]
}

func isTermRune(r rune) bool {
	return r == '_' && false || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || r > 127
}

// termMatch is a has-family test of haystack h (SQL) against needle n.
func (g *gen) termMatch(op, h string, n plan.Expr, p string) string {
	if l, ok := n.(*plan.Lit); ok {
		s, _ := l.V.(string)
		if s == "" {
			return "TRUE"
		}
		re := termRegex(op, s)
		// A cheap substring test first, then the term regex.
		pre := "contains(lower(" + h + "), " + quoteString(strings.ToLower(s)) + ")"
		if strings.HasSuffix(op, "_cs") {
			pre = "contains(" + h + ", " + quoteString(s) + ")"
		}
		return "(" + pre + " AND regexp_matches(" + h + ", " + quoteString(re) + "))"
	}
	ci := "(?is)"
	if strings.HasSuffix(op, "_cs") {
		ci = "(?s)"
	}
	ns := g.str(n, p)
	pre, post := `'(?:^|[^\pL\pN])'`, `'(?:$|[^\pL\pN])'`
	switch strings.TrimSuffix(op, "_cs") {
	case "hasprefix":
		post = "''"
	case "hassuffix":
		pre = "''"
	}
	return "(" + ns + " = '' OR regexp_matches(" + h + ", " + quoteString(ci) + " || " + pre + " || regexp_escape(" + ns + ") || " + post + "))"
}

func (g *gen) strOp(op string, a, b plan.Expr, p string, pred bool) string {
	neg := false
	if strings.HasPrefix(op, "!") {
		neg, op = true, op[1:]
	}
	if op == "~" { // from !~
		op = "=~"
	}
	if op == "containscs" { // the deprecated spelling
		op = "contains_cs"
	}
	h := g.str(a, p)
	if pred && !neg && nonEmptyString(b) && op != "like" && op != "likecs" && op != "matches regex" {
		// A null string is "" in KQL, and "" matches no non-empty
		// constant under these operators: in a filter, the NULL the bare
		// column gives drops the row just as FALSE does, and DuckDB can
		// push the bare comparison into the scan.
		h = g.expr(a, p)
	}
	var s string
	switch op {
	case "has", "has_cs", "hasprefix", "hasprefix_cs", "hassuffix", "hassuffix_cs":
		s = g.termMatch(op, h, b, p)
	case "contains":
		s = "contains(lower(" + h + "), lower(" + g.str(b, p) + "))"
	case "contains_cs":
		s = "contains(" + h + ", " + g.str(b, p) + ")"
	case "startswith":
		s = "starts_with(lower(" + h + "), lower(" + g.str(b, p) + "))"
	case "startswith_cs":
		s = "starts_with(" + h + ", " + g.str(b, p) + ")"
	case "endswith":
		s = "ends_with(lower(" + h + "), lower(" + g.str(b, p) + "))"
	case "endswith_cs":
		s = "ends_with(" + h + ", " + g.str(b, p) + ")"
	case "=~":
		if l, ok := b.(*plan.Lit); ok && plainASCII(l) {
			// ILIKE without wildcards is a case-insensitive equality that
			// DuckDB runs faster than comparing lower() of both sides.
			s = "(" + h + " ILIKE " + lit(l) + ")"
			break
		}
		s = "(lower(" + h + ") = lower(" + g.str(b, p) + "))"
	case "like":
		s = "(" + h + " ILIKE " + g.str(b, p) + ")"
	case "likecs":
		s = "(" + h + " LIKE " + g.str(b, p) + ")"
	case "notlike":
		s, neg = "("+h+" ILIKE "+g.str(b, p)+")", true
	case "notlikecs":
		s, neg = "("+h+" LIKE "+g.str(b, p)+")", true
	case "matches regex":
		s = "regexp_matches(" + h + ", " + g.str(b, p) + ")"
	default:
		g.fail("operator %s", op)
	}
	if neg {
		return "(NOT " + s + ")"
	}
	return s
}

func (g *gen) compare(op string, a, b plan.Expr, p string, pred bool) string {
	sqlOp := map[string]string{"==": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}[op]
	at := a.Type()
	if at == schema.TypeString && op == "==" && pred && nonEmptyString(b) {
		// See strOp: in a filter, x = 'c' drops a null x as "" = 'c' would.
		return "(" + g.expr(a, p) + " = " + g.expr(b, p) + ")"
	}
	if at == schema.TypeString || at == schema.TypeGUID {
		if (op == "==" || op == "!=") && (isNullLit(a) || isNullLit(b)) {
			// isnull-style comparison with a null string: KQL strings are never null.
			return "(" + g.str(a, p) + " " + sqlOp + " " + g.str(b, p) + ")"
		}
		return "(" + g.str(a, p) + " " + sqlOp + " " + g.str(b, p) + ")"
	}
	if at == schema.TypeDynamic && b.Type() == schema.TypeDynamic {
		return "(CAST(" + g.expr(a, p) + " AS VARCHAR) " + sqlOp + " CAST(" + g.expr(b, p) + " AS VARCHAR))"
	}
	return "(" + g.expr(a, p) + " " + sqlOp + " " + g.expr(b, p) + ")"
}

func (g *gen) arith(c *plan.Call, p string) string {
	a, b := c.Args[0], c.Args[1]
	x, y := g.expr(a, p), g.expr(b, p)
	at, bt := a.Type(), b.Type()
	T := schema.TypeTimespan
	isNum := func(t schema.Type) bool {
		return t == schema.TypeInt || t == schema.TypeLong || t == schema.TypeReal || t == schema.TypeDecimal
	}
	switch {
	case at == T && bt == T && c.Fn == "/":
		return "(" + ivUS(x) + " / " + ivUS(y) + ")"
	case at == T && bt == T && c.Fn == "%":
		return "to_microseconds(" + ivUS(x) + " % " + ivUS(y) + ")"
	case at == T && isNum(bt):
		return "to_microseconds(CAST(round(" + ivUS(x) + " " + c.Fn + " " + y + ") AS BIGINT))"
	case isNum(at) && bt == T:
		return "to_microseconds(CAST(round(" + x + " * " + ivUS(y) + ") AS BIGINT))"
	case c.Fn == "/" && (c.T == schema.TypeInt || c.T == schema.TypeLong):
		return "(" + x + " // " + y + ")"
	case c.Fn == "%" && (c.T == schema.TypeInt || c.T == schema.TypeLong):
		// KQL's modulo is never negative.
		return "(((" + x + " % " + y + ") + abs(" + y + ")) % abs(" + y + "))"
	}
	return "(" + x + " " + c.Fn + " " + y + ")"
}

func (g *gen) inList(v *plan.InList, p string) string {
	op := v.Op
	neg := strings.HasPrefix(op, "!")
	op = strings.TrimPrefix(op, "!")
	var s string
	// A single non-constant dynamic array: membership in its elements.
	if len(v.List) == 1 && v.List[0].Type() == schema.TypeDynamic {
		arr := g.expr(v.List[0], p)
		elems := "CAST(json_extract_string(" + arr + ", '$[*]') AS VARCHAR[])"
		x := g.expr(v.X, p)
		switch op {
		case "in":
			if v.X.Type() == schema.TypeString {
				s = "coalesce(list_contains(" + elems + ", " + g.str(v.X, p) + "), FALSE)"
			} else {
				s = "coalesce(list_contains(" + elems + ", CAST(" + x + " AS VARCHAR)), FALSE)"
			}
		case "in~":
			s = "coalesce(list_contains(list_transform(" + elems + ", e -> lower(e)), lower(" + g.str(v.X, p) + ")), FALSE)"
		case "has_any", "has_all":
			h := g.str(v.X, p)
			fn := "list_bool_or"
			if op == "has_all" {
				fn = "list_bool_and"
			}
			s = "coalesce(" + fn + "(list_transform(" + elems + ", e -> e = '' OR regexp_matches(" + h +
				", '(?is)(?:^|[^\\pL\\pN])' || regexp_escape(e) || '(?:$|[^\\pL\\pN])'))), FALSE)"
		default:
			g.fail("%s with a dynamic array", v.Op)
		}
		if neg {
			return "(NOT " + s + ")"
		}
		return s
	}
	switch op {
	case "in", "in~":
		if len(v.List) == 0 {
			s = "FALSE"
			break
		}
		items := make([]string, len(v.List))
		x := g.expr(v.X, p)
		if v.X.Type() == schema.TypeString {
			x = g.str(v.X, p)
		}
		for i, it := range v.List {
			if op == "in~" {
				items[i] = "lower(" + g.str(it, p) + ")"
			} else {
				items[i] = g.expr(it, p)
			}
		}
		if op == "in~" {
			x = "lower(" + g.str(v.X, p) + ")"
		}
		s = "(" + x + " IN (" + strings.Join(items, ", ") + "))"
	case "has_any", "has_all":
		if len(v.List) == 0 {
			s = "FALSE"
			break
		}
		h := g.str(v.X, p)
		parts := make([]string, len(v.List))
		for i, it := range v.List {
			parts[i] = g.termMatch("has", h, it, p)
		}
		j := " OR "
		if op == "has_all" {
			j = " AND "
		}
		s = "(" + strings.Join(parts, j) + ")"
	default:
		g.fail("operator %s", v.Op)
	}
	if neg {
		return "(NOT " + s + ")"
	}
	return s
}

func (g *gen) inTable(v *plan.InTable, p string) string {
	op := v.Op
	neg := strings.HasPrefix(op, "!")
	op = strings.TrimPrefix(op, "!")
	src, a := g.from(v.Table)
	col := a + "." + quoteIdent(v.Table.Schema()[0].Name)
	var s string
	switch op {
	case "in":
		x := g.expr(v.X, p)
		if v.X.Type() == schema.TypeString {
			x = g.str(v.X, p)
		}
		s = "(" + x + " IN (SELECT " + col + " FROM " + src + "))"
	case "in~":
		s = "(lower(" + g.str(v.X, p) + ") IN (SELECT lower(CAST(" + col + " AS VARCHAR)) FROM " + src + "))"
	case "has_any":
		s = "EXISTS (SELECT 1 FROM " + src + " WHERE regexp_matches(" + g.str(v.X, p) +
			", '(?is)(?:^|[^\\pL\\pN])' || regexp_escape(CAST(" + col + " AS VARCHAR)) || '(?:$|[^\\pL\\pN])'))"
	default:
		g.fail("%s with a tabular list", v.Op)
	}
	if neg {
		return "(NOT " + s + ")"
	}
	return s
}

// nonEmptyString reports whether x is a non-empty string constant.
func nonEmptyString(x plan.Expr) bool {
	l, ok := x.(*plan.Lit)
	if !ok || l.T != schema.TypeString {
		return false
	}
	v, _ := l.V.(string)
	return v != ""
}

// plainASCII reports whether l is a string constant of printable ASCII
// without the LIKE wildcards and backslash.
func plainASCII(l *plan.Lit) bool {
	v, ok := l.V.(string)
	if !ok || l.T != schema.TypeString {
		return false
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c > 0x7e || c == '%' || c == '_' || c == '\\' {
			return false
		}
	}
	return true
}

// rulefixEmptyKey reports whether a chain of members reads a constant empty property name, which DuckDB's JSON
// paths cannot express ($."" is an error).
func rulefixEmptyKey(m *plan.Member) bool {
	for cur := plan.Expr(m); ; {
		mm, ok := cur.(*plan.Member)
		if !ok {
			return false
		}
		if mm.Index == nil && mm.Key == "" {
			return true
		}
		if l, ok := mm.Index.(*plan.Lit); ok {
			if s, ok := l.V.(string); ok && s == "" {
				return true
			}
		}
		cur = mm.X
	}
}
