package duckdb

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/vigilsec/vigil/internal/kql/plan"
	"github.com/vigilsec/vigil/internal/schema"
)

// moreCall translates the dynamic-array, bag, IPv4-text and other
// functions of this file; ok is false for any other function.
func (g *gen) moreCall(c *plan.Call, p string) (sql string, ok bool) {
	a := c.Args
	e := func(i int) string { return g.expr(a[i], p) }
	s := func(i int) string { return g.str(a[i], p) }
	switch c.Fn {
	case "bin_at":
		return g.binAt(a, p), true
	case "cot":
		return "(1.0 / tan(" + e(0) + "))", true
	case "unicode_codepoints_to_string":
		var l string
		// Arrays and numbers may be mixed: (dynamic([75, 117]), 115).
		parts := make([]string, len(a))
		for i := range a {
			if a[i].Type() == schema.TypeDynamic {
				parts[i] = g.elems(a[i], p, "INTEGER")
			} else {
				parts[i] = "[CAST(" + e(i) + " AS INTEGER)]"
			}
		}
		l = "flatten([" + strings.Join(parts, ", ") + "])"
		return "array_to_string(list_transform(" + l + ", c -> chr(c)), '')", true
	case "unicode_codepoints_from_string":
		return "to_json(list_transform(regexp_extract_all(" + s(0) + ", '(?s).'), c -> unicode(c)))", true
	case "array_sort_asc", "array_sort_desc":
		if len(a) > 2 || (len(a) == 2 && a[1].Type() == schema.TypeDynamic) {
			return g.arraySortMany(c, p), true
		}
		// Numbers sort by value before strings by text; nulls go last
		// unless the second argument says otherwise.
		keyed := "list_transform(" + g.jlist(a[0], p) + ", x -> {'n': x IS NULL OR json_type(x) = 'NULL', 'd': TRY_CAST(x AS DOUBLE), 's': CAST(x AS VARCHAR), 'v': x})"
		sorted := "list_sort(" + keyed + ")"
		if c.Fn == "array_sort_desc" {
			sorted = "list_reverse_sort(" + keyed + ")"
		}
		out := "to_json(list_transform(" + sorted + ", x -> x.v))"
		nullsLast := "TRUE"
		if len(a) == 2 {
			nullsLast = e(1)
		}
		// Put the nulls where asked, keeping the order of the rest.
		return "(CASE WHEN json_type(" + e(0) + ") <> 'ARRAY' THEN NULL ELSE to_json(list_concat(" +
			"CASE WHEN " + nullsLast + " THEN [] ELSE list_filter(" + g.jlist(a[0], p) + ", x -> x IS NULL OR json_type(x) = 'NULL') END, " +
			"list_filter(CAST(json_extract(" + out + ", '$[*]') AS JSON[]), x -> NOT (x IS NULL OR json_type(x) = 'NULL')), " +
			"CASE WHEN " + nullsLast + " THEN list_filter(" + g.jlist(a[0], p) + ", x -> x IS NULL OR json_type(x) = 'NULL') ELSE [] END)) END)", true
	case "array_iff":
		// A condition element is true or false, or a number (true when not zero); anything else gives null. The
		// if_true and if_false arguments are arrays read element by element, or scalars used for every element.
		cnd := g.jlist(a[0], p)
		pick := func(x plan.Expr) string {
			if x.Type() == schema.TypeDynamic {
				return g.jlist(x, p) + "[i]"
			}
			return g.toJSON(x, p)
		}
		c := cnd + "[i]"
		truth := "(CASE WHEN json_type(" + c + ") = 'BOOLEAN' THEN CAST(" + c + " AS VARCHAR) = 'true' WHEN json_type(" + c +
			") IN ('UBIGINT', 'BIGINT', 'DOUBLE') THEN CAST(" + c + " AS DOUBLE) <> 0 END)"
		return "to_json(list_transform(range(1, len(" + cnd + ") + 1), i -> CASE " + truth + " WHEN TRUE THEN " + pick(a[1]) +
			" WHEN FALSE THEN " + pick(a[2]) + " ELSE NULL END))", true
	case "array_shift_left", "array_shift_right":
		l := g.jlist(a[0], p)
		n := "CAST(" + e(1) + " AS BIGINT)"
		if c.Fn == "array_shift_right" {
			n = "(-" + n + ")"
		}
		fill := "CAST(NULL AS JSON)"
		if len(a) == 3 {
			fill = g.toJSON(a[2], p)
		}
		return "to_json(list_transform(range(0, len(" + l + ")), i -> CASE WHEN i + " + n + " >= 0 AND i + " + n + " < len(" + l + ") THEN " +
			l + "[i + " + n + " + 1] ELSE " + fill + " END))", true
	case "array_rotate_left", "array_rotate_right":
		l := g.jlist(a[0], p)
		n := "CAST(" + e(1) + " AS BIGINT)"
		if c.Fn == "array_rotate_right" {
			n = "(-" + n + ")"
		}
		return "(CASE WHEN len(" + l + ") = 0 THEN " + e(0) + " ELSE to_json(list_transform(range(0, len(" + l + ")), i -> " + l +
			"[((i + " + n + ") % len(" + l + ") + len(" + l + ")) % len(" + l + ") + 1])) END)", true
	case "array_split":
		l := g.jlist(a[0], p)
		idx := "[CAST(" + e(1) + " AS BIGINT)]"
		if a[1].Type() == schema.TypeDynamic {
			idx = g.elems(a[1], p, "BIGINT")
		}
		// Negative indexes count from the end; the bounds are clipped.
		b := "list_concat([0], list_transform(" + idx + ", k -> least(greatest(CASE WHEN k < 0 THEN len(" + l + ") + k ELSE k END, 0), len(" + l + "))), [len(" + l + ")])"
		return "to_json(list_transform(range(1, len(" + b + ")), j -> " + l + "[" + b + "[j] + 1:" + b + "[j + 1]]))", true
	case "zip":
		lists := make([]string, len(a))
		lens := make([]string, len(a))
		for i := range a {
			lists[i] = g.jlist(a[i], p)
			lens[i] = "len(" + lists[i] + ")"
		}
		n := lens[0]
		if len(a) > 1 {
			n = "greatest(" + strings.Join(lens, ", ") + ")"
		}
		items := make([]string, len(a))
		for i := range a {
			items[i] = lists[i] + "[i]"
		}
		return "to_json(list_transform(range(1, " + n + " + 1), i -> [" + strings.Join(items, ", ") + "]))", true
	case "pack_all":
		if len(a) == 1 {
			return "CAST('{}' AS JSON)", true
		}
		entries := make([]string, 0, len(a)/2)
		for i := 1; i+1 < len(a); i += 2 {
			entries = append(entries, "{'k': "+g.expr(a[i], p)+", 'v': "+g.toJSON(a[i+1], p)+"}")
		}
		l := "[" + strings.Join(entries, ", ") + "]"
		// With ignore_null_empty, null values and empty strings are left out.
		keep := "list_filter(" + l + ", x -> NOT (" + e(0) + ") OR NOT (x.v IS NULL OR json_type(x.v) = 'NULL' OR CAST(x.v AS VARCHAR) = '\"\"'))"
		return "coalesce(CAST(map_from_entries(" + keep + ") AS JSON), CAST('{}' AS JSON))", true
	case "ipv4_compare":
		return ipv4Compare(s(0), s(1), a, g, p), true
	case "format_ipv4", "format_ipv4_mask":
		ip := "''" // a number has no /bits
		if a[0].Type() == schema.TypeString {
			ip = s(0)
		}
		addr := "split_part(" + ip + ", '/', 1)"
		bits := "least(coalesce(TRY_CAST(nullif(split_part(" + ip + ", '/', 2), '') AS BIGINT), 32)"
		if len(a) == 2 {
			bits += ", CAST(" + e(1) + " AS BIGINT))"
		} else {
			bits += ", 32)"
		}
		if a[0].Type() != schema.TypeString {
			addr = "(CAST(" + e(0) + " AS BIGINT) // 16777216 % 256 || '.' || CAST(" + e(0) + " AS BIGINT) // 65536 % 256 || '.' || CAST(" + e(0) + " AS BIGINT) // 256 % 256 || '.' || CAST(" + e(0) + " AS BIGINT) % 256)"
		}
		n := ipv4Num(addr)
		masked := "((" + n + " >> (32 - " + bits + ")) << (32 - " + bits + "))"
		dotted := "(CAST(" + masked + " // 16777216 % 256 AS VARCHAR) || '.' || CAST(" + masked + " // 65536 % 256 AS VARCHAR) || '.' || CAST(" +
			masked + " // 256 % 256 AS VARCHAR) || '.' || CAST(" + masked + " % 256 AS VARCHAR))"
		if c.Fn == "format_ipv4_mask" {
			dotted = "(" + dotted + " || '/' || CAST(" + bits + " AS VARCHAR))"
		}
		// An invalid address or a mask outside 0..32 gives "".
		return "coalesce(CASE WHEN " + bits + " BETWEEN 0 AND 32 THEN " + dotted + " END, '')", true
	case "has_ipv4", "has_ipv4_prefix", "has_any_ipv4", "has_any_ipv4_prefix":
		return g.hasIPv4(c.Fn, a, p), true
	case "ipv4_is_in_any_range":
		var ranges []string
		if len(a) == 2 && a[1].Type() == schema.TypeDynamic {
			l, ok := a[1].(*plan.Lit)
			var rs []string
			if !ok || l.V == nil || json.Unmarshal([]byte(l.V.(string)), &rs) != nil {
				g.fail("ipv4_is_in_any_range with a non-constant list")
			}
			for _, r := range rs {
				ranges = append(ranges, quoteString(r))
			}
		} else {
			for i := 1; i < len(a); i++ {
				ranges = append(ranges, s(i))
			}
		}
		parts := make([]string, len(ranges))
		for i, r := range ranges {
			parts[i] = "coalesce(" + ipv4InRange(s(0), r) + ", FALSE)"
		}
		return "(CASE WHEN " + ipv4Num(s(0)) + " IS NULL THEN NULL ELSE (" + strings.Join(parts, " OR ") + ") END)", true
	}
	return "", false
}

