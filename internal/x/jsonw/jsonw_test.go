package jsonw_test

import (
	"encoding/json"
	"testing"

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

func FuzzAppendString(f *testing.F) {
	f.Add("a\"b\\c\n")
	f.Fuzz(func(t *testing.T, s string) {
		b := jsonw.AppendString(nil, s)
		var got string
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("%q: %v", b, err)
		}
		// Invalid UTF-8 is replaced by the decoder; valid text comes back as it went in.
		if json.Valid([]byte(`"`+s+`"`)) && got != s {
			t.Fatalf("%q came back as %q", s, got)
		}
	})
}
