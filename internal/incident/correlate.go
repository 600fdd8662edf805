package incident

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/vigilsec/vigil/internal/state"
)

// Config tunes the correlator.
type Config struct {
	// SizeCap is the most alerts an incident takes from the correlator (analysts may merge beyond it).
	SizeCap int
	// Lookback is how far apart in activity time an alert and an incident's alert may be to be grouped, for rules
	// that set no lookback of their own.
	Lookback time.Duration
	// PrevalenceWindow is the window over which an entity's prevalence is measured.
	PrevalenceWindow time.Duration
	// SpreadLimit is how many distinct hosts or accounts (or incidents) an entity may be seen with before its
	// weight is scaled down by SpreadLimit/spread.
	SpreadLimit int
	// Threshold is the total weight of shared entities that joins an alert to an incident.
	Threshold float64
	// BatchSize is how many pending alerts are read at a time.
	BatchSize int
	// Interval is how often the correlator looks for pending alerts without being woken.
	Interval time.Duration
}

// DefaultConfig returns the defaults: incidents of at most 150 alerts, a 24h lookback, prevalence over 7 days.
func DefaultConfig() Config {
	return Config{SizeCap: 150, Lookback: 24 * time.Hour, PrevalenceWindow: 7 * 24 * time.Hour, SpreadLimit: 3,
		Threshold: 1.0, BatchSize: 500, Interval: 5 * time.Second}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.SizeCap <= 0 {
		c.SizeCap = d.SizeCap
	}
	if c.Lookback <= 0 {
		c.Lookback = d.Lookback
	}
	if c.PrevalenceWindow <= 0 {
		c.PrevalenceWindow = d.PrevalenceWindow
	}
	if c.SpreadLimit <= 0 {
		c.SpreadLimit = d.SpreadLimit
	}
	if c.Threshold <= 0 {
		c.Threshold = d.Threshold
	}
	if c.BatchSize <= 0 {
		c.BatchSize = d.BatchSize
	}
	if c.Interval <= 0 {
		c.Interval = d.Interval
	}
	return c
}

// Store is what the correlator needs of the state store.
type Store interface {
	IndexAlerts(ctx context.Context, alerts []state.Alert, keys [][]state.EntityKey) error
	PendingAlerts(ctx context.Context, limit int) ([]state.Alert, error)
	EntityHits(ctx context.Context, keys []string, since, until time.Time) ([]state.EntityHit, error)
	RuleAlerts(ctx context.Context, ruleID string, since, until time.Time, limit int) ([]state.Alert, error)
	EntityPrevalence(ctx context.Context, keys []string, since, until time.Time) (map[string]state.Prevalence, error)
	IncidentBrief(ctx context.Context, id string) (status string, alerts int, err error)
	PlaceAlert(ctx context.Context, a state.Alert, keys []state.EntityKey, p state.Placement) (state.Incident, error)
	MergeIncidents(ctx context.Context, target string, sources []string, actor string, at time.Time) (state.Incident, error)
}

// Actor is the name the correlator's own grouping operations are recorded under.
const Actor = "correlator"

// Correlator places each alert that has no incident yet: into the open incident it shares strong entities with,
// or a new one. It works from the state store alone (alerts without a decision, in detection order), so it can
// stop at any point and resume after a restart without losing or repeating a decision. It is safe for one
// goroutine to Run while others call Notify.
type Correlator struct {
	store Store
	cfg   Config
	log   *slog.Logger
	wake  chan struct{}
	// Changed, if set, is called after alerts were placed (to wake the SecurityIncident publisher).
	Changed func()
	now     func() time.Time
	// prev caches prevalence measurements during one Drain, by key and hour of activity: an entity's spread
	// over days barely moves within an hour, and a busy entity is expensive to measure.
	prev map[prevKey]state.Prevalence
	// mu makes Drain exclusive: the server's loop and an explicit caller (a test, a command) never interleave.
	mu sync.Mutex
}

type prevKey struct {
	key  string
	hour int64
}

