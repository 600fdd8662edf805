package duckdb

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/vigilsec/vigil/internal/kql/plan"
	"github.com/vigilsec/vigil/internal/schema"
)

// simpleFuncs map KQL functions to DuckDB functions with the same arguments.
var simpleFuncs = map[string]string{
	"sqrt": "sqrt", "exp": "exp", "log": "ln", "log2": "log2", "log10": "log10", "pow": "pow", "sign": "sign",
	"sin": "sin", "cos": "cos", "tan": "tan", "asin": "asin", "acos": "acos", "atan": "atan", "atan2": "atan2",
	"degrees": "degrees", "radians": "radians", "gamma": "gamma", "loggamma": "lgamma", "pi": "pi",
	"reverse": "reverse", "hash_sha256": "sha256", "hash_md5": "md5", "hash_sha1": "sha1", "url_decode": "url_decode",
	"url_encode": "url_encode", "url_encode_component": "url_encode", "ceiling": "ceil", "abs": "abs",
	"max_of": "greatest", "min_of": "least",
}

func (g *gen) call(c *plan.Call, p string) string {
	pred := g.pred
	if c.Fn != "and" && c.Fn != "or" {
		g.pred = false
		defer func() { g.pred = pred }()
	}
	a := c.Args
	e := func(i int) string { return g.expr(a[i], p) }
	s := func(i int) string { return g.str(a[i], p) }
	switch c.Fn {
	case "and":
		return "(" + e(0) + " AND " + e(1) + ")"
	case "or":
		return "(" + e(0) + " OR " + e(1) + ")"
	case "not":
		return "(NOT " + e(0) + ")"
	case "neg":
		if a[0].Type() == schema.TypeTimespan {
			return "to_microseconds(-" + ivUS(e(0)) + ")"
		}
		return "(-" + e(0) + ")"
	case "==", "!=", "<", "<=", ">", ">=":
		return g.compare(c.Fn, a[0], a[1], p, pred)
	case "+", "-", "*", "/", "%":
		return g.arith(c, p)
	case "between", "!between":
		x := "(" + e(0) + " BETWEEN " + e(1) + " AND " + e(2) + ")"
		if c.Fn == "!between" {
			return "(NOT " + x + ")"
		}
		return x
	}
	if x, ok := g.moreCall(c, p); ok {
		return x
	}
	if x, ok := g.docCall(c, p); ok {
		return x
	}
	if c.Fn == "tuple_item" {
		return g.tupleItem(c, p)
	}
	if u, ok := udfFuncs[c.Fn]; ok {
		return g.udf(u, c, p)
	}
	if c.Fn != "set_has_element" && strings.Contains(c.Fn, "has") || strings.Contains(c.Fn, "contains") || strings.Contains(c.Fn, "with") ||
		strings.Contains(c.Fn, "like") || c.Fn == "=~" || c.Fn == "!~" || c.Fn == "matches regex" {
		if len(a) == 2 {
			return g.strOp(c.Fn, a[0], a[1], p, pred)
		}
	}
	if c.Fn == "abs" && len(a) == 1 && a[0].Type() == schema.TypeTimespan {
		return "to_microseconds(abs(" + ivUS(e(0)) + "))"
	}
	if f, ok := simpleFuncs[c.Fn]; ok {
		return f + "(" + strings.Join(g.args(a, p), ", ") + ")"
	}
	switch c.Fn {
	// conversions
	case "tostring":
		return g.toString(a[0], p)
	case "toint", "tolong":
		return g.toInt(a[0], p, sqlType(c.T))
	case "toreal", "todecimal":
		switch a[0].Type() {
		case schema.TypeDynamic:
			return "TRY_CAST(" + e(0) + " ->> '$' AS DOUBLE)"
		case schema.TypeTimespan:
			return "CAST(" + ivUS(e(0)) + " * 10 AS DOUBLE)"
		case schema.TypeDatetime:
			return "CAST(epoch_us(" + e(0) + ") * 10 + 621355968000000000 AS DOUBLE)"
		}
		return "TRY_CAST(" + e(0) + " AS DOUBLE)"
	case "tobool":
		switch a[0].Type() {
		case schema.TypeDynamic:
			return "TRY_CAST(" + e(0) + " ->> '$' AS BOOLEAN)"
		case schema.TypeString:
			return "(CASE lower(trim(" + e(0) + ")) WHEN 'true' THEN TRUE WHEN 'false' THEN FALSE WHEN '1' THEN TRUE WHEN '0' THEN FALSE END)"
		case schema.TypeBool:
			return e(0)
		}
		return "(" + e(0) + " <> 0)"
	case "todatetime":
		switch a[0].Type() {
		case schema.TypeDatetime:
			return e(0)
		case schema.TypeDynamic:
			return "TRY_CAST(" + e(0) + " ->> '$' AS TIMESTAMP)"
		case schema.TypeString:
			return parseDatetimeSQL(e(0))
		case schema.TypeLong, schema.TypeInt, schema.TypeReal:
			return "make_timestamp(CAST((" + e(0) + " - 621355968000000000) // 10 AS BIGINT))"
		}
		return "CAST(NULL AS TIMESTAMP)"
	case "totimespan":
		switch a[0].Type() {
		case schema.TypeTimespan:
			return e(0)
		case schema.TypeDynamic:
			return "TRY_CAST(" + e(0) + " ->> '$' AS INTERVAL)"
		case schema.TypeString:
			return parseTimespanSQL(e(0))
		case schema.TypeLong, schema.TypeInt, schema.TypeReal:
			return "to_microseconds(CAST(" + e(0) + " // 10 AS BIGINT))"
		}
		return "CAST(NULL AS INTERVAL)"
	case "toguid":
		return "CAST(TRY_CAST(" + s(0) + " AS UUID) AS VARCHAR)"
	case "parse_json":
		switch a[0].Type() {
		case schema.TypeDynamic:
			return e(0)
		case schema.TypeString:
			return "(CASE WHEN json_valid(" + e(0) + ") THEN CAST(" + e(0) + " AS JSON) ELSE to_json(" + e(0) + ") END)"
		}
		return "to_json(" + e(0) + ")"
	case "todynamic_value":
		return g.toJSON(a[0], p)
	// strings
	case "strcat":
		parts := make([]string, len(a))
		for i := range a {
			parts[i] = s(i)
		}
		return "concat(" + strings.Join(parts, ", ") + ")"
	case "strcat_delim":
		parts := make([]string, len(a))
		for i := range a {
			parts[i] = s(i)
		}
		return "concat_ws(" + strings.Join(parts, ", ") + ")"
	case "tolower":
		return "lower(" + s(0) + ")"
	case "toupper":
		return "upper(" + s(0) + ")"
	case "strlen":
		return "CAST(length(" + s(0) + ") AS BIGINT)"
	case "string_size":
		return "CAST(strlen(" + s(0) + ") AS BIGINT)"
	case "substring":
		start := "CAST(greatest(" + e(1) + ", 0) AS BIGINT) + 1"
		if len(a) == 3 {
			return "substr(" + s(0) + ", " + start + ", CAST(" + e(2) + " AS BIGINT))"
		}
		return "substr(" + s(0) + ", " + start + ")"
	case "indexof":
		if len(a) > 2 {
			return "(CASE WHEN strpos(substr(" + s(0) + ", CAST(" + e(2) + " AS BIGINT) + 1), " + s(1) + ") = 0 THEN -1 ELSE strpos(substr(" + s(0) + ", CAST(" + e(2) + " AS BIGINT) + 1), " + s(1) + ") - 1 + " + e(2) + " END)"
		}
		return "CAST(strpos(" + s(0) + ", " + s(1) + ") - 1 AS BIGINT)"
	case "countof":
		if len(a) == 3 {
			return "CAST(len(regexp_extract_all(" + s(0) + ", " + s(1) + ")) AS BIGINT)"
		}
		return "CAST((length(" + s(0) + ") - length(replace(" + s(0) + ", " + s(1) + ", ''))) // greatest(length(" + s(1) + "), 1) AS BIGINT)"
	case "replace_string":
		return "replace(" + s(0) + ", " + s(1) + ", " + s(2) + ")"
	case "replace_regex", "replace":
		return "regexp_replace(" + s(0) + ", " + s(1) + ", " + s(2) + ", 'g')"
	case "trim":
		return "regexp_replace(" + s(1) + ", '^(?:' || " + s(0) + " || ')+|(?:' || " + s(0) + " || ')+$', '', 'g')"
	case "trim_start":
		return "regexp_replace(" + s(1) + ", '^(?:' || " + s(0) + " || ')+', '')"
	case "trim_end":
		return "regexp_replace(" + s(1) + ", '(?:' || " + s(0) + " || ')+$', '')"
	case "extract":
		l, ok := a[1].(*plan.Lit)
		if !ok {
			g.fail("extract with a non-constant group")
		}
		x := "nullif(regexp_extract(" + s(2) + ", " + s(0) + ", " + fmt.Sprint(l.V) + "), '')"
		if c.T != schema.TypeString {
			return "TRY_CAST(" + x + " AS " + sqlType(c.T) + ")"
		}
		return "coalesce(" + x + ", '')"
	case "extract_all":
		return g.extractAll(a, p)
	case "extract_json":
		path := s(0)
		if l, ok := a[0].(*plan.Lit); ok {
			if ps, ok := l.V.(string); ok && len(ps) > 1 && ps[0] == '$' && ps[1] != '.' && ps[1] != '[' {
				path = quoteString("$." + ps[1:])
			}
		}
		return "(json_extract(CASE WHEN json_valid(" + g.str(a[1], p) + ") THEN " + g.str(a[1], p) + " END, " + path + ") ->> '$')"
	case "split":
		x := "to_json(string_split(" + s(0) + ", " + s(1) + "))"
		if len(a) == 3 {
			return "(CASE WHEN " + e(2) + " < len(string_split(" + s(0) + ", " + s(1) + ")) THEN to_json([string_split(" + s(0) + ", " + s(1) + ")[" + e(2) + " + 1]]) ELSE CAST('[]' AS JSON) END)"
		}
		return x
	case "strcat_array":
		return "array_to_string(" + g.elems(a[0], p, "VARCHAR") + ", " + s(1) + ")"
	case "array_strcat":
		return "array_to_string(" + g.elems(a[0], p, "VARCHAR") + ", " + s(1) + ")"
	case "base64_encode_tostring":
		return "to_base64(encode(" + s(0) + "))"
	case "base64_decode_tostring":
		// Bytes that are not UTF-8 (or text that is not base64) give an empty string, as in KQL.
		return "coalesce(try(decode(from_base64(" + s(0) + "))), '')"
	case "tohex":
		// Negative numbers are written in two's complement of their own width: 32 bits for int, 64 for long.
		x := e(0)
		if a[0].Type() == schema.TypeInt {
			x = "(CAST(" + x + " AS BIGINT) & 4294967295)"
		}
		h := "lower(hex(" + x + "))"
		if len(a) == 2 {
			// The second argument is a minimum length, padded with zeros.
			return "lpad(" + h + ", CAST(greatest(length(" + h + "), " + e(1) + ") AS INTEGER), '0')"
		}
		return h
	case "translate":
		return "translate(" + s(2) + ", " + s(0) + ", " + s(1) + ")"
	case "new_guid":
		return "CAST(uuid() AS VARCHAR)"
	case "typeof", "gettype":
		if a[0].Type() == schema.TypeDynamic {
			return "(CASE json_type(" + e(0) + ") WHEN 'VARCHAR' THEN 'string' WHEN 'BIGINT' THEN 'long' WHEN 'UBIGINT' THEN 'long' WHEN 'DOUBLE' THEN 'real' " +
				"WHEN 'BOOLEAN' THEN 'bool' WHEN 'ARRAY' THEN 'array' WHEN 'OBJECT' THEN 'dictionary' ELSE 'null' END)"
		}
		return quoteString(a[0].Type().String())
	case "isascii":
		return "NOT regexp_matches(" + s(0) + ", '[^\\x00-\\x7F]')"
	case "ipv4_is_private":
		return "regexp_matches(" + s(0) + ", '^(?:10\\.|192\\.168\\.|172\\.(?:1[6-9]|2[0-9]|3[01])\\.)')"
	case "parse_ipv4":
		return ipv4Num(s(0))
	case "ipv4_is_in_range":
		return ipv4InRange(s(0), s(1))
	case "ipv4_is_match":
		return ipv4InRange(s(0), s(1))
	// predicates
	case "isempty", "isnotempty":
		var x string
		switch a[0].Type() {
		case schema.TypeString, schema.TypeGUID:
			x = "(" + e(0) + " IS NULL OR " + e(0) + " = '')"
		case schema.TypeDynamic:
			x = "(" + e(0) + " IS NULL OR json_type(" + e(0) + ") = 'NULL' OR (json_type(" + e(0) + ") = 'VARCHAR' AND (" + e(0) + " ->> '$') = ''))"
		default:
			x = "(" + e(0) + " IS NULL)"
		}
		if c.Fn == "isnotempty" {
			return "(NOT " + x + ")"
		}
		return x
	case "isnull", "isnotnull":
		var x string
		switch a[0].Type() {
		case schema.TypeString:
			x = "FALSE"
		case schema.TypeDynamic:
			x = "(" + e(0) + " IS NULL OR json_type(" + e(0) + ") = 'NULL')"
		default:
			x = "(" + e(0) + " IS NULL)"
		}
		if c.Fn == "isnotnull" {
			return "(NOT " + x + ")"
		}
		return x
	case "isnan":
		return "isnan(" + e(0) + ")"
	case "isinf":
		return "isinf(" + e(0) + ")"
	case "isfinite":
		return "isfinite(" + e(0) + ")"
	// conditionals
	case "iff":
		v := rulefixBranch(g, c, e, p)
		return "(CASE WHEN " + e(0) + " THEN " + v(1) + " ELSE " + v(2) + " END)"
	case "case":
		v := rulefixBranch(g, c, e, p)
		var sb strings.Builder
		sb.WriteString("(CASE")
		for i := 0; i+1 < len(a); i += 2 {
			sb.WriteString(" WHEN " + e(i) + " THEN " + v(i+1))
		}
		sb.WriteString(" ELSE " + v(len(a)-1) + " END)")
		return sb.String()
	case "coalesce":
		parts := make([]string, len(a))
		for i := range a {
			if c.T == schema.TypeString {
				parts[i] = "nullif(" + e(i) + ", '')"
			} else {
				parts[i] = e(i)
			}
		}
		if c.T == schema.TypeString {
			return "coalesce(" + strings.Join(parts, ", ") + ", '')"
		}
		return "coalesce(" + strings.Join(parts, ", ") + ")"
	// math
	case "bin", "floor":
		if len(a) == 1 {
			return "floor(" + e(0) + ")"
		}
		return g.bin(a[0], a[1], p)
	case "round":
		if len(a) == 2 {
			return "round(" + e(0) + ", CAST(" + e(1) + " AS INTEGER))"
		}
		return "round(" + e(0) + ")"
	case "exp2":
		return "pow(2, " + e(0) + ")"
	case "exp10":
		return "pow(10, " + e(0) + ")"
	case "rand":
		if len(a) == 1 {
			return "CAST(floor(random() * " + e(0) + ") AS DOUBLE)"
		}
		return "random()"
	case "binary_and":
		return "(" + e(0) + " & " + e(1) + ")"
	case "binary_or":
		return "(" + e(0) + " | " + e(1) + ")"
	case "binary_xor":
		return "xor(" + e(0) + ", " + e(1) + ")"
	case "binary_not":
		return "(~" + e(0) + ")"
	case "binary_shift_left":
		return "(" + e(0) + " << " + e(1) + ")"
	case "binary_shift_right":
		return "(" + e(0) + " >> " + e(1) + ")"
	case "bitset_count_ones":
		return "bit_count(" + e(0) + ")"
	// datetime
	case "startofday", "startofweek", "startofmonth", "startofyear", "endofday", "endofweek", "endofmonth", "endofyear":
		return g.startEnd(c.Fn, a, p)
	case "datetime_diff":
		if g.part(a[0], p) == "'week'" {
			// Weeks start on Sunday: count Sunday boundaries (1970-01-01 was a Thursday).
			wk := func(x string) string { return "floor((epoch_us(" + x + ") // 86400000000 + 4) / 7)" }
			return "CAST(" + wk(e(1)) + " - " + wk(e(2)) + " AS BIGINT)"
		}
		return "CAST(date_diff(" + g.part(a[0], p) + ", " + e(2) + ", " + e(1) + ") AS BIGINT)"
	case "datetime_add":
		return "(" + e(2) + " + CAST(" + e(1) + " AS BIGINT) * CAST('1 ' || " + g.part(a[0], p) + " AS INTERVAL))"
	case "datetime_part":
		switch g.part(a[0], p) {
		case "'millisecond'":
			return "CAST(date_part('millisecond', " + e(1) + ") % 1000 AS INTEGER)"
		case "'microsecond'":
			return "CAST(date_part('microsecond', " + e(1) + ") % 1000000 AS INTEGER)"
		}
		return "CAST(date_part(" + g.part(a[0], p) + ", " + e(1) + ") AS INTEGER)"
	case "format_datetime":
		l, ok := a[1].(*plan.Lit)
		if !ok {
			g.fail("format_datetime with a non-constant format")
		}
		return "coalesce(strftime(" + e(0) + ", " + quoteString(netToStrftime(l.V.(string))) + "), '')"
	case "dayofweek":
		return "to_days(CAST(dayofweek(" + e(0) + ") AS INTEGER))"
	case "dayofmonth":
		return "CAST(day(" + e(0) + ") AS INTEGER)"
	case "dayofyear":
		return "CAST(dayofyear(" + e(0) + ") AS INTEGER)"
	case "hourofday":
		return "CAST(hour(" + e(0) + ") AS INTEGER)"
	case "weekofyear", "week_of_year":
		return "CAST(weekofyear(" + e(0) + ") AS INTEGER)"
	case "monthofyear", "getmonth":
		return "CAST(month(" + e(0) + ") AS INTEGER)"
	case "getyear":
		return "CAST(year(" + e(0) + ") AS INTEGER)"
	case "unixtime_seconds_todatetime":
		return "make_timestamp(CAST(round(" + e(0) + " * 1000000) AS BIGINT))"
	case "unixtime_milliseconds_todatetime":
		return "make_timestamp(CAST(round(" + e(0) + " * 1000) AS BIGINT))"
	case "unixtime_microseconds_todatetime":
		return "make_timestamp(CAST(" + e(0) + " AS BIGINT))"
	case "unixtime_nanoseconds_todatetime":
		return "make_timestamp(CAST(" + e(0) + " // 1000 AS BIGINT))"
	case "make_datetime":
		parts := g.args(a, p)
		for len(parts) < 6 {
			parts = append(parts, "0")
		}
		if len(a) == 1 {
			g.fail("make_datetime with one argument")
		}
		return "make_timestamp(" + strings.Join(parts[:5], ", ") + ", CAST(" + parts[5] + " AS DOUBLE))"
	case "make_timespan":
		parts := g.args(a, p)
		switch len(parts) {
		case 2:
			return "to_microseconds(CAST((" + parts[0] + " * 3600 + " + parts[1] + " * 60) * 1000000 AS BIGINT))"
		case 3:
			return "to_microseconds(CAST((" + parts[0] + " * 3600 + " + parts[1] + " * 60 + " + parts[2] + ") * 1000000 AS BIGINT))"
		case 4:
			return "to_microseconds(CAST((" + parts[0] + " * 86400 + " + parts[1] + " * 3600 + " + parts[2] + " * 60 + " + parts[3] + ") * 1000000 AS BIGINT))"
		}
		g.fail("make_timespan with %d arguments", len(parts))
	// dynamic
	case "array_length":
		return "(CASE WHEN json_type(" + e(0) + ") = 'ARRAY' THEN CAST(json_array_length(" + e(0) + ") AS BIGINT) END)"
	case "array_slice":
		l := g.jlist(a[0], p)
		return "to_json(list_slice(" + l + ", CASE WHEN " + e(1) + " < 0 THEN len(" + l + ") + " + e(1) + " + 1 ELSE " + e(1) + " + 1 END, CASE WHEN " + e(2) + " < 0 THEN len(" + l + ") + " + e(2) + " + 1 ELSE " + e(2) + " + 1 END))"
	case "array_concat":
		parts := make([]string, len(a))
		for i := range a {
			parts[i] = g.jlist(a[i], p)
		}
		return "to_json(list_concat(" + strings.Join(parts, ", ") + "))"
	case "array_reverse":
		return "to_json(list_reverse(" + g.jlist(a[0], p) + "))"
	case "array_sum":
		return "list_sum(" + g.elems(a[0], p, "DOUBLE") + ")"
	case "array_index_of":
		return "CAST(coalesce(list_position(" + g.jlist(a[0], p) + ", " + g.toJSON(a[1], p) + "), 0) - 1 AS BIGINT)"
	case "set_has_element":
		return "coalesce(list_contains(" + g.jlist(a[0], p) + ", " + g.toJSON(a[1], p) + "), FALSE)"
	case "set_union":
		parts := make([]string, len(a))
		for i := range a {
			parts[i] = g.jlist(a[i], p)
		}
		return "to_json(" + distinctOrdered("list_concat("+strings.Join(parts, ", ")+")") + ")"
	case "set_intersect":
		x := distinctOrdered(g.jlist(a[0], p))
		for i := 1; i < len(a); i++ {
			x = "list_intersect(" + x + ", " + g.jlist(a[i], p) + ")"
		}
		return "to_json(" + x + ")"
	case "set_difference":
		x := distinctOrdered(g.jlist(a[0], p))
		for i := 1; i < len(a); i++ {
			x = "list_filter(" + x + ", x -> NOT coalesce(list_contains(" + g.jlist(a[i], p) + ", x), FALSE))"
		}
		return "to_json(" + x + ")"
	case "pack_array":
		if len(a) == 0 {
			return "CAST('[]' AS JSON)"
		}
		parts := make([]string, len(a))
		for i := range a {
			parts[i] = g.toJSON(a[i], p)
		}
		return "to_json([" + strings.Join(parts, ", ") + "])"
	case "bag_pack":
		if len(a)%2 != 0 {
			g.fail("bag_pack with an odd number of arguments")
		}
		if len(a) == 0 {
			return "CAST('{}' AS JSON)"
		}
		parts := make([]string, len(a))
		for i := range a {
			if i%2 == 0 {
				parts[i] = g.toString(a[i], p)
			} else {
				parts[i] = g.toJSON(a[i], p)
			}
		}
		return "json_object(" + strings.Join(parts, ", ") + ")"
	case "bag_keys":
		return "(CASE WHEN json_type(" + e(0) + ") = 'OBJECT' THEN to_json(json_keys(" + e(0) + ")) END)"
	case "bag_merge":
		x := e(len(a) - 1)
		for i := len(a) - 2; i >= 0; i-- {
			x = "json_merge_patch(" + x + ", " + e(i) + ")"
		}
		return x
	case "bag_has_key":
		return "(json_extract(" + e(0) + ", '$.\"' || replace(" + s(1) + ", '\"', '\\\"') || '\"') IS NOT NULL)"
	case "range":
		// KQL caps arrays at 1,048,576 elements: a longer datetime or timespan range is null instead of exhausting
		// memory, a longer numeric range stops at the cap.
		step := "1"
		if len(a) == 3 {
			step = e(2)
		}
		if a[0].Type() == schema.TypeDatetime || a[0].Type() == schema.TypeTimespan {
			if len(a) != 3 {
				g.fail("range of datetimes without a step")
			}
			span := "(" + e(1) + " - " + e(0) + ")"
			if a[0].Type() == schema.TypeTimespan {
				span = "to_microseconds(" + ivUS(e(1)) + " - " + ivUS(e(0)) + ")"
			}
			ok := "abs(" + ivUS(span) + " / " + ivUS(step) + ") <= 1048576"
			end := "(CASE WHEN " + ok + " THEN " + e(1) + " ELSE " + e(0) + " END)"
			series := "generate_series(" + e(0) + ", " + end + ", " + step + ")"
			if a[0].Type() == schema.TypeTimespan {
				series = "list_transform(generate_series(" + ivUS(e(0)) + ", " + ivUS(end) + ", " + ivUS(step) + "), u -> to_microseconds(u))"
			}
			return "(CASE WHEN " + ok + " THEN to_json(" + series + ") END)"
		}
		// The end is clamped inside the series too: DuckDB folds constant expressions before the CASE decides, and
		// an unclamped generate_series(1, 1000000000) would be built in full.
		// A longer numeric range stops at 1,048,576 elements, as KQL documents (range(1, 1000000000) has 1,048,576).
		if examplesRealRange(a) {
			return examplesRealSeries(e(0), e(1), step)
		}
		ok := "abs((" + e(1) + " - " + e(0) + ") / " + step + ") < 1048576"
		end := "(CASE WHEN " + ok + " THEN " + e(1) + " ELSE CAST(" + e(0) + " + " + step + " * 1048575 AS " + sqlType(a[1].Type()) + ") END)"
		return "(CASE WHEN " + step + " <> 0 THEN to_json(generate_series(" + e(0) + ", " + end + ", " + step + ")) END)"
	case "parse_url":
		u := s(0)
		re := func(pat string, grp int) string {
			return "regexp_extract(" + u + ", " + quoteString(pat) + ", " + fmt.Sprint(grp) + ")"
		}
		const urlRE = `^(?:([A-Za-z][A-Za-z0-9+.-]*)://)?(?:([^:@/]*)(?::([^@/]*))?@)?([^:/?#]*)(?::(\d+))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$`
		return "json_object('Scheme', " + re(urlRE, 1) + ", 'Host', " + re(urlRE, 4) + ", 'Port', " + re(urlRE, 5) + ", 'Path', " + re(urlRE, 6) +
			", 'Username', " + re(urlRE, 2) + ", 'Password', " + re(urlRE, 3) + ", 'Query Parameters', " + queryParams(re(urlRE, 7)) + ", 'Fragment', " + re(urlRE, 8) + ")"
	case "parse_urlquery":
		q := s(0)
		return "json_object('Query Parameters', " + queryParams("regexp_replace("+q+", '^.*\\?', '')") + ")"
	case "dynamic_to_json":
		return "CAST(" + e(0) + " AS VARCHAR)"
	case "row_number":
		if len(a) >= 1 {
			return "(row_number() OVER () + " + e(0) + " - 1)"
		}
		return "row_number() OVER ()"
	case "prev", "next":
		fn := "lag"
		if c.Fn == "next" {
			fn = "lead"
		}
		off := "1"
		if len(a) >= 2 {
			off = e(1)
		}
		def := ""
		if len(a) == 3 {
			def = ", " + g.windowDefault(a[2], a[0].Type(), p)
		}
		return fn + "(" + e(0) + ", " + off + def + ") OVER ()"
	case "row_cumsum":
		return "sum(" + e(0) + ") OVER (ROWS UNBOUNDED PRECEDING)"
	}
	if x, ok := g.seriesFunc(c, p); ok {
		return x
	}
	g.fail("function %s()", c.Fn)
	return ""
}

