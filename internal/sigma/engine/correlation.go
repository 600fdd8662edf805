package engine

import (
	"encoding/json"
	"fmt"
	"slices"
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
//
// The state is bounded: each group expires with its correlation's timespan,
// and the groups of all correlations together are capped (WithMaxGroups);
// at the cap the least recently seen groups are evicted and counted.
// Every change to a group is remembered until [Stream.ClearChanges], so a
// caller can persist exactly what a batch of events changed ([Stream.Changes])
// together with the alerts it produced.
type Stream struct {
	e        *Engine
	groups   []map[string]*group // per correlation
	clock    func() time.Time
	last     time.Time
	n        int
	total    int
	dirty    map[groupRef]struct{}
	evidence func(*Match) Evidence
	counters StreamStats
	prof     *profile
}

type groupRef struct {
	ci  int
	key string
}

// StreamStats counts what happened to correlation state.
type StreamStats struct {
	// Groups is the number of live groups over all correlations.
	Groups int `json:"groups"`
	// Evicted counts groups dropped at the cap before their window ended.
	Evicted int64 `json:"evicted"`
	// Expired counts groups dropped because their window passed.
	Expired int64 `json:"expired"`
}

// Evidence is what a correlation group keeps of one base-rule match: the
// caller's reference for it (an alert id) and its entities.
type Evidence struct {
	Time     int64       `json:"t"`
	Rule     string      `json:"rule"`
	Ref      string      `json:"ref,omitempty"`
	Entities []EntityRef `json:"entities,omitempty"`
}

// EntityRef is an entity of a base-rule match (account, host, ip, ...).
type EntityRef struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// Evidence caps per group: overall, and per referenced rule.
const (
	maxEvidence        = 32
	maxEvidencePerRule = 8
)

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
	// Evidence holds the latest base-rule matches that fed the group.
	Evidence []Evidence `json:"evidence,omitempty"`
}

// NewStream returns a stream with empty correlation state.
func (e *Engine) NewStream() *Stream {
	s := &Stream{e: e, clock: time.Now, dirty: map[groupRef]struct{}{}}
	s.groups = make([]map[string]*group, len(e.corrs))
	for i := range s.groups {
		s.groups[i] = map[string]*group{}
	}
	s.prof = newProfile(len(e.rules), len(e.corrs))
	return s
}

// SetClock sets the time source used for events without a timestamp.
func (s *Stream) SetClock(now func() time.Time) { s.clock = now }

// SetEvidence sets how a base-rule match is remembered by the correlation
// groups it feeds (its alert id and entities); correlation matches carry the
// evidence of their group in CorrelationResult.Evidence. Without it groups
// keep only the rule and time of each match.
func (s *Stream) SetEvidence(fn func(*Match) Evidence) { s.evidence = fn }

// Process evaluates ev: it returns the detection matches (except rules only
// used by correlations, unless generate is set) followed by any correlation
// matches the event completes.
func (s *Stream) Process(ev event.Event) []Match {
	ms := s.e.matchProfiled(ev, s.prof)
	ts := s.timeOf(ev)
	for _, m := range ms {
		if m.comp != nil {
			s.prof.hit(m.comp.idx, ts)
		}
	}
	if len(s.e.corrs) == 0 {
		return ms
	}
	out := ms[:0:0]
	var fired []Match
	for i := range ms {
		m := &ms[i]
		if m.comp == nil || !m.comp.suppressed {
			out = append(out, *m)
		}
		if len(s.e.byKey) == 0 {
			continue
		}
		evd := Evidence{Rule: m.rule.Key()}
		if s.evidence != nil {
			evd = s.evidence(m)
			evd.Rule = m.rule.Key()
		}
		evd.Time = ts.UnixNano()
		fired = append(fired, s.feed(m.rule, ev, ts, evd, 0)...)
	}
	s.n++
	if s.n%1024 == 0 {
		s.expire(ts)
	}
	return append(out, fired...)
}

