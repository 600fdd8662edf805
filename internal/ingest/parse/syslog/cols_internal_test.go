package syslog

import (
	"strconv"
	"testing"
)

// appendQuote writes what strconv.AppendQuote writes, for any text.
func FuzzAppendQuote(f *testing.F) {
	for _, s := range []string{"", "plain", `a "quoted" \ back\slash`, "tab\there", "nul\x00", "é", "\xff", "~\x7f", `\"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := string(strconv.AppendQuote([]byte("x"), s))
		if got := string(appendQuote([]byte("x"), s)); got != want {
			t.Fatalf("appendQuote(%q) = %s, want %s", s, got, want)
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
