package udf

import (
	"bytes"
	"compress/zlib"
	"database/sql/driver"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// String functions: replace_strings, regex_quote, format_bytes, has_any_index, parse_csv, parse_version,
// base64_encode_fromarray, base64_encode_fromguid, base64_decode_toguid, zlib_compress_to_base64_string,
// strrep of any value's text, and bag_set_key.
func init() {
	Register(Func{Name: "kql_replace_strings", Args: []Type{String, JSON, JSON}, Result: String, Fn: func(a []driver.Value) (any, error) {
		return replaceStrings(a[0].(string), jsonArray(a[1].(string)), jsonArray(a[2].(string))), nil
	}})
	Register(Func{Name: "kql_regex_quote", Args: []Type{String}, Result: String, Fn: func(a []driver.Value) (any, error) {
		return regexp.QuoteMeta(a[0].(string)), nil
	}})
	fb := func(a []driver.Value) (any, error) {
		prec, units, base := int64(0), "", int64(1024)
		if len(a) > 1 {
			prec = a[1].(int64)
		}
		if len(a) > 2 {
			units = a[2].(string)
		}
		if len(a) > 3 {
			base = a[3].(int64)
		}
		return formatBytes(a[0].(float64), int(prec), units, base), nil
	}
	Register(Func{Name: "kql_format_bytes", Args: []Type{Real}, Result: String, Fn: fb})
	Register(Func{Name: "kql_format_bytes", Args: []Type{Real, Long}, Result: String, Fn: fb})
	Register(Func{Name: "kql_format_bytes", Args: []Type{Real, Long, String}, Result: String, Fn: fb})
	Register(Func{Name: "kql_format_bytes", Args: []Type{Real, Long, String, Long}, Result: String, Fn: fb})
	Register(Func{Name: "kql_has_any_index", Args: []Type{String, JSON}, Result: Long, Fn: func(a []driver.Value) (any, error) {
		for i, v := range jsonArray(a[1].(string)) {
			if s := jsonText(v); s != "" && hasTerm(a[0].(string), s) {
				return int64(i), nil
			}
		}
		return int64(-1), nil
	}})
	Register(Func{Name: "kql_parse_csv", Args: []Type{String}, Result: JSON, Fn: func(a []driver.Value) (any, error) {
		r := csv.NewReader(strings.NewReader(a[0].(string)))
		r.FieldsPerRecord = -1
		r.LazyQuotes = true
		rec, err := r.Read()
		if err != nil {
			rec = []string{}
		}
		return marshal(rec), nil
	}})
	Register(Func{Name: "kql_parse_version", Args: []Type{String}, Result: String, Fn: func(a []driver.Value) (any, error) {
		return parseVersion(a[0].(string)), nil
	}})
	Register(Func{Name: "kql_base64_encode_fromarray", Args: []Type{JSON}, Result: String, Fn: func(a []driver.Value) (any, error) {
		var nums []any
		if json.Unmarshal([]byte(a[0].(string)), &nums) != nil {
			return nil, nil
		}
		b := make([]byte, len(nums))
		for i, n := range nums {
			f, ok := n.(float64)
			if !ok || f < 0 || f > 255 || f != math.Trunc(f) {
				return nil, nil
			}
			b[i] = byte(f)
		}
		return base64.StdEncoding.EncodeToString(b), nil
	}})
	Register(Func{Name: "kql_base64_encode_fromguid", Args: []Type{String}, Result: String, Fn: func(a []driver.Value) (any, error) {
		b, ok := guidBytes(a[0].(string))
		if !ok {
			return nil, nil
		}
		return base64.StdEncoding.EncodeToString(b), nil
	}})
	Register(Func{Name: "kql_base64_decode_toguid", Args: []Type{String}, Result: String, Fn: func(a []driver.Value) (any, error) {
		b, err := base64.StdEncoding.DecodeString(a[0].(string))
		if err != nil || len(b) != 16 {
			return nil, nil
		}
		return guidString(b), nil
	}})
	Register(Func{Name: "kql_zlib_compress_to_base64_string", Args: []Type{String}, Result: String, Fn: func(a []driver.Value) (any, error) {
		var buf bytes.Buffer
		w, _ := zlib.NewWriterLevel(&buf, zlib.DefaultCompression)
		_, _ = w.Write([]byte(a[0].(string)))
		_ = w.Close()
		return base64.StdEncoding.EncodeToString(buf.Bytes()), nil
	}})
	Register(Func{Name: "kql_bag_set_key", Args: []Type{JSON, String, JSON}, Result: JSON, Nulls: true, Fn: func(a []driver.Value) (any, error) {
		s, _ := a[0].(string)
		var bag map[string]any
		if json.Unmarshal([]byte(s), &bag) != nil || bag == nil {
			return nil, nil
		}
		key, _ := a[1].(string)
		path, ok := bagPath(key)
		if !ok {
			return nil, nil
		}
		cur := bag
		for _, k := range path[:len(path)-1] {
			next, ok := cur[k].(map[string]any)
			if !ok {
				next = map[string]any{}
				cur[k] = next
			}
			cur = next
		}
		// The value arrives as the JSON text of any KQL value.
		var v any
		if t, ok := a[2].(string); ok {
			_ = json.Unmarshal([]byte(t), &v)
		}
		cur[path[len(path)-1]] = v
		return marshal(bag), nil
	}})
}

// bagPath splits a key or a JSONPath of dotted or bracketed names ($.a.b, $['a'].b) into its names.
func bagPath(key string) ([]string, bool) {
	if !strings.HasPrefix(key, "$") {
		return []string{key}, key != ""
	}
	var out []string
	rest := key[1:]
	for rest != "" {
		switch {
		case strings.HasPrefix(rest, "['") || strings.HasPrefix(rest, `["`):
			q := rest[1]
			end := strings.IndexByte(rest[2:], q)
			if end < 0 || len(rest) < end+4 || rest[end+3] != ']' {
				return nil, false
			}
			out = append(out, rest[2:end+2])
			rest = rest[end+4:]
		case rest[0] == '.':
			rest = rest[1:]
			end := strings.IndexAny(rest, ".[")
			if end < 0 {
				end = len(rest)
			}
			if end == 0 {
				return nil, false
			}
			out = append(out, rest[:end])
			rest = rest[end:]
		default:
			return nil, false
		}
	}
	return out, len(out) > 0
}

func marshal(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return strings.TrimSuffix(buf.String(), "\n")
}

func jsonArray(s string) []any {
	var out []any
	_ = json.Unmarshal([]byte(s), &out)
	return out
}

// jsonText is the text KQL gives an array element: strings as they are, numbers and booleans in JSON form.
func jsonText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return marshal(v)
}