func (s *Stream) timeOf(ev event.Event) time.Time {
	if t, ok := ev.(event.Timed); ok && !t.Time().IsZero() {
		if t.Time().After(s.last) {
			s.last = t.Time()
		}
		return t.Time()
	}
	return s.clock()
}

// Last returns the latest event time seen (zero before the first timed event).
func (s *Stream) Last() time.Time { return s.last }

// feed passes one match of rule r to the correlations referencing it.
func (s *Stream) feed(r *rule.Rule, ev event.Event, ts time.Time, evd Evidence, depth int) []Match {
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
			if m, ok := s.step(c, k, ev, ts, evd); ok {
				s.prof.corrHit(ci, ts)
				if !c.suppressed {
					out = append(out, m)
				}
				out = append(out, s.feed(c.r, ev, ts, evd, depth+1)...)
			}
		}
	}
	return out
}

// touch marks a group changed.
func (s *Stream) touch(ci int, key string) { s.dirty[groupRef{ci, key}] = struct{}{} }

// drop removes a group.
func (s *Stream) drop(ci int, key string) {
	if _, ok := s.groups[ci][key]; !ok {
		return
	}
	delete(s.groups[ci], key)
	s.total--
	s.touch(ci, key)
}

func (s *Stream) result(c *correlation, g *group, ev event.Event, ts time.Time, n, start int64) Match {
	return Match{RuleID: c.r.ID, Title: c.r.Title, Kind: rule.KindCorrelation, Level: c.r.Level, Status: c.r.Status,
		Author: c.r.Author, File: c.r.File, Tags: c.r.Tags, Tactics: c.tactics, Techniques: c.techniques,
		Event: ev, Time: ts, rule: c.r,
		Correlation: &CorrelationResult{Type: c.c.Type, GroupBy: g.GroupBy, Count: n, Rules: c.refs,
			Start: time.Unix(0, start).UTC(), End: ts.UTC(), Evidence: slices.Clone(g.Evidence)}}
}

// step updates correlation c with a match of a rule referenced as key and
// reports whether the correlation fires.
func (s *Stream) step(c *correlation, key string, ev event.Event, ts time.Time, evd Evidence) (Match, bool) {
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
	now := ts.UnixNano()
	win := c.window.Nanoseconds()
	cond := c.c.Condition
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
	g := groups[gk]
	if g == nil {
		if s.total >= s.e.cfg.maxGroups {
			s.makeRoom(ts)
		}
		g = &group{GroupBy: gb}
		groups[gk] = g
		s.total++
	}
	s.touch(c.idx, gk)
	g.Last = max(g.Last, now)
	switch c.c.Type {
	case "event_count", "value_count":
		if cond.UpperBounded() {
			// Tumbling window: decided when it closes.
			var m Match
			fired := false
			if g.Start != 0 && now-g.Start >= win {
				if n := g.count(c.c.Type); cond.Holds(n) {
					m, fired = s.result(c, g, ev, ts, n, g.Start), true
				}
				g.Times, g.Values, g.Evidence, g.Start = nil, nil, nil, 0
			}
			if g.Start == 0 {
				g.Start = now
			}
			g.add(now, val, c.c.Type)
			g.addEvidence(evd, 0)
			return m, fired
		}
		g.add(now, val, c.c.Type)
		g.trim(now - win)
		g.addEvidence(evd, now-win)
		if n := g.count(c.c.Type); cond.Holds(n) {
			m := s.result(c, g, ev, ts, n, g.Times[0])
			s.drop(c.idx, gk)
			return m, true
		}
	case "temporal", "temporal_ordered":
		if len(g.Seen) != len(c.refs) {
			g.Seen = make([]int64, len(c.refs))
		}
		pos := slices.Index(c.refs, key)
		if pos < 0 {
			return Match{}, false
		}
		g.addEvidence(evd, now-win)
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
				m := s.result(c, g, ev, ts, n, start)
				s.drop(c.idx, gk)
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
				m := s.result(c, g, ev, ts, n, last)
				s.drop(c.idx, gk)
				return m, true
			}
		}
	}
	return Match{}, false
}

