// Package detect runs Sigma rules on the event stream: a durable stream consumer that turns every row of the
// Windows-event tables (the Device* tables, SecurityEvent, Event, WindowsEvent) into a Sigma event, matches it with
// the compiled engine, and records each match as an alert — in the state store, and as rows of the SecurityAlert,
// AlertInfo and AlertEvidence tables so alerts can be hunted in KQL. It acknowledges a batch only after its alerts
// are recorded; alert ids and alert batch ids derive from the source, so a replay records nothing twice.
package detect

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/sigma"
	"github.com/vigilsec/vigil/internal/state"
	"github.com/vigilsec/vigil/internal/stream"
)

// ConsumerName is the detector's durable consumer.
const ConsumerName = "detect-sigma"

// Tables are the tables whose events Sigma rules are evaluated on.
var Tables = []string{"DeviceProcessEvents", "DeviceNetworkEvents", "DeviceFileEvents", "DeviceRegistryEvents",
	"DeviceImageLoadEvents", "DeviceEvents", "SecurityEvent", "Event", "WindowsEvent"}

// Publisher makes alert-table batches durable (*pipeline.Receiver).
type Publisher interface {
	PublishBatch(ctx context.Context, b *batch.Batch) error
}

// Detector is the stream detection consumer.
type Detector struct {
	engine   *sigma.Engine
	mappings *Mappings
	catalog  *schema.Catalog
	alerts   state.Alerts
	pub      Publisher
	stream   *stream.Stream
	log      *slog.Logger
	matches  *prometheus.CounterVec
	now      func() time.Time
}

// New returns a Detector over a compiled engine.
func New(eng *sigma.Engine, cat *schema.Catalog, alerts state.Alerts, pub Publisher, s *stream.Stream, reg prometheus.Registerer, log *slog.Logger) (*Detector, error) {
	m, err := LoadMappings()
	if err != nil {
		return nil, err
	}
	d := &Detector{engine: eng, mappings: m, catalog: cat, alerts: alerts, pub: pub, stream: s, log: log, now: time.Now,
		matches: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vigil_detect_alerts_total",
			Help: "Alerts raised by stream detection, by severity."}, []string{"severity"})}
	if reg != nil {
		reg.MustRegister(d.matches)
	}
	return d, nil
}

func (d *Detector) consumer() stream.ConsumerConfig {
	return stream.ConsumerConfig{Name: ConsumerName, Tables: Tables, MaxMessages: 16, MaxWait: 200 * time.Millisecond}
}

// Prepare creates the durable consumer so the stream keeps events for it from now on.
func (d *Detector) Prepare(ctx context.Context) error {
	_, err := d.stream.EnsureConsumer(ctx, d.consumer())
	return err
}

// Run consumes until ctx ends.
func (d *Detector) Run(ctx context.Context) error {
	return d.stream.Consume(ctx, d.consumer(), d.handle)
}

func (d *Detector) handle(ctx context.Context, msgs []stream.Msg) error {
	for _, m := range msgs {
		alerts := d.Evaluate(m.Batch)
		if len(alerts) == 0 {
			continue
		}
		added, err := d.alerts.AddAlerts(ctx, alerts)
		if err != nil {
			return err
		}
		for _, a := range alerts {
			d.matches.WithLabelValues(a.Severity).Inc()
		}
		if err := d.publishTables(ctx, m.Batch.ID, alerts); err != nil {
			return err
		}
		if added > 0 {
			d.log.Info("sigma alerts", "new", added, "table", m.Batch.Table)
		}
	}
	return nil
}

// Evaluate matches every row of b and returns the alerts.
func (d *Detector) Evaluate(b *batch.Batch) []state.Alert {
	var out []state.Alert
	now := d.now().UTC()
	for i := 0; i < b.Len; i++ {
		obj, err := d.mappings.rowEvent(b, i)
		if err != nil {
			continue
		}
		for _, m := range d.engine.Match(sigmaEvent(obj)) {
			out = append(out, d.alert(b, i, obj, m, now))
		}
	}
	return out
}

var severities = map[string]string{"informational": "Informational", "low": "Low", "medium": "Medium", "high": "High", "critical": "High"}

func (d *Detector) alert(b *batch.Batch, i int, obj map[string]any, m sigma.Match, now time.Time) state.Alert {
	itemID := b.ItemID(i)
	h := sha256.Sum256([]byte("sigma\x00" + m.RuleID + "\x00" + itemID))
	sev := severities[strings.ToLower(m.Level)]
	if sev == "" {
		sev = "Medium"
	}
	a := state.Alert{
		ID: hex.EncodeToString(h[:16]), Source: "sigma", RuleID: m.RuleID, RuleTitle: m.Title, RuleAuthor: m.Author,
		Severity: sev, Status: "New", Tactics: nonNil(m.Tactics), Techniques: nonNil(m.Techniques),
		Entities: Entities(obj), Event: obj, EventTable: b.Table, EventItemID: itemID, DetectedAt: now,
		EventTime: eventTime(b, i, d.catalog),
	}
	for _, f := range m.Fields {
		a.MatchedFields = append(a.MatchedFields, state.MatchedField{Field: f.Field, Value: fmt.Sprint(f.Value)})
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
