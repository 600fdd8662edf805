package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/app"
	"github.com/vigilsec/vigil/internal/config"
	"github.com/vigilsec/vigil/internal/state"
)

const apiRule = `id: api-rule-1
name: Failed logons on a host
severity: Low
queryFrequency: 5m
queryPeriod: 5m
triggerOperator: gt
triggerThreshold: 0
tactics: [CredentialAccess]
relevantTechniques: [T1110]
query: |
  SecurityEvent
  | where EventID == 4625
  | summarize Failures = count() by Computer, TargetUserName
entityMappings:
  - entityType: Host
    fieldMappings: [{identifier: FullName, columnName: Computer}]
  - entityType: Account
    fieldMappings: [{identifier: Name, columnName: TargetUserName}]
customDetails:
  Failures: Failures
eventGroupingSettings:
  aggregationKind: AlertPerResult
suppressionEnabled: true
suppressionDuration: 1h
`

func TestRulesAPI(t *testing.T) {
	s := start(t, func(c *config.Config) { c.Analytics.Interval = 0; c.Detection.BuiltinRules = false })
	eng, reader := s.token("detection_engineer"), s.token("reader")

	// A KQL error is refused with its code and position in the query.
	bad := strings.Replace(apiRule, "EventID == 4625", "EventIdent == 4625", 1)
	code, body := s.do("POST", "/api/v1/rules", eng, strings.NewReader(bad), "Content-Type", "application/yaml")
	require.Equal(t, 400, code, body)
	require.Equal(t, "kql_unknown_column", body["error"].(map[string]any)["code"])
	ref := body["refusal"].(map[string]any)
	require.EqualValues(t, 2, ref["line"])
	require.EqualValues(t, 9, ref["column"])
	code, body = s.do("POST", "/api/v1/rules", eng, strings.NewReader("id: [broken"))
	require.Equal(t, 400, code)
	require.Equal(t, "parse_error", body["error"].(map[string]any)["code"])
	require.Contains(t, body["error"].(map[string]any)["message"], "line 1")

	code, body = s.do("POST", "/api/v1/rules", eng, strings.NewReader("  \n"))
	require.Equal(t, 400, code)
	require.Equal(t, "missing_field", body["error"].(map[string]any)["code"])
	code, _ = s.do("POST", "/api/v1/rules", reader, strings.NewReader(apiRule))
	require.Equal(t, 403, code, "readers cannot change rules")
	code, body = s.do("POST", "/api/v1/rules", eng, strings.NewReader(apiRule))
	require.Equal(t, 201, code, body)
	require.EqualValues(t, 1, body["version"])
	require.Equal(t, true, body["enabled"])
	code, _ = s.do("POST", "/api/v1/rules", eng, strings.NewReader(apiRule))
	require.Equal(t, 409, code)

	// Edits: a change is a new version, the same definition is not; JSON bodies work too.
	code, body = s.do("PUT", "/api/v1/rules/api-rule-1", eng, strings.NewReader(strings.Replace(apiRule, "severity: Low", "severity: Medium", 1)))
	require.Equal(t, 200, code, body)
	require.EqualValues(t, 2, body["version"])
	code, body = s.do("PUT", "/api/v1/rules/api-rule-1", eng, strings.NewReader(strings.Replace(apiRule, "severity: Low", "severity: Medium", 1)))
	require.Equal(t, 200, code, body)
	require.EqualValues(t, 2, body["version"])
	code, body = s.do("PUT", "/api/v1/rules/api-rule-1", eng, strings.NewReader(`{"id":"other","name":"x","queryFrequency":"5m","queryPeriod":"5m","triggerOperator":"gt","query":"SecurityEvent"}`))
	require.Equal(t, 400, code, body)
	require.Equal(t, "id_mismatch", body["error"].(map[string]any)["code"])
	code, _ = s.do("PUT", "/api/v1/rules/nope", eng, strings.NewReader(apiRule[strings.Index(apiRule, "\n")+1:]))
	require.Equal(t, 404, code)

	code, body = s.do("POST", "/api/v1/rules/api-rule-1/disable", eng, nil)
	require.Equal(t, 200, code, body)
	require.Equal(t, false, body["enabled"])
	require.Equal(t, "disabled", body["health"].(map[string]any)["status"])
	code, body = s.do("POST", "/api/v1/rules/api-rule-1/enable", eng, nil)
	require.Equal(t, 200, code, body)
	require.Equal(t, "idle", body["health"].(map[string]any)["status"])

	code, body = s.do("GET", "/api/v1/rules/api-rule-1/versions", reader, nil)
	require.Equal(t, 200, code, body)
	require.Len(t, body["versions"], 2)
	var changes []string
	for _, c := range body["changes"].([]any) {
		m := c.(map[string]any)
		changes = append(changes, m["change"].(string))
		require.Contains(t, m["by"], "detection_engineer-test")
	}
	require.Equal(t, []string{"enabled", "disabled", "updated", "created"}, changes)

	// Runs and health after the scheduler evaluated a window with matching events.
	t0 := time.Now().UTC().Truncate(time.Hour).Add(-2 * time.Hour)
	s.ingest("SecurityEvent", fmt.Sprintf(`{"TimeGenerated":%q,"EventID":4625,"Computer":"dc1.corp.local","TargetUserName":"bob"}`, t0.Add(time.Minute).Format(time.RFC3339)))
	sched := *s.a.Rules
	sched.Now = func() time.Time { return t0.Add(8 * time.Minute) }
	sched.IngestDelay = time.Minute
	_, err := sched.Tick(context.Background())
	require.NoError(t, err)
	code, body = s.do("GET", "/api/v1/rules/api-rule-1/runs", reader, nil)
	require.Equal(t, 200, code, body)
	require.Len(t, body["runs"], 1)
	code, body = s.do("GET", "/api/v1/rules", reader, nil)
	require.Equal(t, 200, code, body)
	require.EqualValues(t, 1, body["total"])
	h := body["rules"].([]any)[0].(map[string]any)["health"].(map[string]any)
	require.Equal(t, "ok", h["status"])
	require.EqualValues(t, 1, h["runs"])
	require.EqualValues(t, 1, h["alerts"])
	code, body = s.do("GET", "/api/v1/alerts?ruleId=api-rule-1", reader, nil)
	require.Equal(t, 200, code)
	al := body["alerts"].([]any)[0].(map[string]any)
	require.EqualValues(t, 2, al["ruleVersion"])
	require.Equal(t, "Medium", al["severity"])
	require.Equal(t, map[string]any{"Failures": []any{"1"}}, al["customDetails"])
	require.NotEmpty(t, al["windowStart"])

	// The alert is hunted in KQL too, as a SecurityAlert row with Sentinel's entity list.
	require.Eventually(t, func() bool {
		code, res := s.do("POST", "/api/v1/hunt", reader, strings.NewReader(
			`{"query":"SecurityAlert | where ProductName == 'Vigil Analytics' | project AlertSeverity, CompromisedEntity, Entities"}`))
		rows, _ := res["rows"].([]any)
		if code != 200 || len(rows) != 1 {
			return false
		}
		r := rows[0].([]any)
		return r[0] == "Medium" && r[1] == "dc1.corp.local" && strings.Contains(r[2].(string), `"Type":"account"`)
	}, 20*time.Second, 50*time.Millisecond)
	code, _ = s.do("GET", "/api/v1/rules/api-rule-1/runs?limit=0", reader, nil)
	require.Equal(t, 400, code)
	code, _ = s.do("DELETE", "/api/v1/rules/api-rule-1", reader, nil)
	require.Equal(t, 403, code)
	code, _ = s.do("DELETE", "/api/v1/rules/api-rule-1", eng, nil)
	require.Equal(t, 204, code)
	code, _ = s.do("GET", "/api/v1/rules/api-rule-1", reader, nil)
	require.Equal(t, 404, code)
	code, body = s.do("GET", "/api/v1/rules/api-rule-1/versions", reader, nil)
	require.Equal(t, 200, code, "the change log outlives the rule")
	require.Equal(t, "deleted", body["changes"].([]any)[0].(map[string]any)["change"])
}

