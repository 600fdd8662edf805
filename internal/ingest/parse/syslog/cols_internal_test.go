package syslog

import (
	"encoding/json"
	"net/netip"
	"strconv"
	"strings"
	"testing"
)

// appendQuote writes valid JSON that reads back as the text with each byte outside valid UTF-8 replaced by
// U+FFFD, as encoding/json writes it.
func FuzzAppendQuote(f *testing.F) {
	for _, s := range []string{"", "plain", `a "quoted" \ back\slash`, "tab\there", "nul\x00", "é", "\xff", "~\x7f", `\"`,
		"line\nbreak\r", "esc\x1b[0m", "bad \xc3\x28 utf8", "\xe2\x82", "€ and \u2028"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := appendQuote([]byte("x"), s)
		if got[0] != 'x' {
			t.Fatalf("appendQuote(%q) changed dst: %s", s, got)
		}
		if !json.Valid(got[1:]) {
			t.Fatalf("appendQuote(%q) = %s: not valid JSON", s, got[1:])
		}
		var back string
		if err := json.Unmarshal(got[1:], &back); err != nil {
			t.Fatalf("appendQuote(%q) = %s: %v", s, got[1:], err)
		}
		ref, _ := json.Marshal(s)
		var want string
		if err := json.Unmarshal(ref, &want); err != nil {
			t.Fatal(err)
		}
		if back != want {
			t.Fatalf("appendQuote(%q) = %s reads back as %q, want %q", s, got[1:], back, want)
		}
	})
}

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
