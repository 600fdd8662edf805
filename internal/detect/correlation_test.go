package detect

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/sigma"
	"github.com/vigilsec/vigil/internal/state"
	"github.com/vigilsec/vigil/internal/state/sqlite"
	"github.com/vigilsec/vigil/internal/stream"
)

const burstRules = `
title: Whoami run
name: whoami_run
logsource: {product: windows, category: process_creation}
detection:
  s: {Image|endswith: '\whoami.exe'}
  condition: s
---
title: Whoami burst on one host
id: 5d0f7a36-0c8e-4a51-9c53-6d2f0e4c1a77
author: Vigil tests
level: high
correlation:
  type: event_count
  rules: [whoami_run]
  group-by: [Computer]
  timespan: 10m
  condition: {gte: 3}
`

// streamPublisher publishes alert tables on the real stream; fail makes the next publications fail (a stream
// outage), to check that a failed delivery leaves no trace in the correlation state.
type streamPublisher struct {
	s    *stream.Stream
	fail bool
}

func (p *streamPublisher) PublishBatch(ctx context.Context, b *batch.Batch) error {
	if p.fail {
		return errors.New("stream unavailable")
	}
	return p.s.Publish(ctx, b)
}

type rig struct {
	t   *testing.T
	cat *schema.Catalog
	db  *sqlite.DB
	st  *stream.Stream
	pub *streamPublisher
	eng *sigma.Engine
}

func newRig(t *testing.T) *rig {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "state.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := stream.Open(ctx, stream.Config{Dir: filepath.Join(dir, "stream"), MaxBytes: 64 << 20}, log)
	require.NoError(t, err)
	t.Cleanup(st.Close)
	eng, issues := sigma.Compile([]byte(burstRules), "burst.yml")
	require.Empty(t, issues.Errors())
	return &rig{t: t, cat: schema.NewCatalog(), db: db, st: st, pub: &streamPublisher{s: st}, eng: eng}
}

