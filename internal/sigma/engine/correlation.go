package engine

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/vigilsec/vigil/internal/sigma/event"
	"github.com/vigilsec/vigil/internal/sigma/modifier"
	"github.com/vigilsec/vigil/internal/sigma/rule"
)

// maxChain caps how deep correlations of correlations are followed.
const maxChain = 4

// correlation is a compiled correlation rule.
type correlation struct {
	idx                 int
	r                   *rule.Rule
	c                   *rule.Correlation
	refs                []string // referenced rule keys, in order
	window              time.Duration
	tactics, techniques []string
	// suppressed: referenced by other correlations, none with generate.
	suppressed bool
}

func (e *Engine) compileCorrelations(corrs []*rule.Rule) rule.Issues {
	var issues rule.Issues
	keys := map[string]bool{}
	for _, c := range e.rules {
		for _, k := range ruleKeys(c.r) {
			keys[k] = true
		}
	}
	for _, r := range corrs {
		for _, k := range ruleKeys(r) {
			keys[k] = true
		}
	}
	for _, r := range corrs {
		if r.Correlation == nil {
			continue
		}
		ok := true
		for _, ref := range r.Correlation.Rules {
			if !keys[ref] {
				issues = append(issues, &rule.Issue{Code: rule.CodeCorrelationRef, Severity: rule.SeverityError, File: r.File,
					Line: r.Line, Doc: r.Doc, Field: "correlation.rules", RuleID: r.ID, Message: fmt.Sprintf("no loaded rule %q", ref)})
				ok = false
			}
		}
		if !ok {
			continue
		}
		c := &correlation{idx: len(e.corrs), r: r, c: r.Correlation, refs: r.Correlation.Rules,
			window: time.Duration(r.Correlation.Seconds) * time.Second}
		c.tactics, c.techniques = attack(r.Tags)
		e.corrs = append(e.corrs, c)
		for _, ref := range c.refs {
			e.byKey[ref] = append(e.byKey[ref], c.idx)
		}
	}
	// Referenced rules do not report on their own unless a correlation
	// referencing them says generate: true.
	for _, c := range e.rules {
		c.suppressed = e.suppressed(c.r)
	}
	for _, c := range e.corrs {
		c.suppressed = e.suppressed(c.r)
	}
	return issues
}

func (e *Engine) suppressed(r *rule.Rule) bool {
	var refs []int
	for _, k := range ruleKeys(r) {
		refs = append(refs, e.byKey[k]...)
	}
	if len(refs) == 0 {
		return false
	}
	for _, ci := range refs {
		if e.corrs[ci].c.Generate {
			return false
		}
	}
	return true
}

func ruleKeys(r *rule.Rule) []string {
	var ks []string
	for _, k := range []string{r.ID, r.Name} {
		if k != "" {
			ks = append(ks, k)
		}
	}
	return ks
}

// Stream runs an [Engine] over an ordered stream of events with correlation
// state. A Stream is not safe for concurrent use; run one per partition.
type Stream struct {
	e      *Engine
	groups []map[string]*group // per correlation
	clock  func() time.Time
	last   time.Time
	n      int
}

// group is the state of one correlation for one group key.
type group struct {
	GroupBy map[string]string `json:"group_by,omitempty"`
	// Times holds event times (event_count, value_count) as Unix nanoseconds.
	Times []int64 `json:"times,omitempty"`
	// Values holds the counted field values, parallel to Times (value_count).
	Values []string `json:"values,omitempty"`
	// Seen holds, per referenced rule, the last time it matched
	// (temporal) or the start of the latest in-order chain reaching it
	// (temporal_ordered); 0 means not seen.
	Seen []int64 `json:"seen,omitempty"`
	// Start is the start of the current tumbling window (upper-bounded
	// conditions).
	Start int64 `json:"start,omitempty"`
	Last  int64 `json:"last"`
}

// NewStream returns a stream with empty correlation state.
func (e *Engine) NewStream() *Stream {
	s := &Stream{e: e, clock: time.Now}
	s.groups = make([]map[string]*group, len(e.corrs))
	for i := range s.groups {
		s.groups[i] = map[string]*group{}
	}
	return s
}

// SetClock sets the time source used for events without a timestamp.
func (s *Stream) SetClock(now func() time.Time) { s.clock = now }

// Process evaluates ev: it returns the detection matches (except rules only
// used by correlations, unless generate is set) followed by any correlation
// matches the event completes.
func (s *Stream) Process(ev event.Event) []Match {
	ms := s.e.Match(ev)
	if len(s.e.corrs) == 0 {
		return ms
	}
	ts := s.timeOf(ev)
	out := ms[:0:0]
	var fired []Match
	for _, m := range ms {
		if m.comp == nil || !m.comp.suppressed {
			out = append(out, m)
		}
		fired = append(fired, s.feed(m.rule, ev, ts, 0)...)
	}
	s.n++
	if s.n%1024 == 0 {
		s.expire(ts)
	}
	return append(out, fired...)
}

