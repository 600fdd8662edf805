package analytics

import (
	"context"
	"time"

	"github.com/vigilsec/vigil/internal/state"
)

// Suppressions keeps per-rule suppression state (in the state store, so it survives a restart).
type Suppressions interface {
	// Suppressed reports whether alerts of the rule about the entities behind key are suppressed at time at.
	Suppressed(ctx context.Context, ruleID, key string, at time.Time) (bool, error)
	// Suppress suppresses them until the given time.
	Suppress(ctx context.Context, ruleID, key string, until time.Time) error
}

// recordAlerts records a rule's alerts, dropping those whose entities the rule suppresses at time at, and starts
// the suppression of the ones it records. The alerts are recorded before their suppression is: a crash in between
// re-creates the same alerts (same ids, recorded once) on the re-run. It returns the alerts it kept.
func recordAlerts(ctx context.Context, sup Suppressions, st state.Alerts, r *Rule, alerts []state.Alert, at time.Time) ([]state.Alert, error) {
	if len(alerts) == 0 {
		return nil, nil
	}
	var dur time.Duration
	if r.SuppressionEnabled && sup != nil {
		dur, _ = ParseDuration(r.SuppressionDuration)
	}
	if dur <= 0 {
		if _, err := st.AddAlerts(ctx, alerts); err != nil {
			return nil, err
		}
		return alerts, nil
	}
	var keep []state.Alert
	var keys []string
	seen := map[string]bool{}
	for _, a := range alerts {
		k := SuppressionKey(a)
		if seen[k] {
			continue
		}
		seen[k] = true
		on, err := sup.Suppressed(ctx, r.ID, k, at)
		if err != nil {
			return nil, err
		}
		if !on {
			keep = append(keep, a)
			keys = append(keys, k)
		}
	}
	if len(keep) == 0 {
		return nil, nil
	}
	if _, err := st.AddAlerts(ctx, keep); err != nil {
		return nil, err
	}
	for _, k := range keys {
		if err := sup.Suppress(ctx, r.ID, k, at.Add(dur)); err != nil {
			return nil, err
		}
	}
	return keep, nil
}
