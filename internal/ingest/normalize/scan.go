package normalize

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"slices"
	"unicode/utf16"
	"unicode/utf8"
)

// This file holds the JSON text scanner of [JSON.Line]. It accepts the same text as fastjson's parser (v1.6), which
// earlier releases parsed every line with, so that no line is rejected or stored differently than before:
//   - whitespace is space, tab, CR and LF;
//   - a string ends at the first quote not escaped by a backslash; its content is not checked (control characters
//     and invalid UTF-8 are kept as they are) and escapes are undone on a best-effort basis (see unescapeOne);
//   - a number is any run of digits, '.', '-', '+', 'e' and 'E', or inf or nan (any case, optionally signed),
//     checked only when a column converts it;
//   - values nest at most scanMaxDepth deep, the line's object counting as one.

// scanMaxDepth is the deepest a value may be nested (fastjson.MaxDepth).
const scanMaxDepth = 300

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// skipSpace returns the offset of the first byte at or after i that is not whitespace.
func skipSpace(s []byte, i int) int {
	for i < len(s) && s[i] <= ' ' && isSpace(s[i]) {
		i++
	}
	return i
}

// scanValue reads the value at s[i], nested depth deep, and returns its kind, the offset after it, and whether it
// has whitespace between its tokens.
func scanValue(s []byte, i, depth int) (k kind, end int, ws bool, err error) {
	if i >= len(s) {
		return 0, i, false, syntaxErr(i, "missing value")
	}
	if depth > scanMaxDepth {
		return 0, i, false, syntaxErr(i, "values nested too deep")
	}
	switch s[i] {
	case '"':
		end, _, err := scanString(s, i+1)
		if err != nil {
			return 0, end, false, err
		}
		return kindString, end + 1, false, nil
	case '{':
		end, ws, err := scanObject(s, i+1, depth)
		return kindObject, end, ws, err
	case '[':
		end, ws, err := scanArray(s, i+1, depth)
		return kindArray, end, ws, err
	case 't':
		if bytes.HasPrefix(s[i:], []byte("true")) {
			return kindTrue, i + 4, false, nil
		}
	case 'f':
		if bytes.HasPrefix(s[i:], []byte("false")) {
			return kindFalse, i + 5, false, nil
		}
	case 'n':
		if bytes.HasPrefix(s[i:], []byte("null")) {
			return kindNull, i + 4, false, nil
		}
		if len(s)-i >= 3 && bytes.EqualFold(s[i:i+3], []byte("nan")) {
			return kindNumber, i + 3, false, nil
		}
	default:
		end, err := scanNumber(s, i)
		return kindNumber, end, false, err
	}
	return 0, i, false, syntaxErr(i, "invalid value")
}

// scanObject reads the rest of an object whose '{' is just before s[i].
func scanObject(s []byte, i, depth int) (end int, ws bool, err error) {
	j := skipSpace(s, i)
	ws = j > i
	if j < len(s) && s[j] == '}' {
		return j + 1, ws, nil
	}
	for {
		if j >= len(s) || s[j] != '"' {
			return j, ws, syntaxErr(j, "expected a field name in quotes")
		}
		kEnd, _, err := scanString(s, j+1)
		if err != nil {
			return kEnd, ws, err
		}
		i = kEnd + 1
		j = skipSpace(s, i)
		ws = ws || j > i
		if j >= len(s) || s[j] != ':' {
			return j, ws, syntaxErr(j, "expected ':' after the field name")
		}
		i = j + 1
		j = skipSpace(s, i)
		ws = ws || j > i
		_, i, w, err := scanValue(s, j, depth+1)
		if err != nil {
			return i, ws, err
		}
		var closed bool
		j, closed, err = afterValue(s, i, '}', &ws, w)
		if closed || err != nil {
			return j, ws, err
		}
	}
}

// afterValue reads what follows a value of an object (end '}') or array (end ']') that ends just before s[i]: the
// offset of the next element after a ',', or the offset after end with closed set. ws records any whitespace, the
// value's own (w) included.
func afterValue(s []byte, i int, end byte, ws *bool, w bool) (next int, closed bool, err error) {
	j := skipSpace(s, i)
	*ws = *ws || w || j > i
	what := "an object"
	if end == ']' {
		what = "an array"
	}
	if j >= len(s) {
		return j, false, syntaxErr(j, "unexpected end of the line in "+what)
	}
	switch s[j] {
	case ',':
		i = j + 1
		j = skipSpace(s, i)
		*ws = *ws || j > i
		return j, false, nil
	case end:
		return j + 1, true, nil
	}
	if end == ']' {
		return j, false, syntaxErr(j, "expected ',' or ']' after an array element")
	}
	return j, false, syntaxErr(j, "expected ',' or '}' after a field's value")
}

// scanArray reads the rest of an array whose '[' is just before s[i].
func scanArray(s []byte, i, depth int) (end int, ws bool, err error) {
	j := skipSpace(s, i)
	ws = j > i
	if j < len(s) && s[j] == ']' {
		return j + 1, ws, nil
	}
	for {
		_, i, w, err := scanValue(s, j, depth+1)
		if err != nil {
			return i, ws, err
		}
		var closed bool
		j, closed, err = afterValue(s, i, ']', &ws, w)
		if closed || err != nil {
			return j, ws, err
		}
	}
}

// scanString finds the end of a string whose opening quote is just before s[i]: it returns the offset of the
// closing quote and whether the string has escapes. A backslash escapes the byte after it, whatever it is, so the
// string ends at the first quote with an even number of backslashes before it.
func scanString(s []byte, i int) (end int, esc bool, err error) {
	j := i
	for {
		j = quoteOrBackslash(s, j)
		if j >= len(s) {
			return i - 1, false, syntaxErr(i-1, "unterminated string")
		}
		if s[j] == '"' {
			return j, esc, nil
		}
		esc = true
		j += 2
	}
}