// detector starts a detector as a new process would: loading the committed state.
func (r *rig) detector() *Detector {
	d, err := New(r.eng, r.cat, r.db, r.pub, r.st, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(r.t, err)
	require.NoError(r.t, d.Prepare(context.Background()))
	return d
}

// procs builds a DeviceProcessEvents batch of whoami runs on host at the given times.
func (r *rig) procs(id, host string, at ...time.Time) stream.Msg {
	t, ok := r.cat.Table("DeviceProcessEvents")
	require.True(r.t, ok)
	b := batch.NewBuilder(t)
	for i, ts := range at {
		b.Begin()
		rw := row{b: b, t: t}
		rw.time("Timestamp", ts.UnixMicro())
		rw.str("DeviceName", host)
		rw.str("FolderPath", `C:\Windows\System32\whoami.exe`)
		rw.str("ProcessCommandLine", fmt.Sprintf("whoami /all #%d", i))
		rw.str("AccountDomain", "corp")
		rw.str("AccountName", "mallory")
		b.Commit()
	}
	return stream.Msg{Batch: b.Finish(id, 0)}
}

func (r *rig) alerts() []state.Alert {
	list, _, err := r.db.ListAlerts(context.Background(), state.AlertFilter{RuleID: "5d0f7a36-0c8e-4a51-9c53-6d2f0e4c1a77"})
	require.NoError(r.t, err)
	return list
}

func TestCorrelationIsCountedOnce(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	t0 := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	d := r.detector()
	b1 := r.procs("b1", "ws-1", t0, t0.Add(time.Minute))
	require.NoError(t, d.handle(ctx, []stream.Msg{b1}))
	require.Equal(t, 1, d.StateStats().Groups)

	// A crash between the commit of b1 and its ack: the next process gets b1 again and must not count it twice.
	d = r.detector()
	require.Equal(t, 1, d.StateStats().Groups, "the group was restored from the state store")
	require.NoError(t, d.handle(ctx, []stream.Msg{b1}))
	require.Empty(t, r.alerts(), "two events, not four")

	// A delivery that fails after evaluation (the alert tables could not be published) is retried; the failed
	// attempt leaves nothing behind.
	b2 := r.procs("b2", "ws-1", t0.Add(2*time.Minute))
	r.pub.fail = true
	require.Error(t, d.handle(ctx, []stream.Msg{b2}))
	r.pub.fail = false
	require.Equal(t, 1, d.StateStats().Groups)
	require.NoError(t, d.handle(ctx, []stream.Msg{b2}))
	got := r.alerts()
	require.Len(t, got, 1, "the third event completes the burst")
	a := got[0]
	require.Equal(t, "High", a.Severity)
	require.Equal(t, map[string][]string{"Computer": {"ws-1"}}, a.CustomDetails)
	require.Equal(t, t0, *a.WindowStart)
	require.Equal(t, t0.Add(2*time.Minute), *a.WindowEnd)
	require.Len(t, a.Evidence, 3)
	require.Equal(t, "whoami_run", a.Evidence[0]["rule"])
	require.Equal(t, alertID("", "b1-0"), a.Evidence[0]["alertId"], "the base match's alert id (its rule has no id)")
	require.Contains(t, a.Entities, state.Entity{Type: state.EntityHost, Value: "ws-1"})
	require.Contains(t, a.Entities, state.Entity{Type: state.EntityAccount, Value: "mallory"})
	require.Equal(t, 0, d.StateStats().Groups, "a fired group starts over")

	// Redelivered after the commit: skipped, no second alert; the base rule alone raises none (correlation only).
	require.NoError(t, r.detector().handle(ctx, []stream.Msg{b2}))
	require.Len(t, r.alerts(), 1)
	all, _, err := r.db.ListAlerts(ctx, state.AlertFilter{})
	require.NoError(t, err)
	require.Len(t, all, 1)

	stats, sum := d.RuleStats()
	require.Equal(t, 1, sum.Correlations)
	require.Equal(t, int64(3), sum.Events, "b1's two events (committed by the first detector, loaded from the store; "+
		"its redelivery was skipped) and b2's one; the failed attempt at b2 is not counted")
	byID := map[string]RuleStats{}
	for _, s := range stats {
		byID[s.ID] = s
	}
	require.Equal(t, int64(1), byID["5d0f7a36-0c8e-4a51-9c53-6d2f0e4c1a77"].Matches)
	require.Equal(t, int64(1), byID["5d0f7a36-0c8e-4a51-9c53-6d2f0e4c1a77"].Alerts)
	require.True(t, byID["Whoami run"].CorrelationOnly)
	require.Equal(t, int64(0), byID["Whoami run"].Alerts)
}

func TestCorrelationStateOfOtherGroupsSurvives(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	t0 := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	d := r.detector()
	require.NoError(t, d.handle(ctx, []stream.Msg{r.procs("a", "ws-1", t0), r.procs("b", "ws-2", t0, t0)}))
	require.Equal(t, 2, r.detector().StateStats().Groups)
	// Past the timespan, ws-1's old event no longer counts. ws-2's group is kept although the stream's time moved
	// past its window: events up to the allowed lateness behind the latest one still count.
	require.NoError(t, d.handle(ctx, []stream.Msg{r.procs("c", "ws-1", t0.Add(11*time.Minute), t0.Add(12*time.Minute))}))
	require.Empty(t, r.alerts())
	// An event from a wrong clock, years ahead, counts as now: it does not close every window.
	d.now = func() time.Time { return t0.Add(13 * time.Minute) }
	require.NoError(t, d.handle(ctx, []stream.Msg{r.procs("e", "ws-7", t0.Add(3*365*24*time.Hour))}))
	require.Equal(t, 3, d.StateStats().Groups)
	require.NoError(t, d.handle(ctx, []stream.Msg{r.procs("d", "ws-2", t0.Add(5*time.Minute))}))
	require.Len(t, r.alerts(), 1)
}

// TestRuleStatsSurviveRestart: the per-rule statistics are committed with each delivery and a new detector (a
// restarted server) starts from them; a redelivered batch and a failed delivery count nothing.
func TestRuleStatsSurviveRestart(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	t0 := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	byID := func(d *Detector) (map[string]RuleStats, StatsSummary) {
		stats, sum := d.RuleStats()
		out := map[string]RuleStats{}
		for _, s := range stats {
			out[s.ID] = s
		}
		return out, sum
	}
	const corr = "5d0f7a36-0c8e-4a51-9c53-6d2f0e4c1a77"

	d := r.detector()
	require.NoError(t, d.handle(ctx, []stream.Msg{r.procs("s1", "ws-1", t0, t0.Add(time.Minute), t0.Add(2*time.Minute))}))
	before, sum := byID(d)
	require.Equal(t, int64(3), sum.Events)
	require.Equal(t, int64(3), before["Whoami run"].Matches)
	require.Equal(t, int64(1), before[corr].Matches)
	require.Equal(t, int64(1), before[corr].Alerts)
	require.Equal(t, t0.Add(2*time.Minute), *before["Whoami run"].LastMatch)

	// Restart: the counters come back from the state store.
	d = r.detector()
	after, sum := byID(d)
	require.Equal(t, int64(3), sum.Events)
	require.Equal(t, before["Whoami run"].Matches, after["Whoami run"].Matches)
	require.Equal(t, before["Whoami run"].SampledEvaluations, after["Whoami run"].SampledEvaluations)
	require.Equal(t, before[corr].Matches, after[corr].Matches)
	require.Equal(t, before[corr].Alerts, after[corr].Alerts)
	require.Equal(t, *before["Whoami run"].LastMatch, *after["Whoami run"].LastMatch)

	// A redelivery of s1 is skipped and a failed delivery is rolled back: neither adds to the totals.
	require.NoError(t, d.handle(ctx, []stream.Msg{r.procs("s1", "ws-1", t0, t0.Add(time.Minute), t0.Add(2*time.Minute))}))
	r.pub.fail = true
	s2 := r.procs("s2", "ws-2", t0.Add(3*time.Minute), t0.Add(4*time.Minute), t0.Add(5*time.Minute)) // fires: publishes
	require.Error(t, d.handle(ctx, []stream.Msg{s2}))
	r.pub.fail = false
	require.NoError(t, d.handle(ctx, []stream.Msg{s2}))

	// Counted once, across another restart: 3 + 3 events, two bursts; the last match moved on.
	d = r.detector()
	final, sum := byID(d)
	require.Equal(t, int64(6), sum.Events)
	require.Equal(t, int64(6), final["Whoami run"].Matches)
	require.Equal(t, int64(2), final[corr].Matches)
	require.Equal(t, int64(2), final[corr].Alerts)
	require.Equal(t, t0.Add(5*time.Minute), *final["Whoami run"].LastMatch)
	st, err := r.db.SigmaStats(ctx)
	require.NoError(t, err)
	require.Equal(t, int64(6), st.Events)
	require.Equal(t, int64(6), st.Rules["Whoami run"].Matches)

	// The sampled evaluation cost (one event in 64 is timed rule by rule) is kept too.
	many := make([]time.Time, 128)
	for i := range many {
		many[i] = t0.Add(time.Hour + time.Duration(i)*time.Second)
	}
	require.NoError(t, d.handle(ctx, []stream.Msg{r.procs("s3", "ws-3", many...)}))
	timed, sum := byID(d)
	require.Positive(t, sum.Sampled)
	require.Positive(t, timed["Whoami run"].SampledEvaluations)
	restarted, sum2 := byID(r.detector())
	require.Equal(t, sum.Sampled, sum2.Sampled)
	require.Equal(t, sum.Events, sum2.Events)
	require.Equal(t, timed["Whoami run"].SampledEvaluations, restarted["Whoami run"].SampledEvaluations)
	require.Equal(t, timed["Whoami run"].AvgEvalNanos, restarted["Whoami run"].AvgEvalNanos)
}
