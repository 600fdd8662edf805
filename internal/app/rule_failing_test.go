package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/analytics"
	"github.com/vigilsec/vigil/internal/config"
	"github.com/vigilsec/vigil/internal/kql"
)

// TestScheduledRuleFailingRun: a scheduled rule whose query fails when it runs (here an externaldata list on an
// allowed prefix whose host cannot be resolved, as on a server without Internet access) is imported, each of its
// windows is recorded once with the error, the rule's health says failing with that error, and the scheduler moves
// on to the next windows instead of stopping or retrying one forever.
func TestScheduledRuleFailingRun(t *testing.T) {
	s := start(t, func(c *config.Config) {
		c.Analytics.Interval = 0
		c.Detection.BuiltinRules = false
		c.KQL.ExternalData.AllowedPrefixes = []string{"https://feeds.vigil-test.invalid/"}
		c.KQL.ExternalData.Timeout = 5 * time.Second
	})
	ctx := context.Background()
	rules, refused, err := analytics.ReadPath(writeFile(t, "rule.yaml", `id: r-feed
name: Sign-in from a listed address
severity: Medium
queryFrequency: 5m
queryPeriod: 5m
triggerOperator: gt
triggerThreshold: 0
query: |
  let bad = externaldata(IP:string) [@"https://feeds.vigil-test.invalid/ips.txt"] with (format="txt");
  SigninLogs | where IPAddress in (bad)
`))
	require.NoError(t, err)
	rep, err := analytics.Import(ctx, rules, refused, kql.WithFunctions(s.a.Catalog, kql.NewFunctions()), analytics.SQLiteStore{DB: s.a.State})
	require.NoError(t, err)
	require.Equal(t, 1, rep.Imported, "%v", rep.Refusals)

	t0 := time.Now().UTC().Truncate(time.Hour).Add(-2 * time.Hour)
	now := t0.Add(7 * time.Minute)
	sched := *s.a.Rules
	sched.IngestDelay = time.Minute
	sched.Now = func() time.Time { return now }
	n, err := sched.Tick(ctx)
	require.NoError(t, err, "a failing rule does not fail the scheduler")
	require.Equal(t, 1, n)
	now = t0.Add(17 * time.Minute)
	n, err = sched.Tick(ctx)
	require.NoError(t, err)
	require.Equal(t, 2, n, "the next windows run")

	runs, err := s.a.State.RuleRuns(ctx, "r-feed")
	require.NoError(t, err)
	require.Len(t, runs, 3)
	for i, r := range runs {
		require.Equal(t, t0.Add(time.Duration(5*(i+1))*time.Minute), r.WindowEnd)
		require.Contains(t, r.Error, "feeds.vigil-test.invalid", "the run records why it failed")
	}

	code, body := s.do("GET", "/api/v1/rules/r-feed", s.token("analyst"), nil)
	require.Equal(t, 200, code, "%v", body)
	health := body["health"].(map[string]any)
	require.Equal(t, "failing", health["status"])
	require.EqualValues(t, 3, health["failedRuns"])
	last, _ := health["lastRun"].(map[string]any)
	require.NotNil(t, last, "%v", health)
	require.True(t, strings.Contains(last["error"].(string), "feeds.vigil-test.invalid"), "%v", last)
	require.Contains(t, health["lastError"], "feeds.vigil-test.invalid")
}
