package ruleset_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/analytics"
	"github.com/vigilsec/vigil/internal/app"
	"github.com/vigilsec/vigil/internal/config"
	"github.com/vigilsec/vigil/internal/demo"
	"github.com/vigilsec/vigil/internal/detect"
	"github.com/vigilsec/vigil/internal/incident"
	"github.com/vigilsec/vigil/internal/pipeline"
	"github.com/vigilsec/vigil/internal/state"
)

// demoScore is how the shipped rules did on the demo.
type demoScore struct {
	alerts, attack int
	stages         map[string]int // stage → attack alerts that cover it
	benign         []state.Alert
	byRule         map[string][2]int // rule title → attack, benign alerts
}

// TestShippedRulesOnTheDemo generates the demo environment into a real server (stream, DuckDB, SQLite), lets the
// shipped Sigma and NRT rules run on the stream and the scheduler evaluate every window of the scheduled rules over
// the whole week, then scores the alerts against the demo's ground truth: an alert is an attack alert when its
// evidence holds an attack row (the row's time, to the microsecond, is the alert's event time or appears in its
// evidence).
func TestShippedRulesOnTheDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and scores the demo environment (about a minute)")
	}
	ctx := context.Background()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Listen = "127.0.0.1:0"
	cfg.Stream.MaxBytes = 1 << 30
	cfg.Analytics.Interval = 0 // the test runs the scheduler over the week itself
	a, err := app.New(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	require.NoError(t, a.Start(ctx, false))
	t.Cleanup(func() { require.NoError(t, a.Close(time.Minute)) })

	end := time.Now().UTC().Truncate(time.Hour)
	truth, err := demo.Generate(ctx, demo.Options{End: end, Seed: 1, TargetEvents: 150_000}, demo.SinkFunc(func(table string, ndjson []byte) error {
		for {
			res, err := a.Receiver.IngestNDJSON(ctx, table, bytes.NewReader(ndjson))
			if err == nil {
				if res.Rejected > 0 {
					return fmt.Errorf("%s: line %d: %s", table, res.Rejects[0].Line, res.Rejects[0].Error)
				}
				return nil
			}
			if !errors.Is(err, pipeline.ErrBackpressure) {
				return err
			}
			ndjson = dropLines(ndjson, res.Accepted)
			time.Sleep(100 * time.Millisecond)
		}
	}))
	require.NoError(t, err)
	wctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	require.NoError(t, a.WaitWritten(wctx))
	for _, consumer := range []string{detect.ConsumerName, analytics.NRTConsumer} {
		for {
			lag, err := a.Stream.Lag(wctx, consumer)
			require.NoError(t, err)
			if lag == 0 {
				break
			}
			select {
			case <-wctx.Done():
				t.Fatalf("%s did not catch up: %d batches behind", consumer, lag)
			case <-time.After(50 * time.Millisecond):
			}
		}
	}

	sched := *a.Rules
	sched.Now = func() time.Time { return truth.End.Add(time.Hour) }
	ran, err := sched.Backfill(ctx, truth.Start)
	require.NoError(t, err)
	require.Positive(t, ran)
	recs, err := a.State.RuleDefinitions(ctx)
	require.NoError(t, err)
	for _, rec := range recs {
		if rec.Kind != "Scheduled" {
			continue
		}
		runs, err := a.State.RuleRuns(ctx, rec.ID)
		require.NoError(t, err)
		require.GreaterOrEqual(t, len(runs), 7*24, "%s ran every window of the week", rec.Name)
		for _, r := range runs {
			require.Empty(t, r.Error, "%s window %s", rec.Name, r.WindowEnd)
		}
	}

	sc := score(t, a, truth)
	t.Logf("alerts: %d, attack: %d, benign: %d, precision %.2f", sc.alerts, sc.attack, len(sc.benign), float64(sc.attack)/float64(max(sc.alerts, 1)))
	titles := make([]string, 0, len(sc.byRule))
	for k := range sc.byRule {
		titles = append(titles, k)
	}
	sort.Strings(titles)
	for _, k := range titles {
		t.Logf("  %-90s attack %3d  benign %3d", k, sc.byRule[k][0], sc.byRule[k][1])
	}
	var missed []string
	for _, st := range truth.Stages {
		t.Logf("  stage %-22s %3d alerts", st.Name, sc.stages[st.Name])
		if sc.stages[st.Name] == 0 {
			missed = append(missed, st.Name)
		}
	}
	for _, b := range sc.benign {
		t.Logf("  benign: %s [%s] %s", b.RuleTitle, b.Severity, b.EventTime)
	}
	require.Empty(t, missed, "attack stages without an alert")
	require.LessOrEqual(t, len(sc.benign), 5, "benign alerts")
	for _, b := range sc.benign {
		require.NotEqual(t, "High", b.Severity, "a benign alert of high severity: %s", b.RuleTitle)
	}
	// The attack's alerts carry the entities correlation groups them by.
	hosts := map[string]bool{}
	for _, al := range sc.attackAlerts(t, a, truth) {
		for _, e := range al.Entities {
			if e.Type == state.EntityHost {
				hosts[e.Value] = true
			}
		}
	}
	require.True(t, hosts[shortHost(truth.Entities.VictimHost)], "victim host among the attack alerts' entities")
	require.True(t, hosts[shortHost(truth.Entities.TargetHost)], "target host among the attack alerts' entities")

	scoreIncidents(t, a, truth)
}

