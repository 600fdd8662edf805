// Package detect runs Sigma rules on the event stream: a durable stream consumer that turns every row of the mapped
// tables (mappings/*.yml, one file per table family: the Device* tables, the Windows event tables, Syslog,
// W3CIISLog, CommonSecurityLog, DnsEvents, AWSCloudTrail, the Entra ID and Azure tables, GCPAuditLogs) into a Sigma
// event, matches it with the compiled engine through a correlation stream, and records each match as an alert — in
// the state store, and as rows of the SecurityAlert, AlertInfo and AlertEvidence tables so alerts can be hunted in
// KQL. Alerts, correlation state and the ids of the batches they reflect are committed in one transaction before the
// batches are acknowledged, so a redelivery neither counts an event twice nor loses one; alert ids and alert batch
// ids derive from the source, so a replay records nothing twice.
package detect

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/sigma"
	"github.com/vigilsec/vigil/internal/sigma/engine"
	"github.com/vigilsec/vigil/internal/state"
	"github.com/vigilsec/vigil/internal/stream"
)

// ConsumerName is the detector's durable consumer.
const ConsumerName = "detect-sigma"

// Lateness is how far behind the latest event time an event may arrive and still join its correlation windows:
// windows are closed and expired groups dropped only once the latest event time has passed them by this much.
const Lateness = 5 * time.Minute

// maxClockSkew is how far in the future an event time may be before it is taken as the time of detection.
const maxClockSkew = time.Hour

// Publisher makes alert-table batches durable (*pipeline.Receiver).
type Publisher interface {
	PublishBatch(ctx context.Context, b *batch.Batch) error
}

// Detector is the stream detection consumer. Its correlation state lives in a [sigma.Stream] mirrored in the state
// store (see commit).
type Detector struct {
	engine   *sigma.Engine
	mappings *Mappings
	catalog  *schema.Catalog
	store    state.SigmaState
	pub      Publisher
	stream   *stream.Stream
	log      *slog.Logger
	matches  *prometheus.CounterVec
	now      func() time.Time

	mu     sync.Mutex // guards corr and alerts (the API reads statistics while the consumer runs)
	corr   *sigma.Stream
	alerts map[string]int64 // alerts recorded per rule key since start
	base   state.SigmaStats // the statistics committed before this process started (loaded by Prepare)
	cur    rowRef           // the row under evaluation, for the evidence of base matches
	saved  *engine.Counters // the counters before the delivery in progress
	plans  map[string]*rowPlan
	rows   rowBuilder
	// full builds the rows that reach a rule with a keyword search (which reads every field) with every field.
	fullPlans map[string]*rowPlan
	full      rowBuilder
}

// maxPlans bounds the cached batch layouts; past it the cache starts again.
const maxPlans = 1024

// rowRef is the row being evaluated. Its id, its fields as a map and its entities are made only when a match asks
// for them: most rows match nothing, and each costs more than matching the row.
type rowRef struct {
	m        *Mappings
	b        *batch.Batch
	i        int
	itemID   string
	obj      map[string]any
	entities []state.Entity
	done     bool // entities has been computed
}

// id returns the row's item id.
func (r *rowRef) id() string {
	if r.itemID == "" {
		r.itemID = r.b.ItemID(r.i)
	}
	return r.itemID
}

// object returns the row's fields as a map (the alert's event).
func (r *rowRef) object() map[string]any {
	if r.obj == nil {
		r.obj, _ = r.m.rowEvent(r.b, r.i)
	}
	return r.obj
}

// rowEntities returns the entities of the row under evaluation, extracting them on first use.
func (r *rowRef) rowEntities() []state.Entity {
	if !r.done {
		r.entities, r.done = Entities(r.object()), true
	}
	return r.entities
}