var seriesUnary = map[string]string{
	"series_abs": "abs(v)", "series_log": "ln(v)", "series_exp": "exp(v)", "series_sign": "sign(v)", "series_floor": "floor(v)",
	"series_ceiling": "ceil(v)", "series_sin": "sin(v)", "series_cos": "cos(v)", "series_tan": "tan(v)", "series_asin": "asin(v)",
	"series_acos": "acos(v)", "series_atan": "atan(v)",
}

var seriesBinary = map[string]string{
	"series_add": "+", "series_subtract": "-", "series_multiply": "*", "series_divide": "/", "series_greater": ">",
	"series_greater_equals": ">=", "series_less": "<", "series_less_equals": "<=", "series_equals": "=", "series_not_equals": "<>",
	"series_pow": "pow",
}

// seriesFunc implements the element-wise series_* functions over JSON arrays of numbers.
func (g *gen) seriesFunc(c *plan.Call, p string) (string, bool) {
	a := c.Args
	nums := func(i int) string {
		return "CAST(json_extract(" + g.expr(a[i], p) + ", '$[*]') AS DOUBLE[])"
	}
	if f, ok := seriesUnary[c.Fn]; ok && len(a) == 1 {
		return "to_json(list_transform(" + nums(0) + ", v -> " + f + "))", true
	}
	if op, ok := seriesBinary[c.Fn]; ok && len(a) == 2 {
		x := nums(0)
		elem := func(i int, idx string) string {
			if a[i].Type() == schema.TypeDynamic {
				return nums(i) + "[" + idx + "]"
			}
			return "CAST(" + g.expr(a[i], p) + " AS DOUBLE)"
		}
		n := "len(" + x + ")"
		if a[0].Type() != schema.TypeDynamic {
			x = nums(1)
			n = "len(" + x + ")"
		}
		var body string
		if op == "pow" {
			body = "pow(" + elem(0, "i") + ", " + elem(1, "i") + ")"
		} else {
			body = "(" + elem(0, "i") + " " + op + " " + elem(1, "i") + ")"
		}
		return "to_json(list_transform(range(1, " + n + " + 1), i -> " + body + "))", true
	}
	switch c.Fn {
	case "series_sum":
		return "list_sum(" + nums(0) + ")", true
	case "series_product":
		return "list_product(" + nums(0) + ")", true
	case "series_magnitude":
		return "sqrt(list_sum(list_transform(" + nums(0) + ", v -> v * v)))", true
	case "series_dot_product":
		// A scalar on either side stands for an array of that value as long as the other.
		l, r := nums(0), nums(1)
		if a[0].Type() != schema.TypeDynamic {
			l = "list_transform(" + r + ", v -> CAST(" + g.expr(a[0], p) + " AS DOUBLE))"
		} else if a[1].Type() != schema.TypeDynamic {
			r = "list_transform(" + l + ", v -> CAST(" + g.expr(a[1], p) + " AS DOUBLE))"
		}
		return "list_dot_product(" + l + ", " + r + ")", true
	case "series_cosine_similarity":
		return "list_cosine_similarity(" + nums(0) + ", " + nums(1) + ")", true
	case "series_fill_const":
		if len(a) >= 2 {
			return "to_json(list_transform(CAST(json_extract(" + g.expr(a[0], p) + ", '$[*]') AS JSON[]), v -> CASE WHEN v IS NULL OR json_type(v) = 'NULL' THEN " + g.toJSON(a[1], p) + " ELSE v END))", true
		}
	}
	return "", false
}