// NewCorrelator returns a correlator over store.
func NewCorrelator(store Store, cfg Config, log *slog.Logger) *Correlator {
	if log == nil {
		log = slog.Default()
	}
	return &Correlator{store: store, cfg: cfg.withDefaults(), log: log, wake: make(chan struct{}, 1), now: time.Now}
}

// Notify wakes the correlator (new alerts were recorded). It never blocks.
func (c *Correlator) Notify() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// Run places pending alerts whenever woken and every Interval, until ctx ends.
func (c *Correlator) Run(ctx context.Context) {
	t := time.NewTicker(c.cfg.Interval)
	defer t.Stop()
	for {
		if _, err := c.Drain(ctx); err != nil && ctx.Err() == nil {
			c.log.Error("correlation failed; retrying", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-c.wake:
		case <-t.C:
		}
	}
}

// Drain places every pending alert and returns how many it decided.
func (c *Correlator) Drain(ctx context.Context) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	done := 0
	c.prev = map[prevKey]state.Prevalence{}
	defer func() { c.prev = nil }()
	defer func() {
		if done > 0 && c.Changed != nil {
			c.Changed()
		}
	}()
	for {
		pending, err := c.store.PendingAlerts(ctx, c.cfg.BatchSize)
		if err != nil {
			return done, err
		}
		if len(pending) == 0 {
			return done, nil
		}
		keys := make([][]state.EntityKey, len(pending))
		for i, a := range pending {
			keys[i] = Keys(a.Entities)
		}
		// Index the whole batch first so prevalence sees every alert recorded so far, not only the placed ones.
		if err := c.store.IndexAlerts(ctx, pending, keys); err != nil {
			return done, err
		}
		for i, a := range pending {
			p, err := c.Decide(ctx, a, keys[i])
			if err != nil {
				return done, fmt.Errorf("correlate alert %s: %w", a.ID, err)
			}
			in, err := c.store.PlaceAlert(ctx, a, keys[i], p)
			if err != nil {
				return done, fmt.Errorf("place alert %s: %w", a.ID, err)
			}
			// An alert that links open incidents merges them (after it is placed: a crash in between leaves them
			// apart, which loses no alert and which an analyst can still merge by hand).
			if len(p.Bridged) > 0 && in.ID != "" {
				if _, err := c.store.MergeIncidents(ctx, in.ID, p.Bridged, Actor, p.At); err != nil {
					c.log.Warn("merging incidents linked by an alert failed", "alert", a.ID, "target", in.ID, "sources", p.Bridged, "err", err)
				}
			}
			done++
		}
	}
}

// weighted is an entity key with its weight after prevalence.
type weighted struct {
	key    state.EntityKey
	weight float64
	note   string // why the weight is reduced, if it is
}

// Decide returns where alert a goes, and why. It changes nothing.
func (c *Correlator) Decide(ctx context.Context, a state.Alert, keys []state.EntityKey) (state.Placement, error) {
	at := a.ActivityTime()
	p := state.Placement{SizeCap: c.cfg.SizeCap, At: c.now().UTC()}
	g := a.Grouping
	lookback := c.cfg.Lookback
	if g != nil && g.Lookback > 0 {
		lookback = g.Lookback
	}
	if g != nil {
		p.Reopen = g.ReopenClosed
		if !g.Enabled {
			if !g.CreateIncident {
				p.NoIncident = true
				p.Reason = fmt.Sprintf("no incident: rule %q creates no incidents and does not group its alerts", a.RuleTitle)
				return p, nil
			}
			p.Reason = fmt.Sprintf("new incident: rule %q does not group alerts, so each alert has its own incident", a.RuleTitle)
			return p, nil
		}
		ok, err := c.byRule(ctx, a, keys, at, lookback, &p)
		if err != nil || ok {
			return p, err
		}
	}
	ws, err := c.weigh(ctx, keys, at)
	if err != nil {
		return p, err
	}
	ok, below, err := c.byEntities(ctx, a, ws, at, lookback, &p)
	if err != nil || ok {
		return p, err
	}
	if g != nil && !g.CreateIncident {
		p.NoIncident = true
		p.Reason = fmt.Sprintf("no incident: rule %q creates no incidents and no open incident matched", a.RuleTitle)
		return p, nil
	}
	p.Reason = fmt.Sprintf("new incident: no open incident shares a strong entity within %s", lookback)
	if below != "" {
		p.Reason = "new incident: " + below
	}
	return p, nil
}

