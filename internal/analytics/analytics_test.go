package analytics_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/analytics"
	"github.com/vigilsec/vigil/internal/kql"
	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/state/sqlite"
)

const goodRule = `id: 0b0e7f0e-0000-4000-8000-000000000001
name: Many failed logons
severity: Medium
kind: Scheduled
queryFrequency: 1h
queryPeriod: PT2H
triggerOperator: gt
triggerThreshold: 0
tactics: [CredentialAccess]
relevantTechniques: [T1110]
query: |
  SecurityEvent
  | where EventID == 4625
  | summarize n = count() by Account, Computer
  | where n > 10
entityMappings:
  - entityType: Account
    fieldMappings: [{identifier: FullName, columnName: Account}]
`

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{"5m": 5 * time.Minute, "1h": time.Hour, "14d": 14 * 24 * time.Hour, "PT1H": time.Hour, "P1D": 24 * time.Hour, "PT30M": 30 * time.Minute} {
		got, err := analytics.ParseDuration(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "soon", "P", "5"} {
		_, err := analytics.ParseDuration(bad)
		require.Error(t, err, bad)
	}
}

func TestImport(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	write := func(name, body string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600))
	}
	write("good.yaml", goodRule)
	write("fast.yaml", "id: x2\nname: Too often\nqueryFrequency: 1m\nqueryPeriod: 1m\ntriggerOperator: gt\nquery: SecurityEvent")
	write("badkql.yaml", "id: x3\nname: Bad column\nqueryFrequency: 1h\nqueryPeriod: 1h\ntriggerOperator: gt\nquery: SecurityEvent | where Nope == 1")
	write("broken.yaml", "id: [unclosed")
	write("rules.jsonl", `{"kind":"analytic_rule","rule_kind":"NRT","id":"x4","name":"NRT rule","query":"SecurityEvent | where EventID == 1102","triggerThreshold":"0"}`+"\n")

	rules, refused, err := analytics.ReadPath(dir)
	require.NoError(t, err)
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "state.db"))
	require.NoError(t, err)
	defer st.Close()
	rep, err := analytics.Import(ctx, rules, refused, kql.WithFunctions(schema.NewCatalog(), kql.NewFunctions()), analytics.SQLiteStore{DB: st})
	require.NoError(t, err)
	require.Equal(t, 5, rep.Total)
	require.Equal(t, 2, rep.Imported)
	require.Equal(t, map[string]int{"bad_duration": 1, "kql_unknown_column": 1, "parse_error": 1}, rep.Refused)

	// Importing again keeps the version; a changed definition gets a new one.
	v, err := st.SaveRuleDefinition(ctx, "x4", "NRT rule", "NRT", rules[len(rules)-1])
	require.NoError(t, err)
	require.Equal(t, 1, v)
	rules[len(rules)-1].Description = "changed"
	v, err = st.SaveRuleDefinition(ctx, "x4", "NRT rule", "NRT", rules[len(rules)-1])
	require.NoError(t, err)
	require.Equal(t, 2, v)
	recs, err := st.RuleDefinitions(ctx)
	require.NoError(t, err)
	require.Len(t, recs, 2)
}