// replaceStrings replaces every lookup at once: scanning the text, a match ends at the earliest position, and
// among lookups ending there the first listed wins. A replacement that is not a string leaves its lookup alone.
func replaceStrings(text string, lookups, repl []any) string {
	type pair struct{ from, to string }
	var ps []pair
	for i, l := range lookups {
		ls, ok := l.(string)
		if !ok || ls == "" {
			continue
		}
		to := ls
		if i < len(repl) {
			if rs, ok := repl[i].(string); ok {
				to = rs
			}
		}
		ps = append(ps, pair{ls, to})
	}
	var b strings.Builder
	start := 0 // the text before start is written
	for end := 1; end <= len(text); end++ {
		for _, p := range ps {
			s := end - len(p.from)
			if s >= start && text[s:end] == p.from {
				b.WriteString(text[start:s])
				b.WriteString(p.to)
				start = end
				break
			}
		}
	}
	b.WriteString(text[start:])
	return b.String()
}

// hasTerm reports whether s contains term as KQL has does: case-insensitively, starting and ending on term
// boundaries (a term is a run of letters and digits).
func hasTerm(s, term string) bool {
	ls, lt := strings.ToLower(s), strings.ToLower(term)
	for i := 0; i+len(lt) <= len(ls); {
		j := strings.Index(ls[i:], lt)
		if j < 0 {
			return false
		}
		j += i
		before, _ := utf8.DecodeLastRuneInString(ls[:j])
		after, _ := utf8.DecodeRuneInString(ls[j+len(lt):])
		first, _ := utf8.DecodeRuneInString(lt)
		last, _ := utf8.DecodeLastRuneInString(lt)
		okB := j == 0 || !isAlnum(before) || !isAlnum(first)
		okA := j+len(lt) == len(ls) || !isAlnum(after) || !isAlnum(last)
		if okB && okA {
			return true
		}
		i = j + 1
	}
	return false
}

