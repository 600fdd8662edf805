package lexer

import (
	"errors"
	"strconv"
	"strings"
)

// Unquote returns the value of a string literal token's text: it strips the
// h/H obfuscation prefix, the @ verbatim prefix and the quotes, and decodes
// backslash escapes (\n, \t, \\, \', \", \uXXXX, ...) in regular strings
// and doubled quotes in verbatim strings.
func Unquote(raw string) (string, error) {
	s := raw
	if s != "" && (s[0] == 'h' || s[0] == 'H') {
		s = s[1:]
	}
	if strings.HasPrefix(s, "```") {
		if len(s) < 6 || !strings.HasSuffix(s, "```") {
			return "", errors.New("malformed multi-line string")
		}
		return s[3 : len(s)-3], nil
	}
	verbatim := false
	if s != "" && s[0] == '@' {
		verbatim = true
		s = s[1:]
	}
	if len(s) < 2 || !isQuote(s[0]) || s[len(s)-1] != s[0] {
		return "", errors.New("malformed string literal")
	}
	q := s[0]
	s = s[1 : len(s)-1]
	if verbatim {
		return strings.ReplaceAll(s, string([]byte{q, q}), string(q)), nil
	}
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch e := s[i]; e {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case '0':
			b.WriteByte(0)
		case 'a':
			b.WriteByte('\a')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'v':
			b.WriteByte('\v')
		case 'u', 'x':
			n := 4
			if e == 'x' {
				n = 2
			}
			if i+1+n <= len(s) {
				if v, err := strconv.ParseUint(s[i+1:i+1+n], 16, 32); err == nil {
					if e == 'x' {
						b.WriteByte(byte(v))
					} else {
						b.WriteRune(rune(v))
					}
					i += n
					continue
				}
			}
			b.WriteByte('\\')
			b.WriteByte(e)
		default:
			// \\, \', \" and unknown escapes stand for the character itself.
			b.WriteByte(e)
		}
	}
	return b.String(), nil
}
