package syslog

import (
	"net/netip"
	"strconv"
	"strings"
	"testing"
)

// atoi32 reads what strconv.ParseInt(s, 10, 32) reads.
func FuzzAtoi32(f *testing.F) {
	for _, s := range []string{"", "0", "4242", "+7", "-7", "2147483648", "-2147483648", "1_0", "0x10", "12a", "+", "-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := strconv.ParseInt(s, 10, 32)
		got, ok := atoi32(s)
		if ok != (err == nil) || (ok && got != want) {
			t.Fatalf("atoi32(%q) = %d, %v; ParseInt: %d, %v", s, got, ok, want, err)
		}
	})
}

// sdValue reads a structured data value as a plain unescaping loop does.
func FuzzSDValue(f *testing.F) {
	for _, s := range []string{`abc" rest`, `a\"b\\c\]d" x`, `open`, `a\x"`, `\`, `"`, `a\"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var want []byte
		wantRest, wantClosed := "", false
		for j := 0; j < len(s); j++ {
			c := s[j]
			if c == '\\' && j+1 < len(s) && (s[j+1] == '"' || s[j+1] == '\\' || s[j+1] == ']') {
				want = append(want, s[j+1])
				j++
				continue
			}
			if c == '"' {
				wantRest, wantClosed = s[j+1:], true
				break
			}
			want = append(want, c)
		}
		val, rest, closed := sdValue(s)
		if closed != wantClosed || (closed && (val != string(want) || rest != wantRest)) {
			t.Fatalf("sdValue(%q) = %q, %q, %v; want %q, %q, %v", s, val, rest, closed, want, wantRest, wantClosed)
		}
	})
}

// isIP answers as netip.ParseAddr does.
func FuzzIsIP(f *testing.F) {
	for _, s := range []string{"10.1.1.1", "[::1]", "fe80::1%eth0", "db1", "web01", "1.2.3", "::ffff:1.2.3.4", "1.2.3.4x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, err := netip.ParseAddr(strings.Trim(s, "[]"))
		if got := isIP(s); got != (err == nil) {
			t.Fatalf("isIP(%q) = %v, ParseAddr error %v", s, got, err)
		}
	})
}
