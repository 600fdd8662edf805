package engine

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/sigma/event"
	"github.com/vigilsec/vigil/internal/sigma/rule"
)

// TestScanMemo requires the candidates the index selects with the scan memo to be exactly those it selects
// scanning every text, for events whose values repeat within and across fields, on two engines with different rules
// evaluated in turn on the same values.
func TestScanMemo(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	const alphabet = `abcAB/- .\`
	word := func(n int) string {
		var sb strings.Builder
		for range n {
			sb.WriteByte(alphabet[r.IntN(len(alphabet))])
		}
		return sb.String()
	}
	engines := make([]*Engine, 2)
	for k := range engines {
		var src strings.Builder
		for i := range 40 {
			field := [...]string{"CommandLine", "Image"}[i%2]
			fmt.Fprintf(&src, "title: r%d\nid: 00000000-0000-4000-8000-%012d\nlogsource: {product: windows, category: process_creation}\n", i, i)
			fmt.Fprintf(&src, "detection:\n  s:\n    %s|contains: '%s'\n  condition: s\n---\n", field, word(1+i%10))
		}
		rules, issues := rule.Parse([]byte(strings.TrimSuffix(src.String(), "---\n")), "t.yml")
		require.Empty(t, issues.Errors())
		e, issues := Compile(rules)
		require.Empty(t, issues.Errors())
		engines[k] = e
	}
	values := make([]string, 30)
	for i := range values {
		values[i] = word(minMemo + r.IntN(maxMemo-minMemo+8))
	}
	hits := 0
	for i := range 4000 {
		e := engines[i%2]
		ev := event.NewMap(map[string]any{"Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": 1,
			"CommandLine": values[r.IntN(len(values))], "Image": values[r.IntN(len(values))]}, time.Time{})
		sc := e.getScratch()
		sc.memoOff = true
		e.candidates(ev, sc)
		want := slices.Clone(sc.cands)
		sc.memoOff = false
		e.scratch.Put(sc)
		for range 2 {
			sc := e.getScratch()
			e.candidates(ev, sc)
			require.Equal(t, want, sc.cands, "event %d", i)
			e.scratch.Put(sc)
		}
		hits += len(want)
	}
	require.Greater(t, hits, 1000)
}