// quoteOrBackslash returns the offset of the first quote or backslash at or after i, or len(s) if there is none.
func quoteOrBackslash(s []byte, i int) int {
	for ; i+8 <= len(s); i += 8 {
		if t := quoteOrBackslashIn(binary.LittleEndian.Uint64(s[i:])); t != 0 {
			return i + bits.TrailingZeros64(t)>>3
		}
	}
	for ; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			return i
		}
	}
	return len(s)
}

// quoteOrBackslashIn marks the bytes of w, eight bytes of text read little-endian, that are a quote or a backslash:
// its lowest set bit is the high bit of the first such byte (higher bits may be set falsely). A byte of w ^ c is
// zero where w holds c, and (x - lo) &^ x & hi marks the first zero byte of x exactly.
func quoteOrBackslashIn(w uint64) uint64 {
	const (
		lo = 0x0101010101010101
		hi = 0x8080808080808080
	)
	q := w ^ (lo * '"')
	b := w ^ (lo * '\\')
	return ((q-lo)&^q | (b-lo)&^b) & hi
}

// scanNumber returns the end of the number at s[i].
func scanNumber(s []byte, i int) (int, error) {
	j := i
	for j < len(s) && isNumByte(s[j]) {
		j++
	}
	if j < len(s) && (j == i || j == i+1 && (s[i] == '-' || s[i] == '+')) {
		if len(s)-j >= 3 && (bytes.EqualFold(s[j:j+3], []byte("inf")) || bytes.EqualFold(s[j:j+3], []byte("nan"))) {
			return j + 3, nil
		}
		return j, syntaxErr(j, "invalid value")
	}
	return j, nil
}

func isNumByte(c byte) bool {
	return c >= '0' && c <= '9' || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E'
}

// unescapeAppend appends the content of a string, given as its raw text between the quotes, with its escapes
// undone (see unescapeOne), and returns the extended dst. The result is never longer than raw.
func unescapeAppend(dst, raw []byte) []byte {
	start := len(dst)
	dst = slices.Grow(dst, len(raw))[:start+len(raw)]
	n, _ := copyString(dst[start:], raw, 0)
	return dst[:start+n]
}

// copyString copies the string content starting at s[i] to dst, undoing escapes, up to its closing quote or the end
// of s, and returns the length written and the offset of the quote (len(s) when there is none). dst must have room
// for all of s[i:]: the content is copied eight bytes at a time, which may write past what it returns.
func copyString(dst, s []byte, i int) (n, end int) {
	for {
		for i+8 <= len(s) {
			w := binary.LittleEndian.Uint64(s[i:])
			binary.LittleEndian.PutUint64(dst[n:], w)
			if t := quoteOrBackslashIn(w); t != 0 {
				k := bits.TrailingZeros64(t) >> 3
				i, n = i+k, n+k
				goto special
			}
			i, n = i+8, n+8
		}
		for i < len(s) && s[i] != '"' && s[i] != '\\' {
			dst[n] = s[i]
			i, n = i+1, n+1
		}
		if i >= len(s) {
			return n, len(s)
		}
	special:
		if s[i] == '"' {
			return n, i
		}
		n, i = unescapeOne(dst, n, s, i)
	}
}

// unescapeOne undoes the escape at s[i] (a backslash), writing its result at dst[n], and returns the new n and the
// offset after the escape. The JSON escapes \" \\ \/ \b \f \n \r \t and \uXXXX are undone and a UTF-16 surrogate
// pair of \u escapes becomes its one code point (U+FFFD when the two do not pair up); what cannot be undone is kept
// as written: an unknown escape, \u without four hex digits, a surrogate \u escape not followed by a second \u
// escape. This is what fastjson does, so stored strings do not change. Nothing written is longer than what it
// replaces; a backslash at the very end is dropped.
func unescapeOne(dst []byte, n int, s []byte, i int) (int, int) {
	if i+1 >= len(s) {
		return n, len(s)
	}
	c := s[i+1]
	i += 2
	switch c {
	case '"', '\\', '/':
	case 'b':
		c = '\b'
	case 'f':
		c = '\f'
	case 'n':
		c = '\n'
	case 'r':
		c = '\r'
	case 't':
		c = '\t'
	case 'u':
		x, ok := hex4(s[i:])
		if !ok {
			return n + copy(dst[n:], `\u`), i
		}
		if !utf16.IsSurrogate(x) {
			return n + utf8.EncodeRune(dst[n:], x), i + 4
		}
		if y, ok := hex4(s[min(i+6, len(s)):]); ok && s[i+4] == '\\' && s[i+5] == 'u' {
			return n + utf8.EncodeRune(dst[n:], utf16.DecodeRune(x, y)), i + 10
		}
		return n + copy(dst[n:], s[i-2:i+4]), i + 4
	default:
		dst[n], dst[n+1] = '\\', c
		return n + 2, i
	}
	dst[n] = c
	return n + 1, i
}

// hex4 reads four hex digits at the start of b.
func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// appendCompact appends the JSON text v, already scanned, without the whitespace between its tokens.
func appendCompact(dst, v []byte) []byte {
	for i := 0; i < len(v); {
		switch c := v[i]; {
		case isSpace(c):
			i++
		case c == '"':
			end, _, _ := scanString(v, i+1)
			dst = append(dst, v[i:end+1]...)
			i = end + 1
		default:
			dst = append(dst, c)
			i++
		}
	}
	return dst
}
