package app

import (
	"context"
	"fmt"

	"github.com/vigilsec/vigil/internal/analytics"
	"github.com/vigilsec/vigil/internal/kql"
	"github.com/vigilsec/vigil/internal/ruleset"
)

// loadRules stores the shipped analytics rules (unless detection.builtin_rules is off) and those under
// analytics.rule_dirs: new rules are created, changed ones get a new version, and a rule changed or deleted
// through the API since is left alone.
func (a *App) loadRules(ctx context.Context, cat kql.Catalog) error {
	type source struct {
		name    string
		rules   []*analytics.Rule
		refused []*analytics.Refusal
	}
	var sources []source
	if a.Config.Detection.BuiltinRules {
		rules, refused := ruleset.SentinelRules()
		sources = append(sources, source{ruleset.Author, rules, refused})
	}
	for _, dir := range a.Config.Analytics.RuleDirs {
		rules, refused, err := analytics.ReadPath(dir)
		if err != nil {
			return fmt.Errorf("analytics.rule_dirs %s: %w", dir, err)
		}
		sources = append(sources, source{"dir:" + dir, rules, refused})
	}
	for _, src := range sources {
		rep, err := analytics.Sync(ctx, src.rules, src.refused, cat, a.State, src.name)
		if err != nil {
			return fmt.Errorf("load analytics rules (%s): %w", src.name, err)
		}
		for _, r := range rep.Refusals {
			a.Log.Warn("analytics rule refused", "source", r.Source, "rule", r.Name, "reason", r.Reason, "detail", r.Detail)
		}
		a.Log.Info("analytics rules loaded", "from", src.name, "rules", rep.Total, "stored", rep.Imported, "kept_as_changed", rep.Kept, "refused", rep.Refused)
	}
	return nil
}
