package engine_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/sigma/engine"
	"github.com/vigilsec/vigil/internal/sigma/event"
)

// TestIndexEqualsPlainRandom compares the indexed engine with the plain evaluator on random texts against rules
// with short literals (the Aho-Corasick automaton), 4 to 7 and 8+ byte literals (the gram tables) and exact values,
// in two fields, with each event evaluated twice and values repeating across events and fields.
func TestIndexEqualsPlainRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	const alphabet = `abAB/- .\x`
	word := func(n int) string {
		var sb strings.Builder
		for range n {
			sb.WriteByte(alphabet[r.IntN(len(alphabet))])
		}
		return sb.String()
	}
	var src strings.Builder
	for i := range 60 {
		field := [...]string{"CommandLine", "Image"}[i%2]
		mod := [...]string{"|contains", "|startswith", "|endswith", ""}[i%4]
		fmt.Fprintf(&src, "title: r%d\nid: 00000000-0000-4000-8000-%012d\nlogsource: {product: windows, category: process_creation}\n", i, i)
		fmt.Fprintf(&src, "detection:\n  s:\n    %s%s: '%s'\n  condition: s\n---\n", field, mod, strings.ReplaceAll(word(1+i%9), "'", "''"))
	}
	eng := compile(t, strings.TrimSuffix(src.String(), "---\n"))
	values := make([]string, 40)
	for i := range values {
		values[i] = word(r.IntN(24))
	}
	total := 0
	for i := range 3000 {
		ev := event.NewMap(map[string]any{"Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": 1,
			"CommandLine": values[r.IntN(len(values))], "Image": values[r.IntN(len(values))]}, time.Time{})
		want := ids(eng.MatchPlain(ev))
		for range 2 {
			require.Equal(t, want, ids(eng.Match(ev)), "event %d: %v", i, ev.Fields())
		}
		total += len(want)
	}
	t.Logf("%d matches", total)
	require.Greater(t, total, 1000)
}

func ids(ms []engine.Match) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.RuleID)
	}
	return out
}