// weigh returns the weight of each key after down-weighting by prevalence.
func (c *Correlator) weigh(ctx context.Context, keys []state.EntityKey, at time.Time) ([]weighted, error) {
	hour := at.Unix() / 3600
	end := time.Unix((hour+1)*3600, 0).UTC() // measured up to the end of the hour, so the cache holds for it
	var names []string
	prev := map[string]state.Prevalence{}
	for _, k := range keys {
		if p, ok := c.prev[prevKey{k.Key, hour}]; ok && c.prev != nil {
			prev[k.Key] = p
		} else {
			names = append(names, k.Key)
		}
	}
	if len(names) > 0 {
		got, err := c.store.EntityPrevalence(ctx, names, end.Add(-c.cfg.PrevalenceWindow), end)
		if err != nil {
			return nil, err
		}
		for k, p := range got {
			prev[k] = p
			if c.prev != nil {
				c.prev[prevKey{k, hour}] = p
			}
		}
	}
	out := make([]weighted, 0, len(keys))
	limit := float64(c.cfg.SpreadLimit)
	for _, k := range keys {
		w := weighted{key: k, weight: weightOf(k.Type)}
		pv := prev[k.Key]
		spread, what := pv.Hosts, "hosts"
		switch k.Type {
		case "host":
			spread, what = pv.Accounts+pv.Hosts, "accounts and hosts"
		case "ip":
			spread, what = pv.Hosts, "hosts"
		}
		factor := 1.0
		if s := float64(spread); s > limit {
			factor = limit / s
			w.note = fmt.Sprintf("seen with %d %s", spread, what)
		}
		if s := float64(pv.Incidents); s > limit && limit/s < factor {
			factor = limit / s
			w.note = fmt.Sprintf("seen in %d incidents", pv.Incidents)
		}
		w.weight *= factor
		out = append(out, w)
	}
	return out, nil
}

// candidate is an incident the new alert shares entities with.
type candidate struct {
	id      string
	number  int64
	status  string
	alerts  int
	shared  map[string]weighted // key → weight
	byAlert map[string][]string // alert id → shared keys
	titles  map[string]string   // alert id → rule title
	latest  time.Time
	score   float64
}

// minUseful is the weight below which an entity is not looked up at all (it is everywhere).
const minUseful = 0.02

