package udf

import (
	"database/sql/driver"
	"strings"
	"unicode/utf8"
)

// punycode_from_string, punycode_to_string and their domain forms (RFC 3492 Punycode; labels with non-ASCII
// characters get the "xn--" prefix of IDNA). Case is kept, as Kusto keeps it.
func init() {
	str := func(name string, f func(string) (string, bool)) {
		Register(Func{Name: name, Args: []Type{String}, Result: String, Fn: func(a []driver.Value) (any, error) {
			s, ok := f(a[0].(string))
			if !ok {
				return nil, nil
			}
			return s, nil
		}})
	}
	str("kql_punycode_from_string", punyEncode)
	str("kql_punycode_to_string", punyDecode)
	str("kql_punycode_domain_from_string", func(s string) (string, bool) {
		labels := splitDomain(s)
		for i, l := range labels {
			if len(l) > 4 && strings.EqualFold(l[:4], "xn--") {
				d, ok := punyDecode(l[4:])
				if !ok {
					return "", false
				}
				labels[i] = d
			}
		}
		return strings.Join(labels, "."), true
	})
	str("kql_punycode_domain_to_string", func(s string) (string, bool) {
		labels := splitDomain(s)
		for i, l := range labels {
			if !isASCII(l) {
				e, ok := punyEncode(l)
				if !ok {
					return "", false
				}
				labels[i] = "xn--" + e
			}
		}
		return strings.Join(labels, "."), true
	})
}

// splitDomain splits at the full stops IDNA recognises (U+002E, U+3002, U+FF0E, U+FF61).
func splitDomain(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == '.' || r == '\u3002' || r == '\uff0e' || r == '\uff61' })
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

const (
	pyBase, pyTMin, pyTMax, pySkew, pyDamp = 36, 1, 26, 38, 700
	pyInitialBias, pyInitialN              = 72, 128
)

func pyAdapt(delta, numPoints int, first bool) int {
	if first {
		delta /= pyDamp
	} else {
		delta /= 2
	}
	delta += delta / numPoints
	k := 0
	for delta > ((pyBase-pyTMin)*pyTMax)/2 {
		delta /= pyBase - pyTMin
		k += pyBase
	}
	return k + (pyBase-pyTMin+1)*delta/(delta+pySkew)
}

func pyDigit(d int) byte {
	if d < 26 {
		return byte('a' + d)
	}
	return byte('0' + d - 26)
}

func punyEncode(s string) (string, bool) {
	if !utf8.ValidString(s) {
		return "", false
	}
	runes := []rune(s)
	var out []byte
	for _, r := range runes {
		if r < 0x80 {
			out = append(out, byte(r))
		}
	}
	b := len(out)
	h := b
	if b > 0 {
		out = append(out, '-')
	}
	n, delta, bias := pyInitialN, 0, pyInitialBias
	for h < len(runes) {
		m := int(^uint(0) >> 1)
		for _, r := range runes {
			if int(r) >= n && int(r) < m {
				m = int(r)
			}
		}
		delta += (m - n) * (h + 1)
		n = m
		for _, r := range runes {
			if int(r) < n {
				delta++
			}
			if int(r) == n {
				q := delta
				for k := pyBase; ; k += pyBase {
					t := k - bias
					if t < pyTMin {
						t = pyTMin
					} else if t > pyTMax {
						t = pyTMax
					}
					if q < t {
						break
					}
					out = append(out, pyDigit(t+(q-t)%(pyBase-t)))
					q = (q - t) / (pyBase - t)
				}
				out = append(out, pyDigit(q))
				bias = pyAdapt(delta, h+1, h == b)
				delta = 0
				h++
			}
		}
		delta++
		n++
	}
	return string(out), true
}

func punyDecode(s string) (string, bool) {
	var out []rune
	pos := 0
	if i := strings.LastIndexByte(s, '-'); i >= 0 {
		for _, c := range s[:i] {
			if c >= 0x80 {
				return "", false
			}
			out = append(out, c)
		}
		pos = i + 1
	}
	n, i, bias := pyInitialN, 0, pyInitialBias
	for pos < len(s) {
		oldi, w := i, 1
		for k := pyBase; ; k += pyBase {
			if pos >= len(s) {
				return "", false
			}
			c := s[pos]
			pos++
			var d int
			switch {
			case c >= 'a' && c <= 'z':
				d = int(c - 'a')
			case c >= 'A' && c <= 'Z':
				d = int(c - 'A')
			case c >= '0' && c <= '9':
				d = int(c-'0') + 26
			default:
				return "", false
			}
			i += d * w
			t := k - bias
			if t < pyTMin {
				t = pyTMin
			} else if t > pyTMax {
				t = pyTMax
			}
			if d < t {
				break
			}
			w *= pyBase - t
			if w > 1<<30 {
				return "", false
			}
		}
		bias = pyAdapt(i-oldi, len(out)+1, oldi == 0)
		n += i / (len(out) + 1)
		i %= len(out) + 1
		if n > utf8.MaxRune {
			return "", false
		}
		out = append(out, 0)
		copy(out[i+1:], out[i:])
		out[i] = rune(n)
		i++
	}
	return string(out), true
}