// jlist turns a dynamic array into a DuckDB list of JSON values.
func (g *gen) jlist(x plan.Expr, p string) string {
	return "CAST(json_extract(" + g.expr(x, p) + ", '$[*]') AS JSON[])"
}

// elems turns a dynamic array into a list of sqlType values.
func (g *gen) elems(x plan.Expr, p string, t string) string {
	if t == "VARCHAR" {
		return "CAST(json_extract_string(" + g.expr(x, p) + ", '$[*]') AS VARCHAR[])"
	}
	return "CAST(json_extract_string(" + g.expr(x, p) + ", '$[*]') AS " + t + "[])"
}

// toJSON converts any value to JSON.
func (g *gen) toJSON(x plan.Expr, p string) string {
	switch x.Type() {
	case schema.TypeDynamic:
		return g.expr(x, p)
	case schema.TypeDatetime:
		return "to_json(" + g.toString(x, p) + ")"
	case schema.TypeTimespan:
		return "to_json(" + g.toString(x, p) + ")"
	}
	return "to_json(" + g.expr(x, p) + ")"
}

func (g *gen) toString(x plan.Expr, p string) string {
	e := g.expr(x, p)
	switch x.Type() {
	case schema.TypeString, schema.TypeGUID:
		return g.str(x, p)
	case schema.TypeDynamic:
		return "coalesce(" + e + " ->> '$', '')"
	case schema.TypeDatetime:
		return "coalesce(strftime(" + e + ", '%Y-%m-%dT%H:%M:%S.%f') || '0Z', '')"
	case schema.TypeTimespan:
		return "coalesce(" + fmtTimespan(e) + ", '')"
	case schema.TypeReal, schema.TypeDecimal:
		return "coalesce(CASE WHEN isfinite(" + e + ") AND " + e + " = trunc(" + e + ") AND abs(" + e + ") < 1e15 THEN CAST(CAST(" + e + " AS BIGINT) AS VARCHAR) ELSE CAST(" + e + " AS VARCHAR) END, '')"
	}
	return "coalesce(CAST(" + e + " AS VARCHAR), '')"
}