// binAt is bin_at(value, size, fixed_point): bins aligned on fixed_point.
func (g *gen) binAt(a []plan.Expr, p string) string {
	v, size, fix := g.expr(a[0], p), g.expr(a[1], p), g.expr(a[2], p)
	switch a[0].Type() {
	case schema.TypeDatetime:
		us := ivUS(size)
		return "make_timestamp(epoch_us(" + fix + ") + CAST(floor((epoch_us(" + v + ") - epoch_us(" + fix + ")) / " + us + ") AS BIGINT) * " + us + ")"
	case schema.TypeTimespan:
		us := ivUS(size)
		return "to_microseconds(" + ivUS(fix) + " + CAST(floor((" + ivUS(v) + " - " + ivUS(fix) + ") / " + us + ") AS BIGINT) * " + us + ")"
	case schema.TypeInt, schema.TypeLong:
		return "CAST(floor((" + v + " - " + fix + ") / " + size + ") * " + size + " + " + fix + " AS " + sqlType(a[0].Type()) + ")"
	}
	return "(floor((" + v + " - " + fix + ") / " + size + ") * " + size + " + " + fix + ")"
}

// hasIPv4 finds IPv4 addresses (or addresses starting with a prefix such as
// "10.1.") that stand as terms of a text: not adjacent to letters, digits
// or dots.
func (g *gen) hasIPv4(fn string, a []plan.Expr, p string) string {
	var targets []string
	if len(a) == 2 && a[1].Type() == schema.TypeDynamic {
		l, ok := a[1].(*plan.Lit)
		if !ok {
			return g.hasIPv4List(fn, g.elems(a[1], p, "VARCHAR"), a[0], p)
		}
		if l.V == nil || json.Unmarshal([]byte(l.V.(string)), &targets) != nil {
			g.fail("%s with a list that is not an array of strings", fn)
		}
	} else {
		constant := true
		for _, x := range a[1:] {
			if l, ok := x.(*plan.Lit); !ok || l.V == nil {
				constant = false
			} else if _, ok := l.V.(string); !ok {
				g.fail("%s with an address that is not a string", fn)
			}
		}
		if !constant {
			items := make([]string, len(a)-1)
			for i, x := range a[1:] {
				items[i] = g.str(x, p)
			}
			return g.hasIPv4List(fn, "list_value("+strings.Join(items, ", ")+")", a[0], p)
		}
		for _, x := range a[1:] {
			targets = append(targets, x.(*plan.Lit).V.(string))
		}
	}
	prefix := strings.HasSuffix(fn, "_prefix")
	var alts []string
	for _, t := range targets {
		octs := strings.Split(strings.TrimSuffix(t, "."), ".")
		valid := len(octs) >= 1 && len(octs) <= 4
		for _, o := range octs {
			if n, err := strconv.Atoi(o); err != nil || n < 0 || n > 255 || len(o) > 3 {
				valid = false
			}
		}
		switch {
		case !valid:
			continue
		case !prefix && len(octs) != 4:
			continue
		case prefix && len(octs) < 4 && !strings.HasSuffix(t, "."):
			continue // a prefix ends with a dot, or is a whole address
		}
		re := strings.ReplaceAll(strings.TrimSuffix(t, "."), ".", `\.`)
		for i := len(octs); i < 4; i++ {
			re += `\.(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])` // only a valid address matches a prefix
		}
		alts = append(alts, re)
	}
	if len(alts) == 0 {
		return "FALSE"
	}
	return "regexp_matches(" + g.str(a[0], p) + ", " + quoteString(`(?:^|[^0-9A-Za-z.])(?:`+strings.Join(alts, "|")+`)(?:$|[^0-9A-Za-z.])`) + ")"
}

