package engine

import (
	"time"

	"github.com/vigilsec/vigil/internal/sigma/event"
	"github.com/vigilsec/vigil/internal/sigma/rule"
)

// sampleEvery is how often [Stream.Process] times the rules it evaluates:
// one event in sampleEvery.
const sampleEvery = 64

// profile holds the per-rule counters of a Stream.
type profile struct {
	n                 uint64
	matches, last     []int64 // per detection rule
	evals, nanos      []int64 // sampled: evaluations and their time
	corrHits, corrAt  []int64 // per correlation
	sampled, eventsIn int64
}

func newProfile(rules, corrs int) *profile {
	return &profile{matches: make([]int64, rules), last: make([]int64, rules), evals: make([]int64, rules),
		nanos: make([]int64, rules), corrHits: make([]int64, corrs), corrAt: make([]int64, corrs)}
}

func (p *profile) hit(ri int, ts time.Time) {
	p.matches[ri]++
	p.last[ri] = max(p.last[ri], ts.UnixNano())
}

func (p *profile) corrHit(ci int, ts time.Time) {
	p.corrHits[ci]++
	p.corrAt[ci] = max(p.corrAt[ci], ts.UnixNano())
}

// matchProfiled is [Engine.Match], timing each candidate rule on one event
// in sampleEvery.
func (e *Engine) matchProfiled(ev event.Event, p *profile) []Match {
	p.n++
	p.eventsIn++
	if p.n%sampleEvery != 0 {
		return e.Match(ev)
	}
	p.sampled++
	sc := e.getScratch()
	defer e.scratch.Put(sc)
	view := e.candidates(ev, sc)
	var out []Match
	for _, ri := range sc.cands {
		c := e.rules[ri]
		t0 := time.Now()
		ok := c.match(view)
		p.nanos[ri] += time.Since(t0).Nanoseconds()
		p.evals[ri]++
		if ok {
			out = append(out, e.newMatch(c, ev, view))
		}
	}
	return out
}

// RuleStat is what a [Stream] counted for one rule since it was created.
type RuleStat struct {
	Rule *rule.Rule
	// Matches counts events the rule matched (for a correlation: times it
	// fired), including rules whose matches only feed correlations.
	Matches int64
	// LastMatch is the event time of the latest match (zero: none).
	LastMatch time.Time
	// SampledEvals and SampledNanos are the evaluations timed on sampled
	// events (one in 64) and their total time; the rule was a candidate of
	// the literal index on those events.
	SampledEvals int64
	SampledNanos int64
}

// RuleStats returns the counters of every loaded rule, detections first (in
// evaluation order), then correlations; and the number of events processed
// and sampled.
func (s *Stream) RuleStats() (stats []RuleStat, events, sampled int64) {
	p := s.prof
	stats = make([]RuleStat, 0, len(s.e.rules)+len(s.e.corrs))
	at := func(ns int64) time.Time {
		if ns == 0 {
			return time.Time{}
		}
		return time.Unix(0, ns).UTC()
	}
	for i, c := range s.e.rules {
		stats = append(stats, RuleStat{Rule: c.r, Matches: p.matches[i], LastMatch: at(p.last[i]),
			SampledEvals: p.evals[i], SampledNanos: p.nanos[i]})
	}
	for i, c := range s.e.corrs {
		stats = append(stats, RuleStat{Rule: c.r, Matches: p.corrHits[i], LastMatch: at(p.corrAt[i])})
	}
	return stats, p.eventsIn, p.sampled
}

// Suppressed reports whether r's matches only feed correlations (no
// referencing correlation sets generate: true).
func (e *Engine) Suppressed(r *rule.Rule) bool { return e.suppressed(r) }

// Counters is a saved copy of a Stream's rule counters and state counters.
type Counters struct {
	p profile
	s StreamStats
}

// SaveCounters copies the counters, so a caller whose batch is to be
// evaluated again (a failed delivery) can restore them with
// [Stream.RestoreCounters] and count nothing twice. dst is reused if not nil.
func (s *Stream) SaveCounters(dst *Counters) *Counters {
	if dst == nil {
		dst = &Counters{}
	}
	p := s.prof
	dst.p.n, dst.p.sampled, dst.p.eventsIn = p.n, p.sampled, p.eventsIn
	dst.p.matches = append(dst.p.matches[:0], p.matches...)
	dst.p.last = append(dst.p.last[:0], p.last...)
	dst.p.evals = append(dst.p.evals[:0], p.evals...)
	dst.p.nanos = append(dst.p.nanos[:0], p.nanos...)
	dst.p.corrHits = append(dst.p.corrHits[:0], p.corrHits...)
	dst.p.corrAt = append(dst.p.corrAt[:0], p.corrAt...)
	dst.s = s.counters
	return dst
}

// RestoreCounters sets the counters back to a [Stream.SaveCounters] copy.
func (s *Stream) RestoreCounters(c *Counters) {
	p := s.prof
	p.n, p.sampled, p.eventsIn = c.p.n, c.p.sampled, c.p.eventsIn
	copy(p.matches, c.p.matches)
	copy(p.last, c.p.last)
	copy(p.evals, c.p.evals)
	copy(p.nanos, c.p.nanos)
	copy(p.corrHits, c.p.corrHits)
	copy(p.corrAt, c.p.corrAt)
	s.counters = c.s
}

// CounterDeltas returns what the stream counted since the [Stream.SaveCounters] copy since: per rule (detections,
// then correlations; only rules that changed), and the events processed and sampled. A stream's owner persists
// them with the state they belong to, so counters survive a restart.
func (s *Stream) CounterDeltas(since *Counters) (rules []RuleStat, events, sampled int64) {
	p := s.prof
	if since == nil {
		since = &Counters{}
	}
	at := func(ns int64) time.Time {
		if ns == 0 {
			return time.Time{}
		}
		return time.Unix(0, ns).UTC()
	}
	old := func(xs []int64, i int) int64 {
		if i < len(xs) {
			return xs[i]
		}
		return 0
	}
	for i, c := range s.e.rules {
		m, ev, ns := p.matches[i]-old(since.p.matches, i), p.evals[i]-old(since.p.evals, i), p.nanos[i]-old(since.p.nanos, i)
		if m == 0 && ev == 0 && ns == 0 {
			continue
		}
		st := RuleStat{Rule: c.r, Matches: m, SampledEvals: ev, SampledNanos: ns}
		if p.last[i] != old(since.p.last, i) {
			st.LastMatch = at(p.last[i])
		}
		rules = append(rules, st)
	}
	for i, c := range s.e.corrs {
		m := p.corrHits[i] - old(since.p.corrHits, i)
		if m == 0 {
			continue
		}
		rules = append(rules, RuleStat{Rule: c.r, Matches: m, LastMatch: at(p.corrAt[i])})
	}
	return rules, p.eventsIn - since.p.eventsIn, p.sampled - since.p.sampled
}
