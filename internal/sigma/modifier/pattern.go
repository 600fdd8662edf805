package modifier

import (
	"strings"
	"unicode/utf8"
)

// segKind is a piece of a Sigma string pattern.
type segKind uint8

const (
	segLit  segKind = iota
	segStar         // "*": any run of characters
	segOne          // "?": exactly one character
)

type seg struct {
	kind segKind
	lit  string
}

// parsePattern splits a Sigma string into literals and wildcards. "\*",
// "\?" and "\\" are escapes; a backslash before anything else is literal.
func parsePattern(s string) []seg {
	var out []seg
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			out = append(out, seg{kind: segLit, lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\':
			if i+1 < len(s) && (s[i+1] == '*' || s[i+1] == '?' || s[i+1] == '\\') {
				lit.WriteByte(s[i+1])
				i++
				continue
			}
			lit.WriteByte(c)
		case '*':
			flush()
			if len(out) == 0 || out[len(out)-1].kind != segStar {
				out = append(out, seg{kind: segStar})
			}
		case '?':
			flush()
			out = append(out, seg{kind: segOne})
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	return out
}

// unescape returns the literal text of a pattern, ignoring wildcards, and
// whether it had any.
func unescape(s string) (string, bool) {
	var b strings.Builder
	wild := false
	for _, sg := range parsePattern(s) {
		if sg.kind == segLit {
			b.WriteString(sg.lit)
		} else {
			wild = true
		}
	}
	return b.String(), wild
}

// escape quotes wildcard and escape characters so parsePattern reads s as
// one literal.
func escape(s string) string {
	if !strings.ContainsAny(s, `*?\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '*' || s[i] == '?' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 32
	}
	return c
}

// indexFold finds lit (ASCII, lower case) in s, folding ASCII letters of s.
func indexFold(s, lit string) int {
	n := len(lit)
	if n == 0 {
		return 0
	}
	c0 := lit[0]
	c1 := c0
	if c0 >= 'a' && c0 <= 'z' {
		c1 = c0 - 32
	}
	for i := 0; i+n <= len(s); i++ {
		c := s[i]
		if c != c0 && c != c1 {
			// Skip ahead to the next candidate byte.
			j := strings.IndexByte(s[i+1:], c0)
			if c1 != c0 {
				if k := strings.IndexByte(s[i+1:], c1); k >= 0 && (j < 0 || k < j) {
					j = k
				}
			}
			if j < 0 {
				return -1
			}
			i += j
			continue
		}
		if hasPrefixFold(s[i:], lit) {
			return i
		}
	}
	return -1
}

// hasPrefixFold reports whether s starts with lit (ASCII, lower case),
// folding ASCII letters of s.
func hasPrefixFold(s, lit string) bool {
	if len(s) < len(lit) {
		return false
	}
	for j := 0; j < len(lit); j++ {
		if lowerASCII(s[j]) != lit[j] {
			return false
		}
	}
	return true
}

// globMatch matches s against segs. When fold is true, literals are ASCII
// lower case and s's ASCII letters are folded. It backtracks only to the
// last star, so it runs in O(len(s) * len(segs)) whatever the pattern.
func globMatch(segs []seg, s string, fold bool) bool {
	si, pos := 0, 0
	star, starPos := -1, 0
	for {
		if si < len(segs) {
			sg := segs[si]
			switch sg.kind {
			case segStar:
				star, starPos = si, pos
				si++
				continue
			case segLit:
				ok := false
				if fold {
					ok = hasPrefixFold(s[pos:], sg.lit)
				} else {
					ok = strings.HasPrefix(s[pos:], sg.lit)
				}
				if ok {
					pos += len(sg.lit)
					si++
					continue
				}
			case segOne:
				if pos < len(s) {
					_, size := utf8.DecodeRuneInString(s[pos:])
					pos += size
					si++
					continue
				}
			}
		} else if pos == len(s) {
			return true
		} else if star == len(segs)-1 {
			return true // trailing star absorbs the rest
		}
		if star < 0 || starPos >= len(s) {
			return false
		}
		starPos++
		pos, si = starPos, star+1
	}
}
