package analytics

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/vigilsec/vigil/internal/kql"
	"github.com/vigilsec/vigil/internal/state"
	"github.com/vigilsec/vigil/internal/state/sqlite"
	"github.com/vigilsec/vigil/internal/stream"
)

// NRTConsumer is the durable stream consumer of the NRT rules.
const NRTConsumer = "analytics-nrt"

// nrtRecompile is how often an NRT rule's query is compiled again, so now() and ago() follow the clock.
const nrtRecompile = 30 * time.Second

// NRTStats is what the NRT evaluator counted for one rule since the server started.
type NRTStats struct {
	Events    int64      `json:"events"`
	Matches   int64      `json:"matches"`
	Alerts    int64      `json:"alerts"`
	Errors    int64      `json:"errors"`
	LastError string     `json:"lastError,omitempty"`
	LastErrAt *time.Time `json:"lastErrorAt,omitempty"`
	LastMatch *time.Time `json:"lastMatchAt,omitempty"`
}

// NRT evaluates the enabled NRT rules on every event of the stream with the row evaluator, and records the alerts
// other products send as SecurityAlert rows ([ExternalAlerts]), as a durable consumer of its own: a delivery is acknowledged only after its alerts are recorded, and alert ids derive from the rule and
// the batch, so a redelivery records nothing twice. Rules are reloaded from the state store every few seconds and
// at once after Reload.
type NRT struct {
	DB      *sqlite.DB
	Catalog kql.Catalog
	Alerts  state.Alerts
	Stream  *stream.Stream
	Log     *slog.Logger
	Now     func() time.Time
	// MaxWait bounds how long a fetch waits for more events before evaluating what it has (default 50ms).
	MaxWait time.Duration
	// Publisher, when set, also writes the alerts as SecurityAlert rows.
	Publisher Publisher

	mu       sync.Mutex
	rules    []*nrtRule
	loadedAt time.Time
	stats    map[string]*NRTStats
	scratch  scratch
}

type nrtRule struct {
	rule       Rule
	version    int
	q          *streamQuery
	compiledAt time.Time
	err        error
}

func (n *NRT) consumer() stream.ConsumerConfig {
	w := n.MaxWait
	if w <= 0 {
		w = 50 * time.Millisecond
	}
	return stream.ConsumerConfig{Name: NRTConsumer, MaxMessages: 16, MaxWait: w, Want: n.want}
}

// want reports whether a batch of table needs evaluating: it does when an NRT rule reads the table, and for
// SecurityAlert, which brings the alerts of other products. Batches of other tables are passed over without being
// decoded. When the rules cannot be read, every batch is taken, so the handler meets the error and retries.
func (n *NRT) want(table string) bool {
	if table == ExternalAlertTable {
		return true
	}
	rules, err := n.load(context.Background())
	if err != nil {
		return true
	}
	for _, r := range rules {
		if r.q != nil && r.q.table == table {
			return true
		}
	}
	return false
}

// Prepare creates the durable consumer so the stream keeps events for it from now on.
func (n *NRT) Prepare(ctx context.Context) error {
	_, err := n.Stream.EnsureConsumer(ctx, n.consumer())
	return err
}

// Run consumes until ctx ends.
func (n *NRT) Run(ctx context.Context) error {
	return n.Stream.Consume(ctx, n.consumer(), n.handle)
}

// Reload makes the next delivery read the rules again (after a rule changed).
func (n *NRT) Reload() {
	n.mu.Lock()
	n.loadedAt = time.Time{}
	n.mu.Unlock()
}

// Stats returns a copy of the per-rule counters.
func (n *NRT) Stats() map[string]NRTStats {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := make(map[string]NRTStats, len(n.stats))
	for k, v := range n.stats {
		out[k] = *v
	}
	return out
}

func (n *NRT) now() time.Time {
	if n.Now != nil {
		return n.Now().UTC()
	}
	return time.Now().UTC()
}

