// Package jsonw writes JSON text by appending to byte slices, for the paths that build JSON per event (ingest
// normalisers, the demo generator) where encoding/json's reflection and allocations would cost too much.
package jsonw

const hexDigits = "0123456789abcdef"

// AppendString appends s as a JSON string literal: quotes, backslashes and control characters are escaped, other
// text (UTF-8 included) is kept as it is, which is valid JSON and cheaper than \u escapes for every non-ASCII rune.
func AppendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
