// Package engine evaluates compiled Sigma rules against a stream of events.
//
// [Compile] builds an [Engine] once from loaded rules: each detection rule is
// compiled, routed to the logsources it applies to, and indexed by the
// literal texts it needs (per field: q-gram tables for literals of 4+ bytes,
// a tiny Aho-Corasick automaton for shorter ones, a hash map for exact
// values; see index.go), so an event is evaluated only against the rules
// whose literals it contains.
// [Engine.Match] is that indexed path; [Engine.MatchPlain] evaluates every
// routed rule one by one and must return the same matches (a test checks
// this over the sample corpus).
//
// Correlation rules and their state live in a [Stream], which also applies
// the detection matches; its state is bounded and can be saved with
// [Stream.Snapshot] and restored with [Stream.Restore].
package engine

import (
	"fmt"
	"sync"

	"github.com/vigilsec/vigil/internal/sigma/compile"
	"github.com/vigilsec/vigil/internal/sigma/event"
	"github.com/vigilsec/vigil/internal/sigma/logsource"
	"github.com/vigilsec/vigil/internal/sigma/modifier"
	"github.com/vigilsec/vigil/internal/sigma/rule"
)

// Option configures [Compile].
type Option func(*config)

type config struct {
	table        *logsource.Table
	noRouting    bool
	placeholders modifier.Placeholders
	explain      bool
	maxGroups    int
	fields       FieldCoverage
}

// WithLogsources replaces the built-in logsource routing table.
func WithLogsources(t *logsource.Table) Option { return func(c *config) { c.table = t } }

// WithoutRouting disables logsource routing: every rule applies to every
// event, whatever its logsource. Rule tests with flat events use it.
func WithoutRouting() Option { return func(c *config) { c.noRouting = true } }

// WithPlaceholders supplies values for the expand modifier.
func WithPlaceholders(p modifier.Placeholders) Option {
	return func(c *config) { c.placeholders = p }
}

// WithExplain sets whether matches carry the matched searches and fields
// (default true). Turning it off saves a second evaluation per match.
func WithExplain(on bool) Option { return func(c *config) { c.explain = on } }

// WithMaxGroups caps the correlation groups a [Stream] keeps over all
// correlations (default 100000). At the cap, expired groups are dropped,
// then the least recently seen sixteenth; evictions are counted
// ([Stream.Stats]).
func WithMaxGroups(n int) Option { return func(c *config) { c.maxGroups = n } }

// Engine is a compiled rule set. It is immutable and safe for concurrent
// use; per-event scratch space is pooled.
type Engine struct {
	cfg     config
	rules   []*compiled
	buckets []*bucket // by route index; the last one is for rules with routing disabled
	fields  []*fieldIndex
	exact   []*exactIndex
	byLower map[string]fieldSlot // lower-case field name -> its indexes
	byID    []fieldSlot          // the same by interned id; sub = -2 for none
	fwords  int                  // words of a field bitset
	anyIdx  *fieldIndex          // keyword literals, scanned over every data field
	words   int                  // route mask words
	filters int
	corrs   []*correlation
	byKey   map[string][]int // rule key (id, name, title) -> correlations referencing it
	reads   *FieldSet        // the fields evaluation can read
	// routing is the routing table without the routes no loaded rule uses and that alias no field: an event's
	// routes there are the ones that can make a difference.
	routing *logsource.Table
	scratch sync.Pool
}

// compiled is one detection rule ready to run.
type compiled struct {
	idx        int
	r          *rule.Rule
	det        *compile.Detection
	routes     []*logsource.Route
	filters    []*compile.Detection
	suppressed bool
	mask       []uint64 // bit per route index (last bit: routing disabled)
	full       uint8    // all trigger-group bits of the rule
	tactics    []string
	techniques []string
}