// hasIPv4List is hasIPv4 with addresses known only when the query runs (a column, a parameter, or toscalar of a
// query, as ASIM parsers get from threat-intelligence rules); list is a SQL list of strings: SQL checks each element as hasIPv4 does at compile time (an address,
// or for the prefix forms also one to three octets ending with a dot) and builds its regular expression.
func (g *gen) hasIPv4List(fn, list string, text plan.Expr, p string) string {
	valid := `'^[0-9]{1,3}(\.[0-9]{1,3}){3}$'`
	if strings.HasSuffix(fn, "_prefix") {
		valid = `'^([0-9]{1,3}\.){1,3}$|^[0-9]{1,3}(\.[0-9]{1,3}){3}$'`
	}
	const v = "ipv4_target__"
	octets := "(1 + length(rtrim(" + v + ", '.')) - length(replace(rtrim(" + v + ", '.'), '.', '')))"
	re := `'(?:^|[^0-9A-Za-z.])(?:' || replace(rtrim(` + v + `, '.'), '.', '\.') || repeat('\.\d{1,3}', 4 - ` + octets +
		`) || ')(?:$|[^0-9A-Za-z.])'`
	return "coalesce(list_bool_or(list_transform(" + list + ", " + v + " -> regexp_full_match(" + v +
		", " + valid + ") AND regexp_matches(" + g.str(text, p) + ", " + re + "))), FALSE)"
}

// ipv4Compare compares two IPv4 addresses on the shortest prefix among
// their own /bits and the optional third argument: -1, 0 or 1.
func ipv4Compare(x, y string, a []plan.Expr, g *gen, p string) string {
	bits := func(s string) string {
		return "coalesce(TRY_CAST(nullif(split_part(" + s + ", '/', 2), '') AS BIGINT), 32)"
	}
	pre := "least(" + bits(x) + ", " + bits(y)
	if len(a) == 3 {
		pre += ", CAST(" + g.expr(a[2], p) + " AS BIGINT)"
	}
	pre += ")"
	nx, ny := ipv4Num("split_part("+x+", '/', 1)"), ipv4Num("split_part("+y+", '/', 1)")
	return "CAST(sign((" + nx + " >> (32 - " + pre + ")) - (" + ny + " >> (32 - " + pre + "))) AS BIGINT)"
}