// valid checks a restored group against its correlation, so corrupt state
// is refused rather than misread.
func (g *group) valid(c *correlation) error {
	if len(g.Times) > maxTimes {
		return fmt.Errorf("%d event times, more than %d", len(g.Times), maxTimes)
	}
	if !slices.IsSorted(g.Times) {
		return fmt.Errorf("event times out of order")
	}
	if len(g.Values) != 0 && (c.c.Type != "value_count" || len(g.Values) != len(g.Times)) {
		return fmt.Errorf("%d values for %d event times", len(g.Values), len(g.Times))
	}
	if c.c.Type == "value_count" && len(g.Values) != len(g.Times) {
		return fmt.Errorf("%d values for %d event times", len(g.Values), len(g.Times))
	}
	if len(g.Seen) != 0 && len(g.Seen) != len(c.refs) {
		return fmt.Errorf("%d rules seen, the correlation has %d", len(g.Seen), len(c.refs))
	}
	if len(g.Evidence) > maxEvidence {
		return fmt.Errorf("%d evidence entries, more than %d", len(g.Evidence), maxEvidence)
	}
	return nil
}

// maxTimes caps the events kept per group.
const maxTimes = 1 << 14

// add records an event at now, keeping Times sorted (a redelivered batch can
// bring an older event after newer ones).
func (g *group) add(now int64, val, typ string) {
	i := sort.Search(len(g.Times), func(i int) bool { return g.Times[i] > now })
	g.Times = slices.Insert(g.Times, i, now)
	if typ == "value_count" {
		g.Values = slices.Insert(g.Values, i, val)
	}
	if len(g.Times) > maxTimes {
		g.Times = g.Times[1:]
		if len(g.Values) > 0 {
			g.Values = g.Values[1:]
		}
	}
}

// addEvidence keeps e, dropping evidence older than cutoff (0: none) and the
// oldest beyond the caps.
func (g *group) addEvidence(e Evidence, cutoff int64) {
	if cutoff != 0 {
		g.Evidence = slices.DeleteFunc(g.Evidence, func(x Evidence) bool { return x.Time <= cutoff })
	}
	same := 0
	for _, x := range g.Evidence {
		if x.Rule == e.Rule {
			same++
		}
	}
	if same >= maxEvidencePerRule {
		i := slices.IndexFunc(g.Evidence, func(x Evidence) bool { return x.Rule == e.Rule })
		g.Evidence = slices.Delete(g.Evidence, i, i+1)
	}
	if len(g.Evidence) >= maxEvidence {
		g.Evidence = slices.Delete(g.Evidence, 0, 1)
	}
	g.Evidence = append(g.Evidence, e)
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

// makeRoom is called at the group cap: it drops expired groups, then, if
// still at the cap, the least recently seen sixteenth of all groups.
func (s *Stream) makeRoom(now time.Time) {
	s.expire(now)
	if s.total < s.e.cfg.maxGroups {
		return
	}
	type lru struct {
		ci   int
		k    string
		last int64
	}
	all := make([]lru, 0, s.total)
	for ci, gs := range s.groups {
		for k, g := range gs {
			all = append(all, lru{ci, k, g.Last})
		}
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].last != all[j].last {
			return all[i].last < all[j].last
		}
		if all[i].ci != all[j].ci {
			return all[i].ci < all[j].ci
		}
		return all[i].k < all[j].k
	})
	n := max(1, s.e.cfg.maxGroups/16, len(all)-s.e.cfg.maxGroups+1)
	for _, x := range all[:min(n, len(all))] {
		s.drop(x.ci, x.k)
		s.counters.Evicted++
	}
}

// expire drops every sliding-window group whose window has passed.
// Tumbling windows (upper-bounded conditions) are closed by [Stream.Flush].
func (s *Stream) expire(now time.Time) {
	for ci := range s.groups {
		c := s.e.corrs[ci]
		if c.c.Condition.UpperBounded() && (c.c.Type == "event_count" || c.c.Type == "value_count") {
			continue
		}
		win := c.window.Nanoseconds()
		for k, g := range s.groups[ci] {
			if now.UnixNano()-g.Last > win {
				s.drop(ci, k)
				s.counters.Expired++
			}
		}
	}
}