// Compile compiles rules (detections, correlations and filters). Rules that
// fail to compile or whose logsource has no route are left out and reported
// as issues (code logsource_unsupported for the latter); the rest load.
func Compile(rules []*rule.Rule, opts ...Option) (*Engine, rule.Issues) {
	cfg := config{explain: true, maxGroups: 100000}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.table == nil {
		cfg.table = logsource.Default()
	}
	e := &Engine{cfg: cfg, byKey: map[string][]int{}}
	var issues rule.Issues
	var filters []*rule.Rule
	var corrs []*rule.Rule
	copts := compile.Options{Placeholders: cfg.placeholders}
	for _, r := range rules {
		switch r.Kind {
		case rule.KindFilter:
			filters = append(filters, r)
			continue
		case rule.KindCorrelation:
			corrs = append(corrs, r)
			continue
		}
		if r.Detection == nil {
			continue
		}
		c := &compiled{r: r}
		if !cfg.noRouting {
			routes, reason := cfg.table.For(r.Logsource)
			if len(routes) == 0 {
				issues = append(issues, &rule.Issue{Code: rule.CodeLogsourceUnsupported, Severity: rule.SeverityError,
					File: r.File, Line: r.Line, Doc: r.Doc, Field: "logsource", RuleID: r.ID, Message: reason})
				continue
			}
			c.routes = routes
			if cfg.fields != nil {
				if is := unmappedFields(r, routes, cfg.fields); len(is) > 0 {
					issues = append(issues, is...)
					continue
				}
			}
		}
		det, is := compile.Compile(r, r.Detection, copts)
		issues = append(issues, is...)
		if len(is.Errors()) > 0 {
			continue
		}
		c.det = det
		c.tactics, c.techniques = attack(r.Tags)
		c.idx = len(e.rules)
		e.rules = append(e.rules, c)
	}
	issues = append(issues, e.applyFilters(filters, copts)...)
	issues = append(issues, e.compileCorrelations(corrs)...)
	e.buildIndex()
	e.routing = cfg.table.Subset(func(r *logsource.Route) bool {
		return len(e.buckets[r.Index].all) > 0 || len(r.Aliases) > 0
	})
	e.buildReads()
	e.scratch.New = func() any {
		return &scratch{stamp: make([]uint32, len(e.rules)), gstamp: make([]uint32, len(e.rules)), fired: make([]uint8, len(e.rules)),
			fstamp: make([]uint32, len(e.fields)), xstamp: make([]uint32, len(e.exact)), mask: make([]uint64, e.words),
			fset: make([]uint64, e.fwords)}
	}
	issues.Sort()
	return e, issues
}

// Rules returns the loaded detection rules in evaluation order.
func (e *Engine) Rules() []*rule.Rule {
	out := make([]*rule.Rule, len(e.rules))
	for i, c := range e.rules {
		out[i] = c.r
	}
	return out
}

// Correlations returns the loaded correlation rules.
func (e *Engine) Correlations() []*rule.Rule {
	out := make([]*rule.Rule, len(e.corrs))
	for i, c := range e.corrs {
		out[i] = c.r
	}
	return out
}

func (e *Engine) applyFilters(filters []*rule.Rule, copts compile.Options) rule.Issues {
	var issues rule.Issues
	for _, f := range filters {
		if f.Filter == nil || f.Filter.Detection == nil {
			continue
		}
		det, is := compile.Compile(f, f.Filter.Detection, copts)
		issues = append(issues, is...)
		if len(is.Errors()) > 0 {
			continue
		}
		targets := map[string]bool{}
		for _, k := range f.Filter.Rules {
			targets[k] = true
		}
		applied := map[string]bool{}
		for _, c := range e.rules {
			if len(targets) > 0 {
				k := ""
				switch {
				case targets[c.r.ID]:
					k = c.r.ID
				case c.r.Name != "" && targets[c.r.Name]:
					k = c.r.Name
				default:
					continue
				}
				applied[k] = true
			}
			if !logsourceCovers(f.Logsource, c.r.Logsource) {
				continue
			}
			c.filters = append(c.filters, det)
			e.filters++
		}
		for _, k := range f.Filter.Rules {
			if !applied[k] {
				issues = append(issues, &rule.Issue{Code: rule.CodeFilterRef, Severity: rule.SeverityWarning, File: f.File,
					Line: f.Line, Field: "filter.rules", RuleID: f.ID, Message: fmt.Sprintf("no loaded rule %q", k)})
			}
		}
	}
	return issues
}

// logsourceCovers reports whether a filter's logsource applies to a rule's:
// every field the filter sets must equal the rule's.
func logsourceCovers(f, r rule.Logsource) bool {
	return (f.Product == "" || f.Product == r.Product) && (f.Category == "" || f.Category == r.Category) &&
		(f.Service == "" || f.Service == r.Service)
}

// Stats describes the compiled engine.
type Stats struct {
	Rules        int `json:"rules"`
	Correlations int `json:"correlations"`
	Filters      int `json:"filters_applied"`
	Indexed      int `json:"indexed_rule_routes"`
	Unindexed    int `json:"unindexed_rule_routes"`
	States       int `json:"automaton_states"`
	Bytes        int `json:"automaton_bytes"`
	ExactFields  int `json:"exact_fields"`
	Grams        int `json:"gram_slots"`
}