func (s *Stream) timeOf(ev event.Event) time.Time {
	if t, ok := ev.(event.Timed); ok && !t.Time().IsZero() {
		s.last = t.Time()
		return s.last
	}
	return s.clock()
}

// feed passes one match of rule r to the correlations referencing it.
func (s *Stream) feed(r *rule.Rule, ev event.Event, ts time.Time, depth int) []Match {
	if depth > maxChain {
		return nil
	}
	var out []Match
	seen := map[int]bool{}
	for _, k := range ruleKeys(r) {
		for _, ci := range s.e.byKey[k] {
			if seen[ci] {
				continue
			}
			seen[ci] = true
			c := s.e.corrs[ci]
			if m, ok := s.step(c, r, k, ev, ts); ok {
				if !c.suppressed {
					out = append(out, m)
				}
				out = append(out, s.feed(c.r, ev, ts, depth+1)...)
			}
		}
	}
	return out
}

// step updates correlation c with a match of rule r (referenced as key) and
// reports whether the correlation fires.
func (s *Stream) step(c *correlation, r *rule.Rule, key string, ev event.Event, ts time.Time) (Match, bool) {
	gb := map[string]string{}
	var parts []string
	for _, f := range c.c.GroupBy {
		name := f
		if a, ok := c.c.Aliases[f]; ok {
			if alt, ok := a[key]; ok {
				name = alt
			}
		}
		v, _ := event.Lookup(ev, name, strings.ToLower(name))
		sv, _ := modifier.Stringify(v)
		gb[f] = sv
		parts = append(parts, sv)
	}
	gk := strings.Join(parts, "\x1f")
	groups := s.groups[c.idx]
	g := groups[gk]
	if g == nil {
		if len(groups) >= s.e.cfg.maxGroups {
			s.evict(c.idx, ts)
		}
		g = &group{GroupBy: gb}
		groups[gk] = g
	}
	now := ts.UnixNano()
	win := c.window.Nanoseconds()
	g.Last = now
	cond := c.c.Condition
	res := func(n int64, start int64) Match {
		m := Match{RuleID: c.r.ID, Title: c.r.Title, Kind: rule.KindCorrelation, Level: c.r.Level, Status: c.r.Status,
			Author: c.r.Author, File: c.r.File, Tags: c.r.Tags, Tactics: c.tactics, Techniques: c.techniques,
			Event: ev, Time: ts, rule: c.r,
			Correlation: &CorrelationResult{Type: c.c.Type, GroupBy: gb, Count: n, Rules: c.refs,
				Start: time.Unix(0, start).UTC(), End: ts.UTC()}}
		return m
	}
	switch c.c.Type {
	case "event_count", "value_count":
		val := ""
		if c.c.Type == "value_count" {
			name := cond.Field
			if a, ok := c.c.Aliases[name]; ok {
				if alt, ok := a[key]; ok {
					name = alt
				}
			}
			v, ok := event.Lookup(ev, name, strings.ToLower(name))
			if !ok || v == nil {
				return Match{}, false
			}
			val, _ = modifier.Stringify(v)
		}
		if cond.UpperBounded() {
			// Tumbling window: decided when it closes.
			var m Match
			fired := false
			if g.Start != 0 && now-g.Start >= win {
				if n := g.count(c.c.Type); cond.Holds(n) {
					m, fired = res(n, g.Start), true
				}
				g.Times, g.Values, g.Start = nil, nil, 0
			}
			if g.Start == 0 {
				g.Start = now
			}
			g.add(now, val, c.c.Type)
			return m, fired
		}
		g.add(now, val, c.c.Type)
		g.trim(now - win)
		if n := g.count(c.c.Type); cond.Holds(n) {
			m := res(n, g.Times[0])
			delete(groups, gk)
			return m, true
		}
	case "temporal", "temporal_ordered":
		if len(g.Seen) != len(c.refs) {
			g.Seen = make([]int64, len(c.refs))
		}
		pos := -1
		for i, ref := range c.refs {
			if ref == key {
				pos = i
				break
			}
		}
		if pos < 0 {
			return Match{}, false
		}
		if c.c.Type == "temporal" {
			g.Seen[pos] = now
			var n int64
			start := now
			for _, t := range g.Seen {
				if t != 0 && now-t <= win {
					n++
					start = min(start, t)
				}
			}
			if cond.Holds(n) {
				m := res(n, start)
				delete(groups, gk)
				return m, true
			}
			return Match{}, false
		}
		if pos == 0 {
			g.Seen[0] = now
		} else if prev := g.Seen[pos-1]; prev != 0 && now-prev <= win {
			g.Seen[pos] = prev
		}
		if last := g.Seen[len(g.Seen)-1]; last != 0 && now-last <= win {
			n := int64(len(c.refs))
			if cond.Holds(n) {
				m := res(n, last)
				delete(groups, gk)
				return m, true
			}
		}
	}
	return Match{}, false
}

// maxTimes caps the events kept per group.
const maxTimes = 1 << 14