// fmtTimespan renders an INTERVAL as [-][d.]hh:mm:ss[.fffffff].
func fmtTimespan(e string) string {
	us := ivUS(e)
	a := "abs(" + us + ")"
	return "(CASE WHEN " + e + " IS NULL THEN NULL ELSE (CASE WHEN " + us + " < 0 THEN '-' ELSE '' END) || " +
		"(CASE WHEN " + a + " >= 86400000000 THEN CAST(" + a + " // 86400000000 AS VARCHAR) || '.' ELSE '' END) || " +
		"printf('%02d:%02d:%02d', (" + a + " // 3600000000) % 24, (" + a + " // 60000000) % 60, (" + a + " // 1000000) % 60) || " +
		"(CASE WHEN " + a + " % 1000000 <> 0 THEN printf('.%07d', (" + a + " % 1000000) * 10) ELSE '' END) END)"
}

func (g *gen) toInt(x plan.Expr, p, t string) string {
	e := g.expr(x, p)
	switch x.Type() {
	case schema.TypeReal, schema.TypeDecimal:
		return "TRY_CAST(trunc(" + e + ") AS " + t + ")"
	case schema.TypeString:
		return "TRY_CAST(trunc(TRY_CAST(" + e + " AS DOUBLE)) AS " + t + ")"
	case schema.TypeDynamic:
		return "TRY_CAST(trunc(TRY_CAST(" + e + " ->> '$' AS DOUBLE)) AS " + t + ")"
	case schema.TypeBool:
		return "CAST(" + e + " AS " + t + ")"
	case schema.TypeDatetime:
		return "TRY_CAST(epoch_us(" + e + ") * 10 + 621355968000000000 AS " + t + ")"
	case schema.TypeTimespan:
		return "TRY_CAST(" + ivUS(e) + " * 10 AS " + t + ")"
	}
	return "TRY_CAST(" + e + " AS " + t + ")"
}