// Stats reports the size of the engine and its index.
func (e *Engine) Stats() Stats {
	s := Stats{Rules: len(e.rules), Correlations: len(e.corrs), Filters: e.filters}
	for _, b := range e.buckets {
		s.Indexed += len(b.all) - len(b.always)
		s.Unindexed += len(b.always)
	}
	s.ExactFields = len(e.exact)
	for _, f := range e.fields {
		if f.ac != nil {
			s.States += f.ac.states()
			s.Bytes += f.ac.tableBytes()
		}
		if f.grams != nil {
			s.Grams += len(f.grams.keys)
			s.Bytes += 9 * len(f.grams.keys)
		}
	}
	if f := e.anyIdx; f != nil && f.ac != nil {
		s.States += f.ac.states()
		s.Bytes += f.ac.tableBytes()
	}
	return s
}

// route resolves ev's routes into sc.routes and prepares the alias view.
func (e *Engine) route(ev event.Event, sc *scratch) event.Event {
	sc.routes = sc.routes[:0]
	if e.cfg.noRouting {
		return ev
	}
	sc.routes = e.routing.MatchCached(ev, sc.routes, &sc.lsCache)
	sc.view.ev, sc.view.routes = ev, sc.view.routes[:0]
	for _, r := range sc.routes {
		if len(r.Aliases) > 0 {
			sc.view.routes = append(sc.view.routes, r)
		}
	}
	if len(sc.view.routes) == 0 {
		return ev
	}
	return &sc.view
}

func (e *Engine) getScratch() *scratch {
	sc := e.scratch.Get().(*scratch)
	sc.gen++
	if sc.gen == 0 {
		clear(sc.stamp)
		clear(sc.gstamp)
		clear(sc.fstamp)
		clear(sc.xstamp)
		sc.gen = 1
	}
	return sc
}

// Match evaluates ev against the rules routed to it, using the literal index,
// and returns the matches in rule order. It does not run correlations; see
// [Stream]. Safe for concurrent use.
func (e *Engine) Match(ev event.Event) []Match {
	sc := e.getScratch()
	defer e.scratch.Put(sc)
	view := e.candidates(ev, sc)
	if len(sc.cands) == 0 {
		return nil
	}
	var out []Match
	for _, ri := range sc.cands {
		c := e.rules[ri]
		if c.match(view) {
			out = append(out, e.newMatch(c, ev, view))
		}
	}
	return out
}

// MatchPlain evaluates ev against every rule whose logsource routes to it,
// one by one, without the index. It returns the same matches as
// [Engine.Match] and exists as its reference.
func (e *Engine) MatchPlain(ev event.Event) []Match {
	sc := e.getScratch()
	defer e.scratch.Put(sc)
	view := e.route(ev, sc)
	var out []Match
	for _, c := range e.rules {
		if !e.cfg.noRouting && !routed(c, sc.routes) {
			continue
		}
		if c.match(view) {
			out = append(out, e.newMatch(c, ev, view))
		}
	}
	return out
}

func routed(c *compiled, routes []*logsource.Route) bool {
	for _, a := range c.routes {
		for _, b := range routes {
			if a == b {
				return true
			}
		}
	}
	return false
}

func (c *compiled) match(ev event.Event) bool {
	if !c.det.Match(ev) {
		return false
	}
	for _, f := range c.filters {
		if !f.Match(ev) {
			return false
		}
	}
	return true
}

// aliasView presents an event with route field aliases applied: a Sigma
// field missing from the event is read from its alias.
type aliasView struct {
	ev     event.Event
	routes []*logsource.Route // routes with aliases
}

var (
	_ event.IDer   = (*aliasView)(nil)
	_ event.Folder = (*aliasView)(nil)
	_ event.Ranger = (*aliasView)(nil)
)

func (v *aliasView) Field(name string) (any, bool) {
	if x, ok := v.ev.Field(name); ok {
		return x, true
	}
	id := event.NewName(name).ID
	for _, r := range v.routes {
		if alt, ok := r.Alias(id); ok {
			return event.Get(v.ev, alt)
		}
	}
	return nil, false
}

func (v *aliasView) FieldID(id int32) (any, bool) {
	lower := ""
	if _, ok := v.ev.(event.IDer); !ok {
		lower = event.NameOf(id)
	}
	if x, ok := event.Get(v.ev, event.Name{Name: lower, Lower: lower, ID: id}); ok {
		return x, true
	}
	for _, r := range v.routes {
		if alt, ok := r.Alias(id); ok {
			return event.Get(v.ev, alt)
		}
	}
	return nil, false
}

func (v *aliasView) FieldFold(lower string) (any, bool) {
	return v.FieldID(event.Intern(lower))
}

func (v *aliasView) Range(fn func(string, any) bool) {
	if r, ok := v.ev.(event.Ranger); ok {
		r.Range(fn)
	}
}
