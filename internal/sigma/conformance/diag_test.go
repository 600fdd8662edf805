package conformance_test

import (
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/sigma/conformance"
	"github.com/vigilsec/vigil/internal/sigma/engine"
)

// The diagnostics below print index selectivity and per-rule cost; they run
// only with VIGIL_SIGMA_DIAG=1.
func diag(t *testing.T) {
	if os.Getenv("VIGIL_SIGMA_DIAG") == "" {
		t.Skip("set VIGIL_SIGMA_DIAG=1 to print index diagnostics")
	}
}

func TestDiagCandidates(t *testing.T) {
	diag(t)
	eng, _, err := conformance.Load(dirsOf(t), conformance.Product("windows"), engine.WithExplain(false))
	require.NoError(t, err)
	t.Logf("%+v", eng.Stats())
	for _, a := range engine.DebugAutomata(eng) {
		if !strings.Contains(a, "states=1 ") {
			t.Log(a)
		}
	}
	events, err := conformance.LoadEvents(attackEvents())
	require.NoError(t, err)
	counts := map[string]int{}
	total := 0
	for _, ev := range events {
		for _, id := range engine.DebugCandidates(eng, ev) {
			counts[id]++
			total++
		}
	}
	t.Logf("avg candidates/event %.1f", float64(total)/float64(len(events)))
	type kv struct {
		k string
		v int
	}
	var kvs []kv
	for k, v := range counts {
		kvs = append(kvs, kv{k, v})
	}
	sort.Slice(kvs, func(i, j int) bool { return kvs[i].v > kvs[j].v })
	for _, x := range kvs[:40] {
		t.Logf("%6d %s", x.v, x.k)
	}
}

func TestDiagRuleCost(t *testing.T) {
	diag(t)
	eng, _, err := conformance.Load(dirsOf(t), conformance.Product("windows"), engine.WithExplain(false))
	require.NoError(t, err)
	events, err := conformance.LoadEvents(attackEvents())
	require.NoError(t, err)
	cost := engine.DebugRuleCost(eng, events)
	type kv struct {
		k string
		v time.Duration
	}
	var kvs []kv
	var total time.Duration
	for k, v := range cost {
		kvs = append(kvs, kv{k, v})
		total += v
	}
	sort.Slice(kvs, func(i, j int) bool { return kvs[i].v > kvs[j].v })
	t.Logf("total %v over %d events", total, len(events))
	for _, x := range kvs[:min(15, len(kvs))] {
		t.Logf("%8v %s", x.v, x.k)
	}
}

func TestDiagScanBytes(t *testing.T) {
	diag(t)
	eng, _, err := conformance.Load(dirsOf(t), conformance.Product("windows"), engine.WithExplain(false))
	require.NoError(t, err)
	events, err := conformance.LoadEvents(attackEvents())
	require.NoError(t, err)
	per := engine.DebugScanBytes(eng, events)
	type kv struct {
		k string
		v int
	}
	var kvs []kv
	total := 0
	for k, v := range per {
		kvs = append(kvs, kv{k, v})
		total += v
	}
	sort.Slice(kvs, func(i, j int) bool { return kvs[i].v > kvs[j].v })
	t.Logf("scanned %d bytes/event", total/len(events))
	for _, x := range kvs[:min(20, len(kvs))] {
		t.Logf("%6d B/ev %s", x.v/len(events), x.k)
	}
}