func (g *gen) bin(x, size plan.Expr, p string) string {
	e, s := g.expr(x, p), g.expr(size, p)
	switch x.Type() {
	case schema.TypeDatetime:
		if l, ok := size.(*plan.Lit); ok {
			if d, ok := l.V.(time.Duration); ok && d > 0 && d%time.Microsecond == 0 {
				// A constant size: KQL bins count from 0001-01-01 (so 7d
				// bins start on Mondays), which time_bucket does with that origin.
				w := "time_bucket(to_microseconds(CAST(" + strconv.FormatInt(d.Microseconds(), 10) + " AS BIGINT)), " + e
				// DuckDB's default origin, Monday 2000-01-03, is 730,121 days
				// after 0001-01-01: when the size divides that, the default
				// gives the same bins and a faster bucketing.
				if int64(730121*86400*1000000)%d.Microseconds() == 0 {
					return w + ")"
				}
				return w + ", TIMESTAMP '0001-01-01 00:00:00')"
			}
		}
		// 62135596800000000 microseconds separate 0001-01-01 from 1970-01-01.
		us := ivUS(s)
		// Integer division: the offset makes the dividend positive, so it floors.
		return "make_timestamp((epoch_us(" + e + ") + 62135596800000000) // " + us + " * " + us + " - 62135596800000000)"
	case schema.TypeTimespan:
		us := ivUS(s)
		return "to_microseconds(CAST(floor(" + ivUS(e) + " / " + us + ") * " + us + " AS BIGINT))"
	case schema.TypeInt, schema.TypeLong:
		return "CAST(floor(" + e + " / " + s + ") * " + s + " AS " + sqlType(x.Type()) + ")"
	}
	return "(floor(" + e + " / " + s + ") * " + s + ")"
}

