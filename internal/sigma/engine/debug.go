package engine

import (
	"fmt"
	"time"

	"github.com/vigilsec/vigil/internal/sigma/event"
	"github.com/vigilsec/vigil/internal/sigma/modifier"
)

// DebugCandidates returns the file of every rule the index selects for ev,
// before evaluation. It is for diagnostics and tests.
func DebugCandidates(e *Engine, ev event.Event) []string {
	sc := e.getScratch()
	defer e.scratch.Put(sc)
	e.candidates(ev, sc)
	out := make([]string, 0, len(sc.cands))
	for _, c := range sc.cands {
		out = append(out, e.rules[c].r.File)
	}
	return out
}

// DebugAutomata describes the per-field automata (field, states, classes).
func DebugAutomata(e *Engine) []string {
	var out []string
	for _, f := range e.fields {
		st, cl, gs := 0, 0, 0
		if f.ac != nil {
			st, cl = f.ac.states(), f.ac.nclass
		}
		if f.grams != nil {
			gs = len(f.grams.keys)
		}
		out = append(out, fmt.Sprintf("%s states=%d classes=%d grams=%d", f.name.Name, st, cl, gs))
	}
	return out
}

// DebugRuleCost evaluates the index candidates of every event and returns
// the total evaluation time per rule file. It is for diagnostics.
func DebugRuleCost(e *Engine, events []event.Event) map[string]time.Duration {
	out := map[string]time.Duration{}
	for _, ev := range events {
		sc := e.getScratch()
		view := e.candidates(ev, sc)
		for _, ri := range sc.cands {
			c := e.rules[ri]
			t := time.Now()
			c.match(view)
			out[c.r.File] += time.Since(t)
		}
		e.scratch.Put(sc)
	}
	return out
}

// DebugRoute resolves ev's routes only (those loaded rules use or that alias fields). It is for diagnostics.
func DebugRoute(e *Engine, ev event.Event) int {
	sc := e.getScratch()
	e.route(ev, sc)
	n := len(sc.routes)
	e.scratch.Put(sc)
	return n
}

// DebugScanBytes returns, per field, the bytes the index scans over events.
// It is for diagnostics.
func DebugScanBytes(e *Engine, events []event.Event) map[string]int {
	out := map[string]int{}
	for _, ev := range events {
		sc := e.getScratch()
		view := e.route(ev, sc)
		clear(sc.fset)
		anyField := false
		for _, r := range sc.routes {
			b := e.buckets[r.Index]
			anyField = anyField || b.any
			for w, x := range b.fset {
				sc.fset[w] |= x
			}
		}
		if fr, ok := view.(event.IDRanger); ok {
			fr.RangeID(func(id int32, v any, data bool) bool {
				s, _ := modifier.Stringify(v)
				inSet := false
				if int(id) < len(e.byID) {
					fs := e.byID[id]
					inSet = fs.sub >= 0 && sc.fset[fs.bit/64]&(1<<(fs.bit%64)) != 0
				}
				switch {
				case inSet:
					out[event.NameOf(id)] += len(s)
				case anyField && data:
					out["(keywords) "+event.NameOf(id)] += len(s)
				}
				return true
			})
		}
		e.scratch.Put(sc)
	}
	return out
}
