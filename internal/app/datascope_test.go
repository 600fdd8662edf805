package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/api"
	"github.com/vigilsec/vigil/internal/auth"
	"github.com/vigilsec/vigil/internal/config"
	"github.com/vigilsec/vigil/internal/state"
	"github.com/vigilsec/vigil/internal/state/sqlite"
)

// raw makes a request and returns the status and the body as text (any content type), counting its audit entry.
func (s *server) raw(method, path, token, body string) (int, string) {
	req, err := http.NewRequest(method, s.base+path, strings.NewReader(body))
	require.NoError(s.t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(s.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(s.t, err)
	var m map[string]any
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		_ = json.Unmarshal(b, &m)
	}
	s.expectAudit(req, resp.StatusCode, m)
	return resp.StatusCode, string(b)
}

// The values planted in the test's events: hidden in a Defender table (outside the limited role's groups), visible
// in a Sentinel table (inside them).
const (
	hiddenCanary  = "h1dden-c4n4ry"
	visibleCanary = "v1sible-c4n4ry"
)

// TestTableGroupsLimitEveryDataRoute plants a value in an endpoint table (Defender group) that reaches alerts (in
// their title, description, entities and evidence), incidents, the alert tables and the hunts, and walks every
// route the server registers with a token of a custom role holding every permission but limited to the Sentinel
// table group: no answer may hold the value (each route answers 403 or filtered data). The same walk with a role of
// the same permissions and no table groups finds the value on the alert, incident and hunt routes, so the check can
// fail. The limited role still sees the Sentinel-only alert whole, and is told what was withheld and why.
func TestTableGroupsLimitEveryDataRoute(t *testing.T) {
	s := start(t, func(c *config.Config) { c.Detection.BuiltinRules = false })
	ctx := context.Background()
	eng, ingest := s.token("detection_engineer"), s.token("ingest")
	rule := func(id, name, query, host string) string {
		return `id: ` + id + `
name: ` + name + `
kind: NRT
severity: High
query: |
  ` + query + `
alertDetailsOverride:
  alertDisplayNameFormat: "Canary on {{` + host + `}}"
  alertDescriptionFormat: "ran {{Message}}"
entityMappings:
  - entityType: Host
    fieldMappings: [{identifier: FullName, columnName: ` + host + `}]
`
	}
	for _, r := range []string{
		rule("canary-endpoint", "Endpoint canary", `DeviceProcessEvents | where ProcessCommandLine has "canary" | project Timestamp, DeviceName, Message = ProcessCommandLine`, "DeviceName"),
		rule("canary-syslog", "Syslog canary", `Syslog | where SyslogMessage has "canary" | project TimeGenerated, HostName, Message = SyslogMessage`, "HostName"),
	} {
		code, body := s.do("POST", "/api/v1/rules", eng, strings.NewReader(r))
		require.Equal(t, 201, code, body)
	}
	ts := time.Now().UTC().Format(time.RFC3339Nano)
	code, body := s.do("POST", "/api/v1/ingest/DeviceProcessEvents", ingest, strings.NewReader(
		`{"Timestamp":"`+ts+`","DeviceName":"`+hiddenCanary+`-ws","FileName":"cmd.exe","ProcessCommandLine":"backup canary `+hiddenCanary+`"}`))
	require.Equal(t, 200, code, body)
	code, body = s.do("POST", "/api/v1/ingest/Syslog", ingest, strings.NewReader(
		`{"TimeGenerated":"`+ts+`","HostName":"`+visibleCanary+`-srv","SyslogMessage":"cron canary `+visibleCanary+`"}`))
	require.Equal(t, 200, code, body)
	// Two alerts recorded the way older versions did or a scheduled rule does: one whose source tables are not
	// known, one drawn from a Sentinel and a Defender table.
	t0 := time.Now().UTC().Add(-time.Hour)
	_, err := s.a.State.AddAlerts(ctx, []state.Alert{
		{ID: "legacy-1", Source: "sigma", RuleID: "r-legacy", RuleTitle: "Legacy rule", Severity: "Low", Status: "New",
			Tactics: []string{}, Techniques: []string{}, MatchedFields: []state.MatchedField{{Field: "CommandLine", Value: hiddenCanary}},
			Entities: []state.Entity{{Type: "Host", Value: hiddenCanary + "-legacy"}}, Event: map[string]any{"CommandLine": hiddenCanary},
			EventTime: t0, DetectedAt: t0},
		{ID: "mixed-1", Source: "scheduled", RuleID: "r-gone", RuleTitle: "Mixed on " + hiddenCanary, Severity: "Medium", Status: "New",
			Tactics: []string{}, Techniques: []string{}, MatchedFields: []state.MatchedField{}, Description: "joined " + hiddenCanary,
			Entities: []state.Entity{{Type: "Account", Value: hiddenCanary + "-user"}}, SourceTables: []string{"DeviceProcessEvents", "Syslog"},
			Evidence: []map[string]any{{"Account": hiddenCanary + "-user"}, {"Account": "x"}}, EventTime: t0, DetectedAt: t0},
	})
	require.NoError(t, err)
	s.a.Correlator.Notify()
	incidentOf := map[string]string{}
	require.Eventually(t, func() bool {
		alerts, _, err := s.a.State.ListAlerts(ctx, state.AlertFilter{Limit: 100})
		require.NoError(t, err)
		for _, a := range alerts {
			if a.IncidentID != "" {
				incidentOf[a.RuleID] = a.IncidentID
			}
		}
		return len(incidentOf) == 4
	}, 30*time.Second, 20*time.Millisecond, "four alerts, each in an incident")
	alertOf := map[string]string{}
	alerts, _, err := s.a.State.ListAlerts(ctx, state.AlertFilter{Limit: 100})
	require.NoError(t, err)
	for _, a := range alerts {
		alertOf[a.RuleID] = a.ID
	}
	// The alert tables in KQL hold the value too (what the vigil group is for).
	require.Eventually(t, func() bool { return s.count("SecurityAlert") >= 2 }, 30*time.Second, 20*time.Millisecond)

	// A failed run whose error quotes a row's value, as a query's conversion error may.
	_, err = s.a.State.RecordRuleRun(ctx, sqlite.RuleRun{RuleID: "canary-endpoint", WindowStart: t0, WindowEnd: t0.Add(time.Minute),
		StartedAt: t0, Error: "could not convert " + hiddenCanary})
	require.NoError(t, err)

	now := time.Now()
	var all []string
	for _, p := range auth.AllPermissions() {
		all = append(all, string(p))
	}
	require.NoError(t, s.a.State.CreateRole(ctx, state.Role{Name: "sentinel_only", Permissions: all, TableGroups: []string{"sentinel"}, CreatedAt: now, UpdatedAt: now}))
	require.NoError(t, s.a.State.CreateRole(ctx, state.Role{Name: "everything", Permissions: all, CreatedAt: now, UpdatedAt: now}))
	_, limited, err := s.a.Tokens.Create(ctx, "limited", "sentinel_only", 0)
	require.NoError(t, err)
	_, whole, err := s.a.Tokens.Create(ctx, "whole", "everything", 0)
	require.NoError(t, err)

	var doc struct {
		Paths map[string]map[string]struct {
			Permission string `json:"x-permission"`
		} `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(api.OpenAPI(), &doc))
	bodies := map[string]string{
		"POST /api/v1/hunt":         `{"query":"union Sec*, Sys* | where tostring(pack_all()) has \"canary\""}`,
		"POST /api/v1/kql/check":    `{"query":"DeviceProcessEvents | where ProcessCommandLine has \"canary\""}`,
		"POST /api/v1/kql/complete": `{"query":""}`,
	}
	walk := func(token string) (leaks []string) {
		for _, r := range s.a.API.Routes() {
			method, path := r[0], r[1]
			if path != "/" {
				path = strings.TrimSuffix(path, "/")
			}
			op, ok := doc.Paths[path][strings.ToLower(method)]
			require.True(t, ok, "%s %s is registered but not documented", method, path)
			if op.Permission == "none" {
				continue // health and sign-in: no data
			}
			id := "nonexistent"
			switch {
			case strings.HasPrefix(path, "/api/v1/alerts/"):
				id = alertOf["canary-endpoint"]
			case strings.HasPrefix(path, "/api/v1/incidents/"):
				id = incidentOf["canary-endpoint"]
			case strings.HasPrefix(path, "/api/v1/rules/") && method == "GET":
				id = "canary-endpoint"
			}
			url := strings.NewReplacer("{table}", "DeviceProcessEvents", "{id}", id, "{index}", "logs-test-default",
				"{name}", "vigil-test", "{what}", "health", "{taskId}", "1").Replace(path)
			body, ok := bodies[method+" "+path]
			if !ok {
				body = "{}"
			}
			code, text := s.raw(method, url, token, body)
			require.NotEqual(t, 401, code, "%s %s", method, url)
			if strings.Contains(text, hiddenCanary) {
				leaks = append(leaks, method+" "+path)
			}
		}
		sortStrings(leaks)
		return leaks
	}
	seen := walk(whole)
	for _, route := range []string{"GET /api/v1/alerts", "GET /api/v1/alerts/{id}", "GET /api/v1/incidents",
		"GET /api/v1/incidents/{id}", "PATCH /api/v1/incidents/{id}", "POST /api/v1/hunt", "GET /api/v1/rules/{id}/runs",
		"GET /api/v1/rules/{id}", "GET /api/v1/rules"} {
		require.Contains(t, seen, route, "without table groups the value is there to find")
	}
	require.Empty(t, walk(limited), "a role limited to the sentinel group reads nothing of the defender tables")

	// What the limited role sees instead: the Syslog alert whole, the others with a marker.
	code, one := s.do("GET", "/api/v1/alerts/"+alertOf["canary-syslog"], limited, nil)
	require.Equal(t, 200, code)
	require.Equal(t, "Canary on "+visibleCanary+"-srv", one["ruleTitle"])
	require.Nil(t, one["withheld"])
	require.NotEmpty(t, one["entities"])
	code, one = s.do("GET", "/api/v1/alerts/"+alertOf["canary-endpoint"], limited, nil)
	require.Equal(t, 200, code)
	require.Equal(t, "Endpoint canary", one["ruleTitle"], "the rule's name, not the title formatted from the row")
	require.Equal(t, map[string]any{"reason": "the content was drawn from tables outside the table groups of your role",
		"groups": []any{"defender"}, "evidenceRows": float64(1), "entities": float64(1)}, one["withheld"])
	require.Empty(t, one["entities"])
	code, one = s.do("GET", "/api/v1/alerts/mixed-1", limited, nil)
	require.Equal(t, 200, code)
	require.Equal(t, "Analytics rule r-gone", one["ruleTitle"])
	require.Equal(t, []any{"defender"}, one["withheld"].(map[string]any)["groups"])
	require.EqualValues(t, 2, one["withheld"].(map[string]any)["evidenceRows"])
	code, one = s.do("GET", "/api/v1/alerts/legacy-1", limited, nil)
	require.Equal(t, 200, code)
	require.Equal(t, "Legacy rule", one["ruleTitle"], "a Sigma title is the rule's own")
	require.Contains(t, one["withheld"].(map[string]any)["reason"], "not recorded")
	code, one = s.do("GET", "/api/v1/alerts/legacy-1", whole, nil)
	require.Equal(t, 200, code)
	require.Nil(t, one["withheld"], "roles without table groups see everything")

	code, inc := s.do("GET", "/api/v1/incidents/"+incidentOf["canary-syslog"], limited, nil)
	require.Equal(t, 200, code)
	require.Nil(t, inc["withheld"])
	require.Contains(t, mustJSON(t, inc["evidence"]), visibleCanary)
	code, inc = s.do("GET", "/api/v1/incidents/"+incidentOf["canary-endpoint"], limited, nil)
	require.Equal(t, 200, code)
	require.Equal(t, "Endpoint canary", inc["title"])
	require.EqualValues(t, 1, inc["withheld"].(map[string]any)["alerts"])
	require.Empty(t, inc["evidence"])
	require.Empty(t, inc["entities"])

	// Hunting, the editor and the schema: other groups' tables do not exist, Vigil's own tables included.
	for _, q := range []string{"DeviceProcessEvents | take 1", "SecurityAlert | take 1", "VigilAudit | take 1"} {
		code, _ = s.do("POST", "/api/v1/hunt", limited, strings.NewReader(`{"query":"`+q+`"}`))
		require.Equal(t, 400, code, q)
	}
	code, res := s.do("POST", "/api/v1/hunt", limited, strings.NewReader(`{"query":"Syslog | where SyslogMessage has \"canary\" | project SyslogMessage"}`))
	require.Equal(t, 200, code, res)
	require.Contains(t, mustJSON(t, res["rows"]), visibleCanary)
	code, res = s.do("POST", "/api/v1/kql/check", limited, strings.NewReader(bodies["POST /api/v1/kql/check"]))
	require.Equal(t, 200, code)
	require.Equal(t, false, res["valid"])
	code, res = s.do("POST", "/api/v1/kql/check", whole, strings.NewReader(bodies["POST /api/v1/kql/check"]))
	require.Equal(t, 200, code)
	require.Equal(t, true, res["valid"])
	tableNames := func(token, path, key string) []string {
		code, res := s.do(path[:strings.Index(path, " ")], path[strings.Index(path, " ")+1:], token, strings.NewReader(`{"query":""}`))
		require.Equal(t, 200, code, res)
		var names []string
		for _, x := range res[key].([]any) {
			m := x.(map[string]any)
			if n, ok := m["name"].(string); ok {
				names = append(names, n)
			} else if m["kind"] == "table" {
				names = append(names, m["label"].(string))
			}
		}
		return names
	}
	for _, p := range []struct{ path, key string }{{"GET /api/v1/schema", "tables"}, {"POST /api/v1/kql/complete", "completions"}} {
		names := tableNames(limited, p.path, p.key)
		require.Contains(t, names, "Syslog", p.path)
		for _, hidden := range []string{"DeviceProcessEvents", "SecurityAlert", "SecurityIncident", "AlertEvidence", "VigilAudit"} {
			require.NotContains(t, names, hidden, p.path)
		}
		require.Contains(t, tableNames(whole, p.path, p.key), "DeviceProcessEvents", p.path)
	}
	code, _ = s.do("GET", "/api/v1/schema/DeviceProcessEvents", limited, nil)
	require.Equal(t, 404, code)
	// The counts reach the state store every few seconds: wait until both tables are there, then compare views.
	require.Eventually(t, func() bool {
		code, res := s.do("GET", "/api/v1/ingest/stats", whole, nil)
		j := mustJSON(t, res)
		return code == 200 && strings.Contains(j, "DeviceProcessEvents") && strings.Contains(j, "Syslog")
	}, 20*time.Second, 200*time.Millisecond)
	code, res = s.do("GET", "/api/v1/ingest/stats", limited, nil)
	require.Equal(t, 200, code)
	require.NotContains(t, mustJSON(t, res), "DeviceProcessEvents")
	require.Contains(t, mustJSON(t, res), "Syslog")
	for _, path := range []string{"/api/v1/audit", "/metrics"} {
		code, res = s.do("GET", path, limited, nil)
		require.Equal(t, 403, code, path)
		require.Equal(t, "table_group", res["error"].(map[string]any)["code"], path)
		code, _ = s.do("GET", path, whole, nil)
		require.Equal(t, 200, code, path)
	}

	// Rules run with the server's rights: a limited author may write them only over tables it reads.
	code, res = s.do("POST", "/api/v1/rules", limited, strings.NewReader(rule("limited-endpoint", "No", `DeviceProcessEvents | project Timestamp, DeviceName, Message = ProcessCommandLine`, "DeviceName")))
	require.Equal(t, 400, code, res)
	require.Contains(t, res["error"].(map[string]any)["message"], "DeviceProcessEvents")
	code, res = s.do("POST", "/api/v1/rules", limited, strings.NewReader(rule("limited-syslog", "Yes", `Syslog | project TimeGenerated, HostName, Message = SyslogMessage`, "HostName")))
	require.Equal(t, 201, code, res)
	code, res = s.do("PUT", "/api/v1/rules/limited-syslog", limited, strings.NewReader(rule("limited-syslog", "No", `SecurityAlert | project TimeGenerated, HostName = CompromisedEntity, Message = DisplayName`, "HostName")))
	require.Equal(t, 400, code, res)

	// Searching titles would probe the rows they were formatted from.
	code, _ = s.do("GET", "/api/v1/incidents?search=h1dden", limited, nil)
	require.Equal(t, 400, code)
	code, res = s.do("GET", "/api/v1/incidents?search=h1dden", whole, nil)
	require.Equal(t, 200, code)
	require.NotZero(t, res["total"])

	// Nobody grants reading more than they read: no role, token or user beyond the caller's groups.
	code, res = s.do("POST", "/api/v1/roles", limited, strings.NewReader(`{"name":"wider","permissions":["data:read"]}`))
	require.Equal(t, 403, code, res)
	require.Equal(t, "escalation", res["error"].(map[string]any)["code"])
	code, _ = s.do("POST", "/api/v1/roles", limited, strings.NewReader(`{"name":"wider","permissions":["data:read"],"tableGroups":["sentinel","defender"]}`))
	require.Equal(t, 403, code)
	code, res = s.do("POST", "/api/v1/roles", limited, strings.NewReader(`{"name":"narrow","permissions":["data:read"],"tableGroups":["sentinel"]}`))
	require.Equal(t, 201, code, res)
	code, _ = s.do("PUT", "/api/v1/roles/narrow", limited, strings.NewReader(`{"permissions":["data:read"]}`))
	require.Equal(t, 403, code)
	code, _ = s.do("POST", "/api/v1/tokens", limited, strings.NewReader(`{"name":"r","role":"reader"}`))
	require.Equal(t, 403, code, "a built-in role reads every table")
	code, _ = s.do("POST", "/api/v1/tokens", limited, strings.NewReader(`{"name":"n","role":"narrow"}`))
	require.Equal(t, 201, code)
	code, _ = s.do("POST", "/api/v1/users", limited, strings.NewReader(`{"username":"wide","password":"tulip-orbit-canvas-42","role":"reader"}`))
	require.Equal(t, 403, code)
}

func mustJSON(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

func sortStrings(s []string) { slices.Sort(s) }
