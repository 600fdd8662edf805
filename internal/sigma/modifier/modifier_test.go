package modifier_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/sigma/modifier"
	"github.com/vigilsec/vigil/internal/sigma/rule"
)

func str(s string) []rule.Value { return []rule.Value{{Kind: rule.String, S: s}} }

func matchAny(t *testing.T, mods []string, val string, v any) bool {
	t.Helper()
	c, err := modifier.Compile(mods, str(val), false, nil)
	require.NoError(t, err)
	for _, m := range c.Matchers {
		if m.Match(v) {
			return true
		}
	}
	return false
}

func TestMatch(t *testing.T) {
	tests := []struct {
		name string
		mods []string
		val  string
		in   any
		want bool
	}{
		{"equal folds case", nil, "Admin", "aDMIN", true},
		{"equal whole value", nil, "adm", "admin", false},
		{"star", nil, "a*c", "abbbc", true},
		{"question is one rune", nil, "a?c", "aéc", true},
		{"escaped star", nil, `a\*c`, "a*c", true},
		{"escaped star literal", nil, `a\*c`, "abc", false},
		{"backslash kept", nil, `C:\Windows\x*`, `c:\windows\xyz`, true},
		{"escaped backslash then star", nil, `C:\Windows\\*`, `c:\windows\x`, true},
		{"backslash star is a literal star", nil, `C:\Windows\*`, `c:\windows\x`, false},
		{"double backslash", nil, `\\\\server`, `\\server`, true},
		{"contains", []string{"contains"}, "MiMi", "xxmimixx", true},
		{"startswith", []string{"startswith"}, "ab", "abc", true},
		{"endswith", []string{"endswith"}, "bc", "abc", true},
		{"cased", []string{"cased"}, "Ab", "ab", false},
		{"non-ascii folds", []string{"contains"}, "ДОМ", "мой дом", true},
		{"utf16 with bom", []string{"utf16", "startswith"}, "ab", "\xff\xfea\x00b\x00zz", true},
		{"utf16be", []string{"utf16be"}, "ab", "\x00a\x00b", true},
		{"base64", []string{"base64"}, "hello", "aGVsbG8=", true},
		{"hex literal equals number", nil, "0x1fffff", json.Number("2097151"), true},
		{"hex literal equals text", nil, "0x1FFFFF", "0x1fffff", true},
		{"number equals text", nil, "4688", json.Number("4688"), true},
		{"bool", nil, "true", true, true},
		{"re anchored", []string{"re"}, "^a.c$", "abc", true},
		{"re case-sensitive", []string{"re"}, "ABC", "abc", false},
		{"re i", []string{"re", "i"}, "ABC", "abc", true},
		{"length regex long", []string{"re"}, ".{5,}", "abcdef", true},
		{"length regex short", []string{"re"}, ".{5,}", "ab\ncdef", false},
		{"length regex dotall", []string{"re", "s"}, ".{5,}", "ab\ncdef", true},
		{"cidr", []string{"cidr"}, "192.168.0.0/16", "192.168.4.4", true},
		{"cidr v6", []string{"cidr"}, "2001:db8::/32", "2001:db8::1", true},
		{"gte", []string{"gte"}, "10", json.Number("10"), true},
		{"lt string number", []string{"lt"}, "10", "9.5", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, matchAny(t, tt.mods, tt.val, tt.in))
		})
	}
}

func TestWindash(t *testing.T) {
	c, err := modifier.Compile([]string{"windash"}, str("-a /b"), false, nil)
	require.NoError(t, err)
	require.Len(t, c.Matchers, 25) // 5 dash characters at each of 2 flags
}

func TestBase64Offset(t *testing.T) {
	c, err := modifier.Compile([]string{"base64offset", "contains"}, str("/bin/sh"), false, nil)
	require.NoError(t, err)
	var got []string
	for _, m := range c.Matchers {
		got = append(got, m.String())
	}
	// The well-known three encodings of "/bin/sh".
	require.Equal(t, []string{`"L2Jpbi9za"`, `"9iaW4vc2`, `"vYmluL3No"`}, []string{got[0], got[1][:len(`"9iaW4vc2`)], got[2]})
}

func TestParseErrors(t *testing.T) {
	for _, mods := range [][]string{{"nope"}, {"contains", "startswith"}, {"i"}, {"re", "base64"}, {"exists", "all"}} {
		_, err := modifier.Parse(mods)
		require.Error(t, err, "%v", mods)
	}
	_, err := modifier.Parse([]string{"contains", "windash"})
	require.NoError(t, err, "transforms may follow the match type")
}

func TestLiterals(t *testing.T) {
	c, err := modifier.Compile([]string{"re"}, str(`(?i)foo(bar|baz)+qux`), false, nil)
	require.NoError(t, err)
	lits, ok := c.Matchers[0].Literals()
	require.True(t, ok)
	require.Equal(t, []string{"foo"}, lits)
	c, err = modifier.Compile([]string{"contains"}, str("a*longer*b"), false, nil)
	require.NoError(t, err)
	lits, ok = c.Matchers[0].Literals()
	require.True(t, ok)
	require.Equal(t, []string{"longer"}, lits)
}

func TestGlobIsNotExponential(t *testing.T) {
	c, err := modifier.Compile(nil, str("*a*a*a*a*a*a*a*a*a*a*b"), false, nil)
	require.NoError(t, err)
	long := strings.Repeat("a", 5000)
	require.False(t, c.Matchers[0].Match(long))
	require.True(t, c.Matchers[0].Match(long+"b"))
}