func (s *server) ingest(table, ndjson string) {
	s.t.Helper()
	ctx := context.Background()
	res, err := s.a.Receiver.IngestNDJSON(ctx, table, strings.NewReader(ndjson))
	require.NoError(s.t, err)
	require.Zero(s.t, res.Rejected, res.Rejects)
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	require.NoError(s.t, s.a.WaitWritten(wctx))
}

// TestNRTRuleThroughTheServer creates an NRT rule through the API and checks that an ingested event raises its
// alert, with entities from the mappings, and that the rule's health counts the events.
func TestNRTRuleThroughTheServer(t *testing.T) {
	s := start(t, func(c *config.Config) { c.Detection.BuiltinRules = false })
	eng, ingest := s.token("detection_engineer"), s.token("ingest")
	rule := `id: nrt-net-group
name: Domain admins enumerated
kind: NRT
severity: Medium
tactics: [Discovery]
relevantTechniques: [T1069.002]
query: |
  DeviceProcessEvents
  | where FileName in~ ("net.exe", "net1.exe") and ProcessCommandLine has "group" and ProcessCommandLine has "/domain"
  | project Timestamp, DeviceName, AccountName, AccountDomain, ProcessCommandLine
entityMappings:
  - entityType: Host
    fieldMappings: [{identifier: FullName, columnName: DeviceName}]
  - entityType: Account
    fieldMappings: [{identifier: Name, columnName: AccountName}, {identifier: NTDomain, columnName: AccountDomain}]
`
	code, body := s.do("POST", "/api/v1/rules", eng, strings.NewReader(rule))
	require.Equal(t, 201, code, body)
	ts := time.Now().UTC().Format(time.RFC3339Nano)
	code, body = s.do("POST", "/api/v1/ingest/DeviceProcessEvents", ingest, strings.NewReader(
		`{"Timestamp":"`+ts+`","DeviceName":"ws-9.corp.local","AccountDomain":"corp","AccountName":"eve","FileName":"net.exe","ProcessCommandLine":"net group \"Domain Admins\" /domain"}`+"\n"+
			`{"Timestamp":"`+ts+`","DeviceName":"ws-9.corp.local","AccountDomain":"corp","AccountName":"eve","FileName":"net.exe","ProcessCommandLine":"net use"}`))
	require.Equal(t, 200, code, body)
	var alerts []state.Alert
	require.Eventually(t, func() bool {
		var err error
		alerts, _, err = s.a.State.ListAlerts(context.Background(), state.AlertFilter{RuleID: "nrt-net-group"})
		require.NoError(t, err)
		return len(alerts) > 0
	}, 30*time.Second, 20*time.Millisecond)
	require.Len(t, alerts, 1)
	require.Equal(t, "nrt", alerts[0].Source)
	require.Equal(t, []state.Entity{
		{Type: "Host", Value: "ws-9", Props: map[string]string{"FullName": "ws-9.corp.local", "HostName": "ws-9", "DnsDomain": "corp.local"}},
		{Type: "Account", Value: "eve", Props: map[string]string{"Name": "eve", "NTDomain": "corp"}},
	}, alerts[0].Entities)
	// The rule's health counts what it read; the counts are recorded a little after the alert (under load, a
	// first read may come before them).
	var health map[string]any
	require.Eventually(t, func() bool {
		code, body = s.do("GET", "/api/v1/rules/nrt-net-group", eng, nil)
		require.Equal(t, 200, code)
		health, _ = body["health"].(map[string]any)
		stream, _ := health["stream"].(map[string]any)
		return stream != nil && stream["events"] == float64(2)
	}, 30*time.Second, 20*time.Millisecond, "health: %v", health)
	stream := health["stream"].(map[string]any)
	require.EqualValues(t, 2, stream["events"])
	require.EqualValues(t, 1, stream["matches"])
	require.Equal(t, "ok", health["status"])
}

