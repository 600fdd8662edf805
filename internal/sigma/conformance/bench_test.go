package conformance_test

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/sigma/conformance"
	"github.com/vigilsec/vigil/internal/sigma/engine"
)

func attackEvents() []string {
	return []string{filepath.Join(corpus, "samples", "evtx-attack-samples", "events")}
}

// TestIndexedEqualsPlain checks that the indexed engine and the plain
// rule-by-rule evaluator agree on every event of the sample corpus.
func TestIndexedEqualsPlain(t *testing.T) {
	_, dirs := sigmaDirs(t)
	eng, _, err := conformance.Load(dirs, nil, engine.WithExplain(false))
	require.NoError(t, err)
	events, err := conformance.LoadEvents(append(attackEvents(),
		filepath.Join(corpus, "samples", "sigmahq-regression-velocidex", "events")))
	require.NoError(t, err)
	total := 0
	for i, ev := range events {
		a, b := ids(eng.Match(ev)), ids(eng.MatchPlain(ev))
		if diff := cmp.Diff(b, a); diff != "" {
			t.Fatalf("event %d: indexed vs plain (-plain +indexed):\n%s", i, diff)
		}
		total += len(a)
	}
	t.Logf("%d events, %d matches, identical", len(events), total)
	require.Positive(t, total)
}

func ids(ms []engine.Match) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.RuleID)
	}
	return out
}

func TestBenchRunner(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	rep, err := conformance.Bench(conformance.BenchOptions{RuleDirs: dirsOf(t), Product: "windows", Events: attackEvents(), Rounds: benchRounds, OneCore: true})
	require.NoError(t, err)
	t.Logf("%+v", *rep)
	require.Positive(t, rep.Matches)
}

// BenchmarkEngine streams the evtx-attack-samples events through all SigmaHQ
// Windows rules on one goroutine and reports events/s. Run it with -cpu 1
// for the one-core figure.
func BenchmarkEngine(b *testing.B) {
	benchEngine(b, false)
}

// BenchmarkPlain is BenchmarkEngine without the literal index.
func BenchmarkPlain(b *testing.B) {
	benchEngine(b, true)
}

func benchEngine(b *testing.B, plain bool) {
	eng, rep, err := conformance.Load(dirsOf(b), conformance.Product("windows"), engine.WithExplain(false))
	require.NoError(b, err)
	events, err := conformance.LoadEvents(attackEvents())
	require.NoError(b, err)
	match := eng.Match
	if plain {
		match = eng.MatchPlain
	}
	b.Logf("windows rules: %d total, %d loaded, refused %v", rep.RulesTotal, rep.RulesLoaded, rep.RulesRefused)
	b.ResetTimer()
	n := 0
	for b.Loop() {
		for _, ev := range events {
			n += len(match(ev))
		}
	}
	b.ReportMetric(float64(len(events))*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(0, "ns/op")
}

func dirsOf(tb testing.TB) []string {
	_, dirs := sigmaDirs(tb)
	return dirs
}

// benchRounds is 3, or $VIGIL_BENCH_ROUNDS for profiling runs.
var benchRounds = func() int {
	if n, err := strconv.Atoi(os.Getenv("VIGIL_BENCH_ROUNDS")); err == nil && n > 0 {
		return n
	}
	return 3
}()