func (g *group) add(now int64, val, typ string) {
	g.Times = append(g.Times, now)
	if typ == "value_count" {
		g.Values = append(g.Values, val)
	}
	if len(g.Times) > maxTimes {
		g.Times = g.Times[1:]
		if len(g.Values) > 0 {
			g.Values = g.Values[1:]
		}
	}
}

func (g *group) trim(cutoff int64) {
	i := sort.Search(len(g.Times), func(i int) bool { return g.Times[i] > cutoff })
	if i == 0 {
		return
	}
	g.Times = append(g.Times[:0], g.Times[i:]...)
	if len(g.Values) > 0 {
		g.Values = append(g.Values[:0], g.Values[i:]...)
	}
}

func (g *group) count(typ string) int64 {
	if typ != "value_count" {
		return int64(len(g.Times))
	}
	d := map[string]bool{}
	for _, v := range g.Values {
		d[v] = true
	}
	return int64(len(d))
}

// evict drops expired groups of correlation ci, then the least recently
// seen ones until it is under the cap.
func (s *Stream) evict(ci int, now time.Time) {
	groups := s.groups[ci]
	win := s.e.corrs[ci].window.Nanoseconds()
	for k, g := range groups {
		if now.UnixNano()-g.Last > win {
			delete(groups, k)
		}
	}
	if len(groups) < s.e.cfg.maxGroups {
		return
	}
	type kl struct {
		k    string
		last int64
	}
	all := make([]kl, 0, len(groups))
	for k, g := range groups {
		all = append(all, kl{k, g.Last})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].last < all[j].last })
	for _, x := range all[:len(all)-s.e.cfg.maxGroups+1] {
		delete(groups, x.k)
	}
}

// expire drops every group whose window has passed.
func (s *Stream) expire(now time.Time) {
	for ci := range s.groups {
		win := s.e.corrs[ci].window.Nanoseconds()
		for k, g := range s.groups[ci] {
			if now.UnixNano()-g.Last > win && !s.e.corrs[ci].c.Condition.UpperBounded() {
				delete(s.groups[ci], k)
			}
		}
	}
}

// Flush closes the tumbling windows (lt/lte/eq conditions) that ended
// before now and returns the correlation matches they produce. Call it
// periodically, and at the end of a finite stream.
func (s *Stream) Flush(now time.Time) []Match {
	var out []Match
	for ci, c := range s.e.corrs {
		cond := c.c.Condition
		if !cond.UpperBounded() || (c.c.Type != "event_count" && c.c.Type != "value_count") {
			continue
		}
		keys := make([]string, 0, len(s.groups[ci]))
		for k := range s.groups[ci] {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			g := s.groups[ci][k]
			if g.Start == 0 || now.UnixNano()-g.Start < c.window.Nanoseconds() {
				continue
			}
			if n := g.count(c.c.Type); cond.Holds(n) && !c.suppressed {
				out = append(out, Match{RuleID: c.r.ID, Title: c.r.Title, Kind: rule.KindCorrelation, Level: c.r.Level,
					Status: c.r.Status, Author: c.r.Author, File: c.r.File, Tags: c.r.Tags, Tactics: c.tactics,
					Techniques: c.techniques, Time: now, rule: c.r,
					Correlation: &CorrelationResult{Type: c.c.Type, GroupBy: g.GroupBy, Count: n, Rules: c.refs,
						Start: time.Unix(0, g.Start).UTC(), End: now.UTC()}})
			}
			delete(s.groups[ci], k)
		}
	}
	return out
}

// GroupCount returns the number of live correlation groups.
func (s *Stream) GroupCount() int {
	n := 0
	for _, g := range s.groups {
		n += len(g)
	}
	return n
}

// snapshot is the persisted form of a Stream's state, keyed by correlation
// rule key so it survives rule reordering.
type snapshot struct {
	Version int                          `json:"version"`
	Groups  map[string]map[string]*group `json:"groups"`
}

// Snapshot serialises the correlation state (JSON).
func (s *Stream) Snapshot() ([]byte, error) {
	snap := snapshot{Version: 1, Groups: map[string]map[string]*group{}}
	for ci, c := range s.e.corrs {
		if len(s.groups[ci]) > 0 {
			snap.Groups[c.r.Key()] = s.groups[ci]
		}
	}
	b, err := json.Marshal(snap)
	if err != nil {
		return nil, fmt.Errorf("snapshot correlation state: %w", err)
	}
	return b, nil
}

// Restore replaces the correlation state with a [Stream.Snapshot]. State of
// correlations no longer loaded is dropped.
func (s *Stream) Restore(data []byte) error {
	var snap snapshot
	if err := json.Unmarshal(data, &snap); err != nil {
		return fmt.Errorf("restore correlation state: %w", err)
	}
	if snap.Version != 1 {
		return fmt.Errorf("restore correlation state: unsupported version %d", snap.Version)
	}
	for ci, c := range s.e.corrs {
		s.groups[ci] = map[string]*group{}
		for k, g := range snap.Groups[c.r.Key()] {
			if g != nil {
				s.groups[ci][k] = g
			}
		}
	}
	return nil
}