// New returns a Detector over a compiled engine. Call Prepare before Run.
func New(eng *sigma.Engine, cat *schema.Catalog, st state.SigmaState, pub Publisher, s *stream.Stream, reg prometheus.Registerer, log *slog.Logger) (*Detector, error) {
	m, err := LoadMappings()
	if err != nil {
		return nil, err
	}
	d := &Detector{engine: eng, mappings: m, catalog: cat, store: st, pub: pub, stream: s, log: log, now: time.Now,
		alerts: map[string]int64{}, corr: eng.NewStream(), plans: map[string]*rowPlan{}, fullPlans: map[string]*rowPlan{},
		matches: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vigil_detect_alerts_total",
			Help: "Alerts raised by stream detection, by severity."}, []string{"severity"})}
	d.corr.SetEvidence(d.evidence)
	if reg != nil {
		reg.MustRegister(d.matches,
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "vigil_detect_correlation_groups",
				Help: "Live Sigma correlation groups."}, func() float64 { return float64(d.StateStats().Groups) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "vigil_detect_correlation_evictions_total",
				Help: "Sigma correlation groups evicted at the cap before their window ended."}, func() float64 { return float64(d.StateStats().Evicted) }))
	}
	return d, nil
}

func (d *Detector) consumer() stream.ConsumerConfig {
	return stream.ConsumerConfig{Name: ConsumerName, Tables: Tables, MaxMessages: 16, MaxWait: 200 * time.Millisecond}
}