// TestSuppressionSurvivesRestart checks that a rule's suppression by entity holds across a server restart, and
// only for the same entities.
func TestSuppressionSurvivesRestart(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Listen = "127.0.0.1:0"
	cfg.Stream.MaxBytes = 256 << 20
	cfg.Analytics.Interval = 0
	cfg.Detection.BuiltinRules = false
	cfg.Analytics.RuleDirs = []string{dirWith(t, "rule.yaml", apiRule)}
	ctx := context.Background()
	t0 := time.Now().UTC().Truncate(time.Hour).Add(-3 * time.Hour)
	open := func() *server {
		a, err := app.New(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
		require.NoError(t, err)
		require.NoError(t, a.Start(ctx, false))
		return &server{t: t, a: a}
	}
	tick := func(s *server, at time.Duration) {
		sched := *s.a.Rules
		sched.IngestDelay = time.Minute
		sched.Now = func() time.Time { return t0.Add(at) }
		_, err := sched.Tick(ctx)
		require.NoError(t, err)
	}
	event := func(s *server, min int, host string) {
		s.ingest("SecurityEvent", fmt.Sprintf(`{"TimeGenerated":%q,"EventID":4625,"Computer":%q,"TargetUserName":"bob"}`,
			t0.Add(time.Duration(min)*time.Minute).Format(time.RFC3339), host))
	}
	alerts := func(s *server) []string {
		list, _, err := s.a.State.ListAlerts(ctx, state.AlertFilter{RuleID: "api-rule-1"})
		require.NoError(t, err)
		var hosts []string
		for _, a := range list {
			hosts = append(hosts, a.Entities[0].Value)
		}
		return hosts
	}

	s := open()
	event(s, 1, "dc1")
	event(s, 6, "dc1")
	tick(s, 6*time.Minute)  // window ending at +5m: alert on dc1
	tick(s, 11*time.Minute) // window ending at +10m: dc1 again, suppressed
	require.Equal(t, []string{"dc1"}, alerts(s))
	require.NoError(t, s.a.Close(10*time.Second))

	s = open()
	defer func() { require.NoError(t, s.a.Close(10*time.Second)) }()
	event(s, 11, "dc1")
	event(s, 12, "dc2")
	tick(s, 16*time.Minute) // window ending at +15m: dc1 still suppressed after the restart, dc2 is new
	require.ElementsMatch(t, []string{"dc1", "dc2"}, alerts(s))
	runs, err := s.a.State.RuleRuns(ctx, "api-rule-1")
	require.NoError(t, err)
	require.Len(t, runs, 3)
	require.Equal(t, []int{1, 0, 1}, []int{runs[0].Alerts, runs[1].Alerts, runs[2].Alerts})
}

func dirWith(t *testing.T, name, body string) string {
	p := writeFile(t, name, body)
	return p[:strings.LastIndex(p, "/")]
}

// TestShippedRulesAcrossRestarts checks that the shipped analytics rules are stored at start, and that a restart
// keeps what was changed through the API: an edited rule keeps its edit, a disabled one stays disabled, a deleted
// one stays deleted.
func TestShippedRulesAcrossRestarts(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Listen = "127.0.0.1:0"
	cfg.Stream.MaxBytes = 256 << 20
	cfg.Analytics.Interval = 0
	ctx := context.Background()
	open := func() *server {
		a, err := app.New(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
		require.NoError(t, err)
		require.NoError(t, a.Start(ctx, true))
		return &server{t: t, a: a, base: "http://" + a.Addr()}
	}
	s := open()
	admin := s.token("admin")
	code, body := s.do("GET", "/api/v1/rules", admin, nil)
	require.Equal(t, 200, code)
	rules := body["rules"].([]any)
	require.GreaterOrEqual(t, len(rules), 8)
	ids := []string{}
	for _, r := range rules {
		m := r.(map[string]any)
		require.EqualValues(t, 1, m["version"])
		ids = append(ids, m["id"].(string))
	}
	edited, disabled, deleted := ids[0], ids[1], ids[2]
	code, one := s.do("GET", "/api/v1/rules/"+edited, admin, nil)
	require.Equal(t, 200, code)
	def := one["rule"].(map[string]any)
	def["severity"] = "Informational"
	code, body = s.do("PUT", "/api/v1/rules/"+edited, admin, strings.NewReader(jsonBody(t, def)), "Content-Type", "application/json")
	require.Equal(t, 200, code, body)
	require.EqualValues(t, 2, body["version"])
	code, _ = s.do("POST", "/api/v1/rules/"+disabled+"/disable", admin, nil)
	require.Equal(t, 200, code)
	code, _ = s.do("DELETE", "/api/v1/rules/"+deleted, admin, nil)
	require.Equal(t, 204, code)
	require.NoError(t, s.a.Close(10*time.Second))

	s = open()
	defer func() { require.NoError(t, s.a.Close(10*time.Second)) }()
	code, body = s.do("GET", "/api/v1/rules/"+edited, admin, nil)
	require.Equal(t, 200, code)
	require.EqualValues(t, 2, body["version"])
	require.Equal(t, "Informational", body["severity"])
	code, body = s.do("GET", "/api/v1/rules/"+disabled, admin, nil)
	require.Equal(t, 200, code)
	require.Equal(t, false, body["enabled"])
	code, _ = s.do("GET", "/api/v1/rules/"+deleted, admin, nil)
	require.Equal(t, 404, code)
}

func jsonBody(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}