func (c *Correlator) byEntities(ctx context.Context, a state.Alert, ws []weighted, at time.Time, lookback time.Duration, p *state.Placement) (bool, string, error) {
	byKey := map[string]weighted{}
	var lookup []string
	for _, w := range ws {
		if w.weight >= minUseful {
			byKey[w.key.Key] = w
			lookup = append(lookup, w.key.Key)
		}
	}
	if len(lookup) == 0 {
		return false, "", nil
	}
	hits, err := c.store.EntityHits(ctx, lookup, at.Add(-lookback), at.Add(lookback))
	if err != nil {
		return false, "", err
	}
	// Repeats of one detection on other hosts are not linked through a shared account, IP or file: the same rule
	// firing with the same service account on many machines is automation, not one intrusion. Grouping repeats is
	// the rule's own grouping configuration's job; entity correlation links different detections, and repeats on
	// the same host.
	sameHost := map[string]bool{}
	for _, h := range hits {
		if h.RuleID == a.RuleID && strings.HasPrefix(h.Key, "host:") {
			sameHost[h.AlertID] = true
		}
	}
	cands := map[string]*candidate{}
	for _, h := range hits {
		if h.AlertID == a.ID || (h.RuleID == a.RuleID && !sameHost[h.AlertID]) {
			continue
		}
		cd := cands[h.IncidentID]
		if cd == nil {
			cd = &candidate{id: h.IncidentID, number: h.IncidentNumber, status: h.IncidentStatus, alerts: h.IncidentAlerts,
				shared: map[string]weighted{}, byAlert: map[string][]string{}, titles: map[string]string{}}
			cands[h.IncidentID] = cd
		}
		cd.shared[h.Key] = byKey[h.Key]
		if !slices.Contains(cd.byAlert[h.AlertID], h.Key) {
			cd.byAlert[h.AlertID] = append(cd.byAlert[h.AlertID], h.Key)
		}
		cd.titles[h.AlertID] = h.RuleTitle
		if h.At.After(cd.latest) {
			cd.latest = h.At
		}
	}
	var list []*candidate
	var below string
	var belowScore float64
	for _, cd := range cands {
		for _, w := range cd.shared {
			cd.score += w.weight
		}
		switch {
		case cd.status == state.IncidentResolved && !p.Reopen:
			continue
		case cd.alerts >= c.cfg.SizeCap:
			continue
		case cd.score+1e-9 < c.cfg.Threshold:
			if cd.score > belowScore {
				belowScore = cd.score
				below = fmt.Sprintf("shares only %s with incident #%d, weight %.2f below the threshold %.2f",
					describe(sortedShared(cd.shared)), cd.number, cd.score, c.cfg.Threshold)
			}
			continue
		}
		list = append(list, cd)
	}
	if len(list) == 0 {
		return false, below, nil
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].score != list[j].score {
			return list[i].score > list[j].score
		}
		if !list[i].latest.Equal(list[j].latest) {
			return list[i].latest.After(list[j].latest)
		}
		return list[i].number < list[j].number
	})
	best := list[0]
	// The alert of the incident that shares the most with the new one names the match.
	var matched string
	var matchedScore float64
	for id, ks := range best.byAlert {
		s := 0.0
		for _, k := range ks {
			s += byKey[k].weight
		}
		if s > matchedScore || (s == matchedScore && id < matched) {
			matched, matchedScore = id, s
		}
	}
	shared := sortedShared(best.shared)
	p.IncidentID, p.MatchedAlert, p.Score = best.id, matched, best.score
	for _, w := range shared {
		p.Shared = append(p.Shared, state.SharedEntity{Type: w.key.Type, Value: w.key.Value, Weight: round2(w.weight)})
	}
	var alertShared []weighted
	for _, k := range best.byAlert[matched] {
		alertShared = append(alertShared, byKey[k])
	}
	sort.Slice(alertShared, func(i, j int) bool { return alertShared[i].key.Key < alertShared[j].key.Key })
	p.Reason = fmt.Sprintf("shares %s with alert %q (%s) of incident #%d", describe(alertShared), best.titles[matched],
		matched, best.number)
	if len(shared) > len(alertShared) {
		p.Reason += fmt.Sprintf("; with the incident as a whole %s", describe(shared))
	}
	p.Reason += fmt.Sprintf(" (weight %.2f)", best.score)
	if best.status == state.IncidentResolved {
		p.Reason += "; the rule reopens resolved incidents"
	}
	// The alert also links the other open incidents it shares enough with: they are one attack seen from two
	// sides (the lateral movement from a compromised workstation to a server, say), so they are merged into the
	// best match, as long as the result stays under the size cap.
	size := best.alerts + 1
	for _, cd := range list[1:] {
		if cd.status == state.IncidentResolved || size+cd.alerts > c.cfg.SizeCap {
			continue
		}
		size += cd.alerts
		p.Bridged = append(p.Bridged, cd.id)
		p.Reason += fmt.Sprintf("; it also shares %s with incident #%d (weight %.2f), which is merged into #%d",
			describe(sortedShared(cd.shared)), cd.number, cd.score, best.number)
	}
	return true, "", nil
}

func sortedShared(m map[string]weighted) []weighted {
	out := make([]weighted, 0, len(m))
	for _, w := range m {
		out = append(out, w)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].weight != out[j].weight {
			return out[i].weight > out[j].weight
		}
		return out[i].key.Key < out[j].key.Key
	})
	return out
}