func (g *gen) startEnd(fn string, a []plan.Expr, p string) string {
	e := g.expr(a[0], p)
	unit := strings.TrimPrefix(strings.TrimPrefix(fn, "startof"), "endof")
	var start string
	if unit == "week" {
		start = "(date_trunc('day', " + e + ") - to_days(CAST(dayofweek(" + e + ") AS INTEGER)))"
	} else {
		start = "CAST(date_trunc('" + unit + "', " + e + ") AS TIMESTAMP)"
	}
	step := "INTERVAL 1 " + unit
	if len(a) == 2 {
		off := g.expr(a[1], p)
		if unit == "week" {
			start = "(" + start + " + to_days(CAST(" + off + " * 7 AS INTEGER)))"
		} else {
			start = "(" + start + " + CAST(" + off + " AS BIGINT) * " + step + ")"
		}
	}
	if strings.HasPrefix(fn, "endof") {
		return "(" + start + " + " + step + " - INTERVAL 1 MICROSECOND)"
	}
	return start
}

var partNames = map[string]string{"year": "year", "quarter": "quarter", "month": "month", "week": "week", "day": "day",
	"hour": "hour", "minute": "minute", "second": "second", "millisecond": "millisecond", "microsecond": "microsecond",
	"nanosecond": "microsecond", "dayofyear": "doy", "week_of_year": "week", "weekofyear": "week"}

