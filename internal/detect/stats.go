package detect

import (
	"sort"
	"time"

	"github.com/vigilsec/vigil/internal/sigma/engine"
	"github.com/vigilsec/vigil/internal/sigma/rule"
)

// RuleStats is one loaded Sigma rule with what stream detection counted for it: the totals committed to the state
// store (they survive restarts) plus what this process counted since.
type RuleStats struct {
	ID          string         `json:"id"`
	Title       string         `json:"title"`
	Kind        rule.Kind      `json:"kind"`
	Level       string         `json:"level,omitempty"`
	Status      string         `json:"status,omitempty"`
	Author      string         `json:"author,omitempty"`
	File        string         `json:"file,omitempty"`
	Logsource   rule.Logsource `json:"logsource"`
	Tags        []string       `json:"tags,omitempty"`
	Correlation *CorrInfo      `json:"correlation,omitempty"`
	// CorrelationOnly is true for a rule whose matches only feed correlations (no alerts of its own).
	CorrelationOnly bool `json:"correlationOnly"`
	// Matches counts the events the rule matched (for a correlation: times it fired).
	Matches int64 `json:"matches"`
	// Alerts counts the alerts recorded for the rule.
	Alerts int64 `json:"alerts"`
	// LastMatch is the event time of the latest match.
	LastMatch *time.Time `json:"lastMatch,omitempty"`
	// SampledEvaluations and AvgEvalNanos describe the rule's evaluation cost, timed on one event in 64 where the
	// literal index made the rule a candidate.
	SampledEvaluations int64   `json:"sampledEvaluations"`
	AvgEvalNanos       float64 `json:"avgEvalNanos"`
	// TotalEvalNanosEstimate extrapolates the sampled time to every event processed.
	TotalEvalNanosEstimate int64 `json:"totalEvalNanosEstimate"`
}

// CorrInfo summarises a correlation rule.
type CorrInfo struct {
	Type     string   `json:"type"`
	Rules    []string `json:"rules"`
	GroupBy  []string `json:"groupBy,omitempty"`
	Timespan string   `json:"timespan"`
}

// StatsSummary is the detector's totals.
type StatsSummary struct {
	Rules        int                `json:"rules"`
	Correlations int                `json:"correlations"`
	Events       int64              `json:"events"`
	Sampled      int64              `json:"sampledEvents"`
	State        engine.StreamStats `json:"state"`
}

func statKey(id, title string) string {
	if id != "" {
		return id
	}
	return title
}

// StateStats returns the correlation state counters.
func (d *Detector) StateStats() engine.StreamStats {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.corr.Stats()
}

// RuleStats returns every loaded rule with its counters, sorted by matches (most first), then title.
func (d *Detector) RuleStats() ([]RuleStats, StatsSummary) {
	d.mu.Lock()
	raw, events, sampled := d.corr.RuleStats()
	alerts := make(map[string]int64, len(d.alerts))
	for k, v := range d.alerts {
		alerts[k] = v
	}
	base := d.base
	events += base.Events
	sampled += base.Sampled
	sum := StatsSummary{Events: events, Sampled: sampled, State: d.corr.Stats()}
	d.mu.Unlock()
	out := make([]RuleStats, 0, len(raw))
	for _, st := range raw {
		r := st.Rule
		k := statKey(r.ID, r.Title)
		b := base.Rules[k]
		st.Matches += b.Matches
		st.SampledEvals += b.SampledEvals
		st.SampledNanos += b.SampledNanos
		if b.LastMatch.After(st.LastMatch) {
			st.LastMatch = b.LastMatch
		}
		rs := RuleStats{ID: k, Title: r.Title, Kind: r.Kind, Level: r.Level, Status: r.Status,
			Author: r.Author, File: r.File, Logsource: r.Logsource, Tags: r.Tags, Matches: st.Matches,
			Alerts: alerts[k] + b.Alerts, SampledEvaluations: st.SampledEvals,
			CorrelationOnly: d.engine.Suppressed(r)}
		if !st.LastMatch.IsZero() {
			t := st.LastMatch
			rs.LastMatch = &t
		}
		if st.SampledEvals > 0 {
			rs.AvgEvalNanos = float64(st.SampledNanos) / float64(st.SampledEvals)
			if sampled > 0 {
				rs.TotalEvalNanosEstimate = st.SampledNanos * events / sampled
			}
		}
		if c := r.Correlation; c != nil {
			rs.Correlation = &CorrInfo{Type: c.Type, Rules: c.Rules, GroupBy: c.GroupBy,
				Timespan: (time.Duration(c.Seconds) * time.Second).String()}
			sum.Correlations++
		} else {
			sum.Rules++
		}
		out = append(out, rs)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Matches != out[j].Matches {
			return out[i].Matches > out[j].Matches
		}
		return out[i].Title < out[j].Title
	})
	return out, sum
}

// RuleStat returns one rule's statistics by id (or, for a rule without id, title).
func (d *Detector) RuleStat(id string) (RuleStats, bool) {
	all, _ := d.RuleStats()
	for _, r := range all {
		if r.ID == id {
			return r, true
		}
	}
	return RuleStats{}, false
}