// scoreIncidents lets the correlator place every alert and scores the grouping against the demo's ground truth: the
// attack's alerts must form exactly one incident, the pairwise precision and recall of the alert-to-incident
// assignment must be at least 0.9, and the background may produce at most 3 incidents.
func scoreIncidents(t *testing.T, a *app.App, truth *demo.Truth) {
	ctx := context.Background()
	_, err := a.Correlator.Drain(ctx)
	require.NoError(t, err)
	times := attackTimes(truth)
	label := func(al state.Alert) string {
		if len(alertStages(al, times)) > 0 {
			return "attack"
		}
		return ""
	}
	alerts := allAlerts(t, a)
	attackIncidents, benignIncidents := map[string]int{}, map[string]int{}
	for _, al := range alerts {
		if label(al) != "" {
			attackIncidents[al.IncidentID]++
		}
	}
	for _, al := range alerts {
		if label(al) == "" && al.IncidentID != "" && attackIncidents[al.IncidentID] == 0 {
			benignIncidents[al.IncidentID]++
		}
	}
	sc := incident.ScorePairs(alerts, incident.ByLabel(label))
	t.Logf("incidents: attack alerts in %d incident(s) %v; background incidents %d; pairs: precision %.3f recall %.3f (%+v)",
		len(attackIncidents), attackIncidents, len(benignIncidents), sc.Precision, sc.Recall, sc)
	for id := range attackIncidents {
		require.NotEmpty(t, id, "an attack alert was placed in no incident")
		d, err := a.Incidents.Get(ctx, id)
		require.NoError(t, err)
		t.Logf("incident #%d %q, %d alerts:", d.Number, d.Title, len(d.Alerts))
		for _, e := range d.Timeline {
			if e.AlertID != "" {
				t.Logf("  %s %s: %s", e.Action, e.AlertID, e.Detail)
			}
		}
		for _, al := range d.Alerts {
			var ents []string
			for _, e := range al.Entities {
				ents = append(ents, e.Type+"="+e.Value)
			}
			t.Logf("  alert %s %s %q entities %v", al.ID, al.ActivityTime().Format(time.RFC3339), al.RuleTitle, ents)
		}
	}
	require.Len(t, attackIncidents, 1, "the attack is exactly one incident")
	require.GreaterOrEqual(t, sc.Precision, 0.9, "grouping precision")
	require.GreaterOrEqual(t, sc.Recall, 0.9, "grouping recall")
	require.LessOrEqual(t, len(benignIncidents), 3, "incidents from the benign background")
}

func shortHost(h string) string {
	h, _, _ = strings.Cut(strings.ToLower(h), ".")
	return h
}

func allAlerts(t *testing.T, a *app.App) []state.Alert {
	var out []state.Alert
	for off := 0; ; off += 1000 {
		page, total, err := a.State.ListAlerts(context.Background(), state.AlertFilter{Limit: 1000, Offset: off})
		require.NoError(t, err)
		out = append(out, page...)
		if len(out) >= total || len(page) == 0 {
			return out
		}
	}
}

// attackTimes maps each attack row's time (Unix µs) to its stages.
func attackTimes(truth *demo.Truth) map[int64][]string {
	m := map[int64][]string{}
	for _, e := range truth.Events {
		us := e.Time.UnixMicro()
		m[us] = append(m[us], e.Stage)
	}
	return m
}

// alertStages returns the stages of the attack rows an alert's event or evidence holds.
func alertStages(al state.Alert, times map[int64][]string) []string {
	var out []string
	seen := map[string]bool{}
	visit := func(row map[string]any) {
		for _, v := range row {
			var ts time.Time
			switch x := v.(type) {
			case time.Time:
				ts = x
			case string:
				p, err := time.Parse(time.RFC3339Nano, x)
				if err != nil {
					continue
				}
				ts = p
			default:
				continue
			}
			for _, st := range times[ts.UnixMicro()] {
				if !seen[st] {
					seen[st] = true
					out = append(out, st)
				}
			}
		}
	}
	visit(map[string]any{"eventTime": al.EventTime}) // a streaming alert's event time is its row's time column
	if al.Event != nil {
		visit(al.Event)
	}
	for _, ev := range al.Evidence {
		visit(ev)
	}
	return out
}

func score(t *testing.T, a *app.App, truth *demo.Truth) demoScore {
	times := attackTimes(truth)
	sc := demoScore{stages: map[string]int{}, byRule: map[string][2]int{}}
	for _, al := range allAlerts(t, a) {
		sc.alerts++
		key := al.Source + ": " + ruleName(al)
		c := sc.byRule[key]
		if st := alertStages(al, times); len(st) > 0 {
			sc.attack++
			c[0]++
			for _, s := range st {
				sc.stages[s]++
			}
		} else {
			sc.benign = append(sc.benign, al)
			c[1]++
		}
		sc.byRule[key] = c
	}
	return sc
}

func (demoScore) attackAlerts(t *testing.T, a *app.App, truth *demo.Truth) []state.Alert {
	times := attackTimes(truth)
	var out []state.Alert
	for _, al := range allAlerts(t, a) {
		if len(alertStages(al, times)) > 0 {
			out = append(out, al)
		}
	}
	return out
}

// ruleName names an alert's rule: its title for Sigma, the rule id for query rules (whose titles vary per alert).
func ruleName(al state.Alert) string {
	if al.Source == "sigma" {
		return al.RuleTitle
	}
	return al.RuleID
}

// dropLines drops the first n non-empty lines of b (the lines a receiver accepted before answering 429).
func dropLines(b []byte, n int) []byte {
	for n > 0 && len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return nil
		}
		if len(bytes.TrimSpace(b[:i])) > 0 {
			n--
		}
		b = b[i+1:]
	}
	return b
}