// Flush closes the tumbling windows (lt/lte/eq conditions) that ended
// before now and returns the correlation matches they produce, and drops
// expired sliding-window groups. Call it periodically, and at the end of a
// finite stream.
func (s *Stream) Flush(now time.Time) []Match {
	var out []Match
	s.expire(now)
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
			if n := g.count(c.c.Type); cond.Holds(n) {
				s.prof.corrHit(ci, now)
				if !c.suppressed {
					m := s.result(c, g, nil, now, n, g.Start)
					out = append(out, m)
				}
			}
			s.drop(ci, k)
			s.counters.Expired++
		}
	}
	return out
}

// GroupCount returns the number of live correlation groups.
func (s *Stream) GroupCount() int { return s.total }

// Stats returns the state counters.
func (s *Stream) Stats() StreamStats {
	st := s.counters
	st.Groups = s.total
	return st
}

// GroupChange is one correlation group changed since the last
// [Stream.ClearChanges]: its new state, or Data nil when it was removed.
type GroupChange struct {
	Rule string // the correlation rule's key
	Key  string // the group key (group-by values joined by U+001F)
	Data []byte // JSON; nil: the group is gone
	Last time.Time
}

// Changes returns the groups changed since the last [Stream.ClearChanges],
// sorted by rule and key.
func (s *Stream) Changes() ([]GroupChange, error) {
	out := make([]GroupChange, 0, len(s.dirty))
	for ref := range s.dirty {
		ch := GroupChange{Rule: s.e.corrs[ref.ci].r.Key(), Key: ref.key}
		if g, ok := s.groups[ref.ci][ref.key]; ok {
			b, err := json.Marshal(g)
			if err != nil {
				return nil, fmt.Errorf("encode correlation group: %w", err)
			}
			ch.Data, ch.Last = b, time.Unix(0, g.Last).UTC()
		}
		out = append(out, ch)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Rule != out[j].Rule {
			return out[i].Rule < out[j].Rule
		}
		return out[i].Key < out[j].Key
	})
	return out, nil
}

// Reset drops all correlation state and recorded changes, keeping the
// counters; load the persisted groups again with [Stream.LoadGroup].
func (s *Stream) Reset() {
	for ci := range s.groups {
		s.groups[ci] = map[string]*group{}
	}
	s.total = 0
	clear(s.dirty)
}

// ClearChanges forgets the recorded changes (after they were persisted).
func (s *Stream) ClearChanges() { clear(s.dirty) }

// LoadGroup restores one persisted group (from [Stream.Changes]). It
// reports false, without error, for a correlation no longer loaded.
func (s *Stream) LoadGroup(ruleKey, key string, data []byte) (bool, error) {
	for ci, c := range s.e.corrs {
		if c.r.Key() != ruleKey {
			continue
		}
		var g group
		if err := json.Unmarshal(data, &g); err != nil {
			return false, fmt.Errorf("restore correlation group %s/%q: %w", ruleKey, key, err)
		}
		if err := g.valid(c); err != nil {
			return false, fmt.Errorf("restore correlation group %s/%q: %w", ruleKey, key, err)
		}
		if _, ok := s.groups[ci][key]; !ok {
			s.total++
		}
		s.groups[ci][key] = &g
		return true, nil
	}
	return false, nil
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
	s.total = 0
	for ci, c := range s.e.corrs {
		s.groups[ci] = map[string]*group{}
		for k, g := range snap.Groups[c.r.Key()] {
			if g == nil {
				continue
			}
			if err := g.valid(c); err != nil {
				return fmt.Errorf("restore correlation group %s/%q: %w", c.r.Key(), k, err)
			}
			s.groups[ci][k] = g
			s.total++
		}
	}
	return nil
}