// load returns the enabled NRT rules, reading them again when older than a few seconds and recompiling queries
// whose now() has aged.
func (n *NRT) load(ctx context.Context) ([]*nrtRule, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	now := n.now()
	if n.stats == nil {
		n.stats = map[string]*NRTStats{}
	}
	if now.Sub(n.loadedAt) > 5*time.Second || n.loadedAt.IsZero() {
		recs, err := n.DB.RuleDefinitions(ctx)
		if err != nil {
			return nil, err
		}
		old := map[string]*nrtRule{}
		for _, r := range n.rules {
			old[r.rule.ID] = r
		}
		n.rules = n.rules[:0]
		for _, rec := range recs {
			if !rec.Enabled || rec.Kind != "NRT" {
				continue
			}
			if o := old[rec.ID]; o != nil && o.version == rec.Version {
				n.rules = append(n.rules, o)
				continue
			}
			nr := &nrtRule{version: rec.Version}
			if err := json.Unmarshal(rec.Definition, &nr.rule); err != nil {
				n.Log.Error("stored rule unreadable", "rule", rec.ID, "err", err)
				continue
			}
			n.rules = append(n.rules, nr)
		}
		n.loadedAt = now
	}
	for _, r := range n.rules {
		if r.q == nil || now.Sub(r.compiledAt) > nrtRecompile {
			r.q, r.err = compileStream(r.rule.Query, n.Catalog, now)
			r.compiledAt = now
			if r.err != nil {
				n.noteError(r.rule.ID, r.err.Error(), now)
			}
		}
	}
	return append([]*nrtRule(nil), n.rules...), nil
}

func (n *NRT) stat(id string) *NRTStats {
	s := n.stats[id]
	if s == nil {
		s = &NRTStats{}
		n.stats[id] = s
	}
	return s
}

// noteError records an error of a rule; callers hold n.mu.
func (n *NRT) noteError(id, msg string, at time.Time) {
	s := n.stat(id)
	s.Errors++
	s.LastError, s.LastErrAt = msg, &at
}

func (n *NRT) handle(ctx context.Context, msgs []stream.Msg) error {
	rules, err := n.load(ctx)
	if err != nil {
		return err
	}
	for _, m := range msgs {
		b := m.Batch
		if ext := ExternalAlerts(b, n.now()); len(ext) > 0 {
			added, err := n.Alerts.AddAlerts(ctx, ext)
			if err != nil {
				return err
			}
			if added > 0 {
				n.Log.Info("alerts from other products", "new", added)
			}
		}
		for _, r := range rules {
			if r.q == nil || r.q.table != b.Table {
				continue
			}
			cols := r.q.out
			var rows [][]any
			var evalErr error
			if r.q.batch != nil {
				cols, rows, evalErr = n.scratch.run(ctx, n.Catalog, r.q.batch, b)
			} else {
				rows, evalErr = r.q.run(b)
			}
			now := n.now()
			var alerts []state.Alert
			if len(rows) > 0 && (r.q.batch == nil || r.rule.TriggerOperator == "" || triggered(&r.rule, len(rows))) {
				alerts = BuildAlerts(Evaluation{Rule: &r.rule, Version: r.version, Source: "nrt", Key: b.ID, Table: b.Table,
					WindowEnd: time.UnixMicro(b.Received).UTC(), DetectedAt: now}, Results{Columns: cols, Rows: rows})
			}
			kept, err := recordAlerts(ctx, n.DB, n.Alerts, &r.rule, alerts, now)
			if err != nil {
				return err
			}
			if err := publishAlerts(ctx, n.Publisher, n.Catalog, b.ID+"-nrt-"+r.rule.ID, kept); err != nil {
				return err
			}
			n.mu.Lock()
			s := n.stat(r.rule.ID)
			s.Events += int64(b.Len)
			s.Matches += int64(len(rows))
			s.Alerts += int64(len(kept))
			if len(rows) > 0 {
				s.LastMatch = &now
			}
			if evalErr != nil {
				n.noteError(r.rule.ID, evalErr.Error(), now)
			}
			n.mu.Unlock()
			if evalErr != nil {
				n.Log.Warn("nrt rule evaluation failed on a row", "rule", describe(&r.rule), "batch", b.ID, "err", evalErr)
			}
			if len(kept) > 0 {
				n.Log.Info("nrt alerts", "rule", describe(&r.rule), "alerts", len(kept), "table", b.Table)
			}
		}
	}
	return nil
}
