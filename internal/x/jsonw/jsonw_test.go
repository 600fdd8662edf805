package jsonw_test

import (
	"encoding/json"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/x/jsonw"
)

func TestAppendStringRoundTrips(t *testing.T) {
	for _, s := range []string{"", "plain", `quote " and back\slash`, "tab\tnew\nline\rret", "\x00\x01\x1f", "ünïcødé €", "C:\\Windows\\System32"} {
		b := jsonw.AppendString([]byte("x"), s)
		require.Equal(t, byte('x'), b[0], "appends")
		var got string
		require.NoError(t, json.Unmarshal(b[1:], &got), "%q", b)
		require.Equal(t, s, got)
	}
}

// FuzzAppendString checks the literal is valid JSON and valid UTF-8, and reads back as encoding/json's own
// encoding of the text does (each byte outside valid UTF-8 replaced by U+FFFD).
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"a\"b\\c\n", "\xff", "bad \xc3\x28 utf8", "\xe2\x82", "€ and \u2028", "esc\x1b[0m", "~\x7f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b := jsonw.AppendString(nil, s)
		if !utf8.Valid(b) || !json.Valid(b) {
			t.Fatalf("%q: %q is not valid UTF-8 JSON", s, b)
		}
		var got string
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("%q: %v", b, err)
		}
		ref, _ := json.Marshal(s)
		var want string
		if err := json.Unmarshal(ref, &want); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("%q came back as %q, want %q", s, got, want)
		}
	})
}
