package detect

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzRecordDecoder requires the kept-record decoder to accept exactly the JSON objects encoding/json's Unmarshal
// accepts into a map, with the same members.
func FuzzRecordDecoder(f *testing.F) {
	for _, s := range []string{`{}`, `null`, `[1]`, `"x"`, `{"a":1,"a":2}`, `{"a":{"b":[1,"x",null,true,{"c":1.5e3}]}}`,
		`{"n":1e999}`, `{"n":-0.0,"m":123456789012345678901234567890}`, `{"s":"\ud83d\ude00 \ud800 \u00e9 \n\t\"\\\/"}`,
		"{\"bad\":\"\xff\"}", `{"a":1}x`, ` {"a" : 1 } `,
		`{"b":1e999,"a":1}`, `{"a":1,"b":[{"c":"\u00e9"}]}`, `{"a":01}`, `{"a":1.}`, `{"deep":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]}`} {
		f.Add(s)
	}
	f.Add(`{"deeper than fastjson reads":` + strings.Repeat("[", 400) + strings.Repeat("]", 400) + `}`)
	var rd recordDecoder
	// keep is the filter of a row plan whose engine reads only names starting with "a" (and Event, System).
	keep := func(k []byte) bool { return len(k) > 0 && (k[0] == 'a' || k[0] == 'A') }
	f.Fuzz(func(t *testing.T, text string) {
		got := map[string]any{}
		ok := rd.decode(text, got, nil)
		var want map[string]any
		wantOK := json.Unmarshal([]byte(text), &want) == nil && want != nil
		require.Equal(t, wantOK, ok)
		if ok {
			require.Equal(t, want, got)
		}
		// With a filter: the same answer, every member kept, and nothing that is not a member.
		some := map[string]any{}
		require.Equal(t, wantOK, rd.decode(text, some, keep))
		for k, v := range want {
			if keep([]byte(k)) {
				require.Contains(t, some, k)
				require.Equal(t, v, some[k], k)
			}
		}
		for k, v := range some {
			require.Contains(t, want, k)
			require.Equal(t, want[k], v, k)
		}
	})
}