// Prepare creates the durable consumer so the stream keeps events for it from now on, and loads the persisted
// correlation state.
func (d *Detector) Prepare(ctx context.Context) error {
	if _, err := d.stream.EnsureConsumer(ctx, d.consumer()); err != nil {
		return err
	}
	st, err := d.store.SigmaStats(ctx)
	if err != nil {
		return fmt.Errorf("load rule statistics: %w", err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.base = st
	return d.reload(ctx)
}

// reload replaces the in-memory correlation state with the committed one. Callers hold d.mu.
func (d *Detector) reload(ctx context.Context) error {
	d.corr.Reset()
	dropped := 0
	err := d.store.SigmaGroups(ctx, func(g state.SigmaGroup) error {
		ok, err := d.corr.LoadGroup(g.Rule, g.Key, g.Data)
		if err != nil {
			// One unreadable group must not stop detection; it is dropped at the next change of its key.
			d.log.Warn("correlation group not restored", "rule", g.Rule, "err", err)
		}
		if !ok {
			dropped++
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("load correlation state: %w", err)
	}
	if dropped > 0 {
		d.log.Info("correlation state of rules no longer loaded ignored", "groups", dropped)
	}
	d.corr.ClearChanges()
	return nil
}

// Run consumes until ctx ends.
func (d *Detector) Run(ctx context.Context) error {
	return d.stream.Consume(ctx, d.consumer(), d.handle)
}

// handle records one delivery. Exactly-once for correlation state: the alerts, the changed correlation groups and
// the ids of the delivery's batches are committed in one state-store transaction before the messages are
// acknowledged. A batch whose id is already committed (a redelivery after a crash between commit and ack) is
// skipped; a batch not committed is evaluated again from the committed state. The alert tables are published
// before the commit, under ids derived from the source batch, so a second publication is discarded.
func (d *Detector) handle(ctx context.Context, msgs []stream.Msg) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	ids := make([]string, 0, len(msgs))
	for _, m := range msgs {
		ids = append(ids, m.Batch.ID)
	}
	applied, err := d.store.SigmaApplied(ctx, ids)
	if err != nil {
		return err
	}
	d.saved = d.corr.SaveCounters(d.saved)
	var all []state.Alert
	var batches []string
	for _, m := range msgs {
		if applied[m.Batch.ID] {
			continue
		}
		batches = append(batches, m.Batch.ID)
		alerts := d.evaluate(m.Batch)
		if err := d.publishTables(ctx, m.Batch.ID, alerts); err != nil {
			return d.rollback(ctx, err)
		}
		all = append(all, alerts...)
	}
	if len(batches) == 0 {
		return nil
	}
	// Tumbling windows (lt/lte/eq conditions) that the event time has passed by more than the allowed lateness are
	// decided now, and expired groups dropped.
	if last := d.corr.Last(); !last.IsZero() {
		if limit := d.now().Add(maxClockSkew); last.After(limit) {
			last = limit
		}
		var flushed []state.Alert
		for _, m := range d.corr.Flush(last.Add(-Lateness)) {
			flushed = append(flushed, d.alert(nil, 0, "", nil, m, d.now().UTC()))
		}
		if err := d.publishTables(ctx, batches[len(batches)-1]+"-flush", flushed); err != nil {
			return d.rollback(ctx, err)
		}
		all = append(all, flushed...)
	}
	changes, err := d.corr.Changes()
	if err != nil {
		return d.rollback(ctx, err)
	}
	groups := make([]state.SigmaGroup, len(changes))
	for i, c := range changes {
		groups[i] = state.SigmaGroup{Rule: c.Rule, Key: c.Key, Data: c.Data, Last: c.Last}
	}
	added, err := d.store.CommitSigma(ctx, state.SigmaCommit{Alerts: all, Groups: groups, Batches: batches, At: d.now().UTC(),
		Stats: d.statsDelta(all)})
	if err != nil {
		return d.rollback(ctx, err)
	}
	d.corr.ClearChanges()
	for _, a := range all {
		d.matches.WithLabelValues(a.Severity).Inc()
		d.alerts[statKey(a.RuleID, a.RuleTitle)]++
	}
	if added > 0 {
		d.log.Info("sigma alerts", "new", added, "batches", len(batches))
	}
	return nil
}

// statsDelta is the statistics increments of the delivery in progress: the stream's counters since the delivery
// began and the alerts it raised.
func (d *Detector) statsDelta(alerts []state.Alert) state.SigmaStats {
	rules, events, sampled := d.corr.CounterDeltas(d.saved)
	out := state.SigmaStats{Rules: make(map[string]state.SigmaRuleStat, len(rules)), Events: events, Sampled: sampled}
	for _, st := range rules {
		k := statKey(st.Rule.ID, st.Rule.Title)
		out.Rules[k] = state.SigmaRuleStat{Rule: k, Matches: st.Matches, LastMatch: st.LastMatch,
			SampledEvals: st.SampledEvals, SampledNanos: st.SampledNanos}
	}
	for _, a := range alerts {
		k := statKey(a.RuleID, a.RuleTitle)
		r := out.Rules[k]
		r.Rule = k
		r.Alerts++
		out.Rules[k] = r
	}
	return out
}

// rollback restores the committed correlation state and the counters after a failed delivery (which the consumer
// retries).
func (d *Detector) rollback(ctx context.Context, cause error) error {
	d.corr.RestoreCounters(d.saved)
	if err := d.reload(context.WithoutCancel(ctx)); err != nil {
		return errors.Join(cause, err)
	}
	return cause
}

// Evaluate matches every row of b, feeding the correlation state, and returns the alerts. The state changes are not
// committed; the consumer uses it through its own transaction, tests and tools call it directly.
func (d *Detector) Evaluate(b *batch.Batch) []state.Alert {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.evaluate(b)
}

func (d *Detector) evaluate(b *batch.Batch) []state.Alert {
	var out []state.Alert
	now := d.now().UTC()
	p := d.plan(b, d.plans, d.engine.Reads())
	d.rows.reset(p, b)
	defer d.rows.finish()
	// A row whose routes reach a rule with a keyword search is built again with every field; its routes are known
	// from the pruned event, which carries every field routing reads.
	var full *rowPlan
	if p.reads != nil && p.reads.Routed() {
		full = d.plan(b, d.fullPlans, nil)
		d.full.reset(full, b)
		defer d.full.finish()
	}
	for i := 0; i < b.Len; i++ {
		// The row's time column is the event's time; one implausibly far in the future (a wrong clock) would expire
		// every correlation window, so it counts as now.
		ts := time.UnixMicro(b.Received).UTC()
		if p.timeCol >= 0 && !b.Columns[p.timeCol].IsNull(i) {
			ts = time.UnixMicro(b.Columns[p.timeCol].Ints[i]).UTC()
		}
		if ts.After(now.Add(maxClockSkew)) {
			ts = now
		}
		d.cur = rowRef{m: d.mappings, b: b, i: i}
		ev, ok := d.rows.row(i, ts)
		if ok && full != nil && d.engine.ReadsEvery(ev) {
			ev, ok = d.full.row(i, ts)
		}
		if !ok {
			ev = sigmaEvent(d.cur.object()).WithTime(ts)
		}
		ms := d.corr.Process(ev)
		if len(ms) == 0 {
			continue
		}
		d.rows.release() // the matches refer to ev
		d.full.release()
		for _, m := range ms {
			out = append(out, d.alert(b, i, d.cur.id(), d.cur.object(), m, now))
		}
	}
	return out
}

// plan returns the row plan of b's layout for the fields reads (nil: every field), cached in plans.
func (d *Detector) plan(b *batch.Batch, plans map[string]*rowPlan, reads *engine.FieldSet) *rowPlan {
	k := planKey(b)
	p, ok := plans[k]
	if !ok {
		if len(plans) >= maxPlans {
			clear(plans)
		}
		p = d.mappings.newRowPlan(b, d.catalog, reads)
		plans[k] = p
	}
	return p
}

// evidence is what a correlation keeps of a base-rule match: the id its alert has (or would have) and its entities.
func (d *Detector) evidence(m *sigma.Match) engine.Evidence {
	e := engine.Evidence{Ref: alertID(m.RuleID, d.cur.id())}
	for _, en := range d.cur.rowEntities() {
		e.Entities = append(e.Entities, engine.EntityRef{Type: en.Type, Value: en.Value})
	}
	return e
}

func alertID(parts ...string) string {
	h := sha256.Sum256([]byte("sigma\x00" + strings.Join(parts, "\x00")))
	return hex.EncodeToString(h[:16])
}

var severities = map[string]string{"informational": "Informational", "low": "Low", "medium": "Medium", "high": "High", "critical": "High"}

// alert builds the alert of a match of row i of b (b nil: a correlation decided by Flush).
func (d *Detector) alert(b *batch.Batch, i int, itemID string, obj map[string]any, m sigma.Match, now time.Time) state.Alert {
	sev := severities[strings.ToLower(m.Level)]
	if sev == "" {
		sev = "Medium"
	}
	a := state.Alert{
		ID: alertID(m.RuleID, itemID), Source: "sigma", RuleID: m.RuleID, RuleTitle: m.Title, RuleAuthor: m.Author,
		Severity: sev, Status: "New", Tactics: nonNil(m.Tactics), Techniques: nonNil(m.Techniques),
		Event: obj, EventItemID: itemID, DetectedAt: now, MatchedFields: []state.MatchedField{},
	}
	if b != nil {
		a.EventTable, a.EventTime = b.Table, eventTime(b, i, d.catalog)
		a.Entities = Entities(obj)
	}
	for _, f := range m.Fields {
		a.MatchedFields = append(a.MatchedFields, state.MatchedField{Field: f.Field, Value: fmt.Sprint(f.Value)})
	}
	if c := m.Correlation; c != nil {
		correlationAlert(&a, m, c)
	}
	if a.Entities == nil {
		a.Entities = []state.Entity{}
	}
	return a
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
func eventTime(b *batch.Batch, i int, cat *schema.Catalog) time.Time {
	if t, ok := cat.Table(b.Table); ok {
		if c := b.Column(t.TimeColumn); c != nil && !c.IsNull(i) {
			return time.UnixMicro(c.Ints[i]).UTC()
		}
	}
	return time.UnixMicro(b.Received).UTC()
}