func isAlnum(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

var byteUnits = []string{"Bytes", "KB", "MB", "GB", "TB", "PB", "EB"}

func formatBytes(v float64, prec int, unit string, base int64) string {
	if base != 1000 {
		base = 1024
	}
	i := 0
	if unit != "" {
		for j, u := range byteUnits {
			if strings.EqualFold(u, unit) || (j == 0 && strings.EqualFold(unit, "B")) {
				i = j
			}
		}
	} else {
		for i < len(byteUnits)-1 && math.Abs(v) >= math.Pow(float64(base), float64(i+1)) {
			i++
		}
	}
	x := v / math.Pow(float64(base), float64(i))
	if prec < 0 {
		prec = 0
	}
	return strconv.FormatFloat(x, 'f', prec, 64) + " " + byteUnits[i]
}

// parseVersion encodes up to four numeric parts of at most eight digits each as one number, the first part
// highest: 1.2.3.4 is 1 00000002 00000003 00000004. Kusto returns a decimal; the digits are returned as text for
// the compiler to cast to DECIMAL(38, 0), as a double would lose the lower parts.
func parseVersion(s string) any {
	parts := strings.Split(strings.TrimSpace(s), ".")
	if len(parts) == 0 || len(parts) > 4 {
		return nil
	}
	var b strings.Builder
	for i := 0; i < 4; i++ {
		var n uint64
		if i < len(parts) {
			if parts[i] == "" || len(parts[i]) > 8 {
				return nil
			}
			x, err := strconv.ParseUint(parts[i], 10, 64)
			if err != nil {
				return nil
			}
			n = x
		}
		fmt.Fprintf(&b, "%08d", n)
	}
	if v := strings.TrimLeft(b.String(), "0"); v != "" {
		return v
	}
	return "0"
}

// guidBytes is the 16-byte form of a GUID as .NET lays it out (the first three groups little-endian).
func guidBytes(s string) ([]byte, bool) {
	h := strings.ReplaceAll(strings.Trim(s, "{}"), "-", "")
	if len(h) != 32 {
		return nil, false
	}
	var b [16]byte
	for i := 0; i < 16; i++ {
		x, err := strconv.ParseUint(h[2*i:2*i+2], 16, 8)
		if err != nil {
			return nil, false
		}
		b[i] = byte(x)
	}
	b[0], b[1], b[2], b[3] = b[3], b[2], b[1], b[0]
	b[4], b[5] = b[5], b[4]
	b[6], b[7] = b[7], b[6]
	return b[:], true
}

func guidString(b []byte) string {
	return fmt.Sprintf("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15])
}

// indexof(source, lookup, start, length, occurrence): the position (in characters) of the occurrence-th match of
// lookup starting at or after start (counted from the end when negative) and ending at most length characters
// after it (-1: no limit), as Kusto's documented examples count it; -1 when there is none.
func init() {
	Register(Func{Name: "kql_indexof", Args: []Type{String, String, Long, Long, Long}, Result: Long, Fn: func(a []driver.Value) (any, error) {
		src, look := []rune(a[0].(string)), []rune(a[1].(string))
		start, length, occ := a[2].(int64), a[3].(int64), a[4].(int64)
		if occ <= 0 || length < -1 {
			return nil, nil
		}
		n := int64(len(src))
		if start < 0 {
			start = max(n+start, 0)
		}
		if start > n {
			return int64(-1), nil
		}
		end := n
		if length >= 0 {
			end = min(n, start+length+1)
		}
		for i := start; i+int64(len(look)) <= end; i++ {
			if string(src[i:i+int64(len(look))]) == string(look) {
				if occ--; occ == 0 {
					return i, nil
				}
			}
		}
		return int64(-1), nil
	}})
}
