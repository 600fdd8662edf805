package analytics

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/vigilsec/vigil/internal/hunt"
	"github.com/vigilsec/vigil/internal/kql"
	"github.com/vigilsec/vigil/internal/state"
	"github.com/vigilsec/vigil/internal/state/sqlite"
)

// Runner runs a rule's query over a window ending at req.At.
type Runner interface {
	Run(ctx context.Context, req hunt.Request) (*hunt.Result, error)
}

// Scheduler runs every enabled Scheduled rule over exactly its windows: window ends are multiples of the rule's
// queryFrequency, each query covers queryPeriod before its end, and a window is run only once IngestDelay after its
// end has passed (late events have arrived). After downtime it catches up window by window; each window is recorded
// once (rule, window end), so no time range is skipped or counted twice.
type Scheduler struct {
	DB          *sqlite.DB
	Runner      Runner
	Alerts      state.Alerts
	IngestDelay time.Duration
	Now         func() time.Time
	Log         *slog.Logger
	// MaxCatchUp bounds how many windows of one rule a tick runs (the rest come on later ticks).
	MaxCatchUp int
	// Publisher and Catalog, when set, also write the alerts as SecurityAlert rows.
	Publisher Publisher
	Catalog   kql.Catalog
}

// Tick runs every window that is due and returns how many it ran.
func (s *Scheduler) Tick(ctx context.Context) (int, error) {
	recs, err := s.DB.RuleDefinitions(ctx)
	if err != nil {
		return 0, err
	}
	now := s.Now().UTC()
	ran := 0
	for _, rec := range recs {
		if !rec.Enabled || rec.Kind != "Scheduled" {
			continue
		}
		var r Rule
		if err := json.Unmarshal(rec.Definition, &r); err != nil {
			s.Log.Error("stored rule unreadable", "rule", rec.ID, "err", err)
			continue
		}
		freq, err1 := ParseDuration(r.QueryFrequency)
		period, err2 := ParseDuration(r.QueryPeriod)
		if err1 != nil || err2 != nil {
			continue
		}
		last, err := s.DB.LastRuleWindow(ctx, r.ID)
		if err != nil {
			return ran, err
		}
		due := now.Add(-s.IngestDelay).Truncate(freq)
		if last.IsZero() {
			last = due.Add(-freq) // a new rule starts with the most recent complete window
		}
		limit := s.MaxCatchUp
		if limit <= 0 {
			limit = 1000
		}
		for end := last.Add(freq); !end.After(due) && limit > 0; end = end.Add(freq) {
			if err := s.runWindow(ctx, &r, rec.Version, end.Add(-period), end); err != nil {
				return ran, err
			}
			ran++
			limit--
		}
	}
	return ran, nil
}

// Backfill evaluates, for every enabled Scheduled rule, the windows from since up to the rule's first recorded
// window (or up to the current due window when it has none), so data loaded after the fact — an import, the demo —
// is evaluated too. Each window is still recorded once; later ticks continue after the last recorded window. It
// returns how many windows it ran.
func (s *Scheduler) Backfill(ctx context.Context, since time.Time) (int, error) {
	recs, err := s.DB.RuleDefinitions(ctx)
	if err != nil {
		return 0, err
	}
	due := s.Now().UTC().Add(-s.IngestDelay)
	ran := 0
	for _, rec := range recs {
		if !rec.Enabled || rec.Kind != "Scheduled" {
			continue
		}
		var r Rule
		if err := json.Unmarshal(rec.Definition, &r); err != nil {
			continue
		}
		freq, err1 := ParseDuration(r.QueryFrequency)
		period, err2 := ParseDuration(r.QueryPeriod)
		if err1 != nil || err2 != nil {
			continue
		}
		stop, err := s.DB.FirstRuleWindow(ctx, r.ID)
		if err != nil {
			return ran, err
		}
		if stop.IsZero() {
			stop = due.Truncate(freq).Add(freq)
		}
		for end := since.UTC().Truncate(freq).Add(freq); end.Before(stop) && !end.After(due); end = end.Add(freq) {
			if err := s.runWindow(ctx, &r, rec.Version, end.Add(-period), end); err != nil {
				return ran, err
			}
			ran++
		}
	}
	return ran, nil
}

// Run ticks every interval until ctx ends.
func (s *Scheduler) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := s.Tick(ctx); err != nil && ctx.Err() == nil {
			s.Log.Error("rule scheduler tick failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *Scheduler) runWindow(ctx context.Context, r *Rule, version int, from, to time.Time) error {
	started := time.Now()
	res, err := s.Runner.Run(ctx, hunt.Request{Query: r.Query, Timespan: fmt.Sprintf("%ds", int64(to.Sub(from).Seconds())), At: to, Limit: 10_000})
	run := sqlite.RuleRun{RuleID: r.ID, WindowStart: from, WindowEnd: to, StartedAt: started.UTC()}
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		// A failing query is reported on its run, not dropped: the window is recorded with the error.
		run.Error = err.Error()
		s.Log.Warn("scheduled rule failed", "rule", r.ID, "window_end", to, "err", err)
	} else {
		run.Rows = len(res.Rows)
		if triggered(r, len(res.Rows)) {
			cols := make([]string, len(res.Columns))
			for i, c := range res.Columns {
				cols[i] = c.Name
			}
			alerts := BuildAlerts(Evaluation{Rule: r, Version: version, Source: "scheduled", Key: to.Format(time.RFC3339Nano),
				WindowStart: from, WindowEnd: to, DetectedAt: s.Now().UTC(), Tables: res.Tables}, Results{Columns: cols, Rows: res.Rows})
			kept, err := recordAlerts(ctx, s.DB, s.Alerts, r, alerts, to)
			if err != nil {
				return err
			}
			run.Alerts = len(kept)
			if s.Catalog != nil {
				if err := publishAlerts(ctx, s.Publisher, s.Catalog, "scheduled-"+r.ID+"-"+strconv.FormatInt(to.UnixMicro(), 10), kept); err != nil {
					return err
				}
			}
		}
	}
	run.DurationMS = float64(time.Since(started).Microseconds()) / 1000
	_, err = s.DB.RecordRuleRun(ctx, run)
	return err
}

func triggered(r *Rule, n int) bool {
	switch strings.ToLower(r.TriggerOperator) {
	case "gt", "greaterthan":
		return n > r.TriggerThreshold
	case "lt", "lessthan":
		return n < r.TriggerThreshold
	case "eq", "equal":
		return n == r.TriggerThreshold
	case "ne", "notequal":
		return n != r.TriggerThreshold
	}
	return false
}
