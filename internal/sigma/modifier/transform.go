package modifier

import (
	"encoding/base64"
	"encoding/binary"
	"strings"
	"unicode/utf16"
)

// Placeholders maps a placeholder name (without %) to its values, for the
// expand modifier.
type Placeholders map[string][]string

// maxExpansion caps the number of values one value may expand into.
const maxExpansion = 4096

// transform applies one transform to a list of plain (unescaped) strings.
// Wildcards are not transformed: callers apply transforms only to literal
// text.
func transform(name string, vals []string, ph Placeholders) []string {
	var out []string
	for _, v := range vals {
		switch name {
		case "base64":
			out = append(out, base64.StdEncoding.EncodeToString([]byte(v)))
		case "base64offset":
			out = append(out, base64Offsets(v)...)
		case "wide", "utf16le":
			out = append(out, utf16String(v, binary.LittleEndian, false))
		case "utf16be":
			out = append(out, utf16String(v, binary.BigEndian, false))
		case "utf16":
			out = append(out, utf16String(v, binary.LittleEndian, true))
		case "windash":
			out = append(out, windash(v)...)
		case "expand":
			out = append(out, expand(v, ph)...)
		}
		if len(out) > maxExpansion {
			return out[:maxExpansion]
		}
	}
	return out
}

// base64Offsets returns the three encodings of v at byte offsets 0, 1 and 2
// inside a longer base64 text, trimmed to the characters that do not depend
// on the neighbouring bytes.
func base64Offsets(v string) []string {
	start := [3]int{0, 2, 3}
	endTrim := [3]int{0, 3, 2}
	out := make([]string, 0, 3)
	for i := 0; i < 3; i++ {
		enc := base64.StdEncoding.EncodeToString(append([]byte(strings.Repeat(" ", i)), v...))
		end := len(enc) - endTrim[(len(v)+i)%3]
		if end < start[i] {
			end = start[i]
		}
		out = append(out, enc[start[i]:end])
	}
	return out
}

func utf16String(v string, order binary.AppendByteOrder, bom bool) string {
	u := utf16.Encode([]rune(v))
	b := make([]byte, 0, 2*len(u)+2)
	if bom {
		b = order.AppendUint16(b, 0xFEFF)
	}
	for _, c := range u {
		b = order.AppendUint16(b, c)
	}
	return string(b)
}

// windashChars are the characters a command-line flag dash may be written
// with: hyphen-minus, slash, en dash, em dash, horizontal bar.
var windashChars = []string{"-", "/", "\u2013", "\u2014", "\u2015"}

// windash returns every variant of v where each "-" or "/" that starts a
// flag (at the start or after whitespace) is replaced by any windash
// character.
func windash(v string) []string {
	var pos []int
	for i := 0; i < len(v); i++ {
		if (v[i] == '-' || v[i] == '/') && (i == 0 || v[i-1] == ' ' || v[i-1] == '\t' || v[i-1] == '*') {
			pos = append(pos, i)
		}
	}
	if len(pos) == 0 {
		return []string{v}
	}
	out := []string{""}
	last := 0
	for _, p := range pos {
		var next []string
		for _, prefix := range out {
			for _, c := range windashChars {
				next = append(next, prefix+v[last:p]+c)
				if len(next) > maxExpansion {
					break
				}
			}
		}
		out = next
		last = p + 1
	}
	for i := range out {
		out[i] += v[last:]
	}
	return out
}

// expand replaces %name% placeholders; an undefined placeholder expands to
// nothing, so the value matches nothing.
func expand(v string, ph Placeholders) []string {
	out := []string{""}
	for {
		i := strings.IndexByte(v, '%')
		if i < 0 {
			break
		}
		j := strings.IndexByte(v[i+1:], '%')
		if j < 0 {
			break
		}
		name := v[i+1 : i+1+j]
		vals := ph[name]
		var next []string
		for _, p := range out {
			for _, x := range vals {
				next = append(next, p+v[:i]+x)
			}
		}
		out = next
		v = v[i+j+2:]
	}
	for k := range out {
		out[k] += v
	}
	return out
}