// describe renders shared entities: "host ws-042 and account alice", noting down-weighted ones.
func describe(ws []weighted) string {
	parts := make([]string, 0, len(ws))
	for _, w := range ws {
		s := w.key.Type + " " + w.key.Value
		if w.note != "" {
			s += fmt.Sprintf(" (%s, weight %.2f)", w.note, w.weight)
		}
		parts = append(parts, s)
	}
	switch len(parts) {
	case 0:
		return "nothing"
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

func round2(f float64) float64 { return float64(int(f*100+0.5)) / 100 }

// byRule applies a rule's own grouping (Sentinel's groupingConfiguration): alerts of the same rule within the
// lookback that match by the rule's method share an incident.
func (c *Correlator) byRule(ctx context.Context, a state.Alert, keys []state.EntityKey, at time.Time, lookback time.Duration, p *state.Placement) (bool, error) {
	g := a.Grouping
	prior, err := c.store.RuleAlerts(ctx, a.RuleID, at.Add(-lookback), at.Add(lookback), 500)
	if err != nil {
		return false, err
	}
	method := g.Method
	if method == "" {
		method = "AllEntities"
	}
	for _, o := range prior {
		if o.ID == a.ID || o.IncidentID == "" {
			continue
		}
		why, ok := ruleMatch(method, g, a, keys, o)
		if !ok {
			continue
		}
		status, n, err := c.store.IncidentBrief(ctx, o.IncidentID)
		if errors.Is(err, state.ErrNotFound) {
			continue
		}
		if err != nil {
			return false, err
		}
		if (status == state.IncidentResolved && !g.ReopenClosed) || n >= c.cfg.SizeCap {
			continue
		}
		p.IncidentID, p.MatchedAlert, p.Score = o.IncidentID, o.ID, 1
		p.Reason = fmt.Sprintf("rule %q groups its alerts by %s: %s as alert %s within %s", a.RuleTitle, method, why, o.ID, lookback)
		if status == state.IncidentResolved {
			p.Reason += "; the rule reopens resolved incidents"
		}
		return true, nil
	}
	return false, nil
}

// ruleMatch reports whether alert a groups with the earlier alert o of the same rule, and in what they agree.
func ruleMatch(method string, g *state.Grouping, a state.Alert, keys []state.EntityKey, o state.Alert) (string, bool) {
	switch strings.ToLower(method) {
	case "anyalert":
		return "any alert of the rule", true
	case "allentities":
		if !sameKeys(keys, Keys(o.Entities)) {
			return "", false
		}
		return "the same entities (" + joinKeys(keys) + ")", true
	case "selected":
		var agreed []string
		ok := Keys(o.Entities)
		for _, t := range g.EntityTypes {
			typ := NormType(t)
			av, ov := ofType(keys, typ), ofType(ok, typ)
			if len(av) == 0 || !slices.Equal(av, ov) {
				return "", false
			}
			agreed = append(agreed, typ+" "+strings.Join(av, ", "))
		}
		for _, d := range g.AlertDetails {
			switch strings.ToLower(d) {
			case "displayname":
				if a.RuleTitle != o.RuleTitle {
					return "", false
				}
				agreed = append(agreed, "display name")
			case "severity":
				if a.Severity != o.Severity {
					return "", false
				}
				agreed = append(agreed, "severity "+a.Severity)
			}
		}
		for _, name := range g.CustomDetails {
			av, ov := sortedCopy(a.CustomDetails[name]), sortedCopy(o.CustomDetails[name])
			if !slices.Equal(av, ov) {
				return "", false
			}
			agreed = append(agreed, name+" "+strings.Join(av, ", "))
		}
		if len(agreed) == 0 {
			return "", false
		}
		return "the same " + strings.Join(agreed, "; "), true
	}
	return "", false
}

func sameKeys(a, b []state.EntityKey) bool {
	if len(a) != len(b) || len(a) == 0 {
		return false
	}
	for i := range a {
		if a[i].Key != b[i].Key {
			return false
		}
	}
	return true
}

func joinKeys(ks []state.EntityKey) string {
	parts := make([]string, len(ks))
	for i, k := range ks {
		parts[i] = k.Type + " " + k.Value
	}
	return strings.Join(parts, ", ")
}

func ofType(ks []state.EntityKey, typ string) []string {
	var out []string
	for _, k := range ks {
		if k.Type == typ {
			out = append(out, k.Value)
		}
	}
	return out
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	sort.Strings(out)
	return out
}