// part renders a constant KQL datetime part name for DuckDB.
func (g *gen) part(x plan.Expr, p string) string {
	l, ok := x.(*plan.Lit)
	if !ok {
		g.fail("a non-constant datetime part")
	}
	s, _ := l.V.(string)
	n, ok := partNames[strings.ToLower(s)]
	if !ok {
		g.fail("datetime part %q", s)
	}
	return quoteString(n)
}

// netToStrftime converts a .NET datetime format to strftime.
func netToStrftime(f string) string {
	var sb strings.Builder
	for i := 0; i < len(f); {
		n := 1
		for i+n < len(f) && f[i+n] == f[i] {
			n++
		}
		c := f[i]
		tok := f[i : i+n]
		switch {
		case c == 'y' && n >= 3:
			sb.WriteString("%Y")
		case c == 'y':
			sb.WriteString("%y")
		case c == 'M' && n >= 2:
			sb.WriteString("%m")
		case c == 'M':
			sb.WriteString("%-m")
		case c == 'd' && n >= 2:
			sb.WriteString("%d")
		case c == 'd':
			sb.WriteString("%-d")
		case c == 'H' && n >= 2:
			sb.WriteString("%H")
		case c == 'H':
			sb.WriteString("%-H")
		case c == 'h' && n >= 2:
			sb.WriteString("%I")
		case c == 'h':
			sb.WriteString("%-I")
		case c == 'm' && n >= 2:
			sb.WriteString("%M")
		case c == 'm':
			sb.WriteString("%-M")
		case c == 's' && n >= 2:
			sb.WriteString("%S")
		case c == 's':
			sb.WriteString("%-S")
		case (c == 'f' || c == 'F') && n <= 3:
			sb.WriteString("%g")
		case c == 'f' || c == 'F':
			sb.WriteString("%f")
		case c == 't':
			sb.WriteString("%p")
		case c == '%':
			sb.WriteString(strings.Repeat("%%", n))
		default:
			sb.WriteString(tok)
		}
		i += n
	}
	return sb.String()
}

func ipv4Num(s string) string {
	return "(CASE WHEN regexp_matches(" + s + ", '^\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}$') THEN " +
		"list_reduce(list_transform(string_split(" + s + ", '.'), o -> CAST(o AS BIGINT)), (acc, o) -> acc * 256 + o) END)"
}

func ipv4InRange(ip, rng string) string {
	addr := "split_part(" + rng + ", '/', 1)"
	bits := "coalesce(TRY_CAST(nullif(split_part(" + rng + ", '/', 2), '') AS INTEGER), 32)"
	return "((" + ipv4Num(ip) + " >> (32 - " + bits + ")) = (" + ipv4Num(addr) + " >> (32 - " + bits + ")))"
}

// rulefixBranch renders the value arguments of iff and case: when the result is dynamic, a branch of another type
// (case(x != "", x, "Unassigned") with x dynamic) is converted to JSON, since DuckDB would cast a string to JSON by
// parsing it.
func rulefixBranch(g *gen, c *plan.Call, e func(int) string, p string) func(int) string {
	if c.T != schema.TypeDynamic {
		return e
	}
	return func(i int) string { return g.toJSON(c.Args[i], p) }
}
