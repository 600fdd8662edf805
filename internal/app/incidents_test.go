package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/config"
	"github.com/vigilsec/vigil/internal/state"
)

// TestIncidentsEndToEnd records alerts in a running server, lets the correlator group them, works the incidents
// through the API as an analyst, and reads every change back from the SecurityIncident table in KQL (through the
// stream, the store writer and DuckDB).
func TestIncidentsEndToEnd(t *testing.T) {
	s := start(t, nil)
	reader, analyst := s.token("reader"), s.token("analyst")
	ctx := context.Background()

	t0 := time.Now().UTC().Add(-2 * time.Hour).Truncate(time.Second)
	mk := func(id, rule, title, sev string, at time.Time, ents ...string) state.Alert {
		a := state.Alert{ID: id, Source: "sigma", RuleID: rule, RuleTitle: title, Severity: sev, Status: "New",
			Tactics: []string{"Execution"}, Techniques: []string{}, MatchedFields: []state.MatchedField{},
			EventTime: at, DetectedAt: at.Add(time.Minute)}
		for i := 0; i+1 < len(ents); i += 2 {
			a.Entities = append(a.Entities, state.Entity{Type: ents[i], Value: ents[i+1]})
		}
		return a
	}
	alerts := []state.Alert{
		mk("a1", "r1", "Encoded PowerShell", "Medium", t0, "host", "ws-7", "account", "CORP\\alice"),
		mk("a2", "r2", "LSASS access", "High", t0.Add(10*time.Minute), "host", "ws-7", "account", "alice"),
		mk("a3", "r3", "Port scan", "Low", t0.Add(20*time.Minute), "host", "ws-9", "account", "bob"),
	}
	_, err := s.a.State.AddAlerts(ctx, alerts)
	require.NoError(t, err)
	s.a.Correlator.Notify()

	var list map[string]any
	require.Eventually(t, func() bool {
		code, body := s.do("GET", "/api/v1/incidents?sort=number&order=asc", reader, nil)
		list = body
		return code == 200 && body["total"] == float64(2)
	}, 20*time.Second, 50*time.Millisecond)
	incs := list["incidents"].([]any)
	first, second := incs[0].(map[string]any), incs[1].(map[string]any)
	require.EqualValues(t, 1, first["number"])
	require.EqualValues(t, 2, first["alertCount"])
	require.Equal(t, "High", first["severity"])
	require.EqualValues(t, 1, second["alertCount"])
	id1, id2 := first["id"].(string), second["id"].(string)

	code, d := s.do("GET", "/api/v1/incidents/"+id1, reader, nil)
	require.Equal(t, 200, code, d)
	require.Len(t, d["alerts"], 2)
	tl := d["timeline"].([]any)
	var reasons []string
	for _, e := range tl {
		reasons = append(reasons, e.(map[string]any)["detail"].(string))
	}
	require.Contains(t, strings.Join(reasons, "\n"), "shares account alice and host ws-7 with alert \"Encoded PowerShell\" (a1) of incident #1")
	require.NotNil(t, d["metrics"].(map[string]any)["timeToDetectSeconds"])

	// Readers read; analysts change.
	code, _ = s.do("PATCH", "/api/v1/incidents/"+id1, reader, strings.NewReader(`{"owner":"alice"}`))
	require.Equal(t, 403, code)
	code, body := s.do("PATCH", "/api/v1/incidents/"+id1, analyst, strings.NewReader(`{"owner":"carol","status":"Active","tags":["ransomware"]}`))
	require.Equal(t, 200, code, body)
	require.Equal(t, "Active", body["status"])
	require.NotNil(t, body["metrics"].(map[string]any)["timeToAcknowledgeSeconds"])
	code, body = s.do("PATCH", "/api/v1/incidents/"+id1, analyst, strings.NewReader(`{"status":"Resolved"}`))
	require.Equal(t, 400, code)
	require.Contains(t, body["error"].(map[string]any)["message"], "needs a classification")
	code, body = s.do("PATCH", "/api/v1/incidents/"+id1, analyst, strings.NewReader(`{"classification":"FalsePositive","classificationReason":"SuspiciousActivity"}`))
	require.Equal(t, 400, code)
	require.Contains(t, body["error"].(map[string]any)["message"], `"SuspiciousActivity" does not fit FalsePositive`)
	code, body = s.do("PATCH", "/api/v1/incidents/"+id1, analyst, strings.NewReader(`{"sevrity":"Low"}`))
	require.Equal(t, 400, code, "unknown fields are refused")
	require.Contains(t, body["error"].(map[string]any)["message"], "sevrity")

	code, body = s.do("POST", "/api/v1/incidents/"+id1+"/comments", analyst, strings.NewReader(`{"text":"isolating ws-7"}`))
	require.Equal(t, 201, code, body)
	code, task := s.do("POST", "/api/v1/incidents/"+id1+"/tasks", analyst, strings.NewReader(`{"title":"Reset alice's password"}`))
	require.Equal(t, 201, code, task)
	code, task = s.do("PATCH", fmt.Sprintf("/api/v1/incidents/%s/tasks/%v", id1, task["id"]), analyst, strings.NewReader(`{"status":"Completed"}`))
	require.Equal(t, 200, code, task)
	require.Contains(t, task["completedBy"], "analyst-test")

	// Merge, undo, move, split.
	code, body = s.do("POST", "/api/v1/incidents/merge", analyst, strings.NewReader(fmt.Sprintf(`{"target":%q,"sources":[%q]}`, id1, id2)))
	require.Equal(t, 200, code, body)
	require.EqualValues(t, 3, body["alertCount"])
	code, body = s.do("GET", "/api/v1/incidents?status=Resolved", reader, nil)
	require.Equal(t, 200, code)
	require.EqualValues(t, 1, body["total"], "the merged incident is resolved")
	code, body = s.do("POST", "/api/v1/incidents/"+id1+"/undo", analyst, nil)
	require.Equal(t, 200, code, body)
	require.EqualValues(t, 2, body["alertCount"])
	code, body = s.do("GET", "/api/v1/incidents/"+id2, reader, nil)
	require.Equal(t, 200, code)
	require.Equal(t, "New", body["status"])
	require.EqualValues(t, 1, body["alertCount"])

	code, body = s.do("POST", "/api/v1/alerts/a3/move", analyst, strings.NewReader(fmt.Sprintf(`{"incidentId":%q}`, id1)))
	require.Equal(t, 200, code, body)
	require.EqualValues(t, 3, body["alertCount"])
	code, body = s.do("POST", "/api/v1/incidents/"+id1+"/split", analyst, strings.NewReader(`{"alertIds":["a3"]}`))
	require.Equal(t, 201, code, body)
	require.EqualValues(t, 3, body["number"])
	code, body = s.do("POST", "/api/v1/incidents/"+id1+"/split", analyst, strings.NewReader(`{"alertIds":["a1","a2"]}`))
	require.Equal(t, 400, code, body)
	require.Contains(t, body["error"].(map[string]any)["message"], "must leave at least one alert")
	code, _ = s.do("POST", "/api/v1/incidents/nope/undo", analyst, nil)
	require.Equal(t, 404, code)

	// Filters, text search, cursor paging.
	code, body = s.do("GET", "/api/v1/incidents?tag=RANSOMWARE", reader, nil)
	require.Equal(t, 200, code)
	require.EqualValues(t, 1, body["total"])
	code, body = s.do("GET", "/api/v1/incidents?search=MULTI-STAGE", reader, nil)
	require.Equal(t, 200, code)
	require.EqualValues(t, 1, body["total"])
	code, body = s.do("GET", "/api/v1/incidents?search=port+scan", reader, nil)
	require.Equal(t, 200, code)
	require.EqualValues(t, 2, body["total"], "incident #2, emptied by the move, and #3")
	code, body = s.do("GET", "/api/v1/incidents?search=%233", reader, nil)
	require.Equal(t, 200, code)
	require.EqualValues(t, 1, body["total"])
	code, body = s.do("GET", "/api/v1/incidents?sort=number&order=asc&limit=2", reader, nil)
	require.Equal(t, 200, code)
	require.Len(t, body["incidents"], 2)
	code, body = s.do("GET", "/api/v1/incidents?sort=number&order=asc&limit=2&cursor="+body["nextCursor"].(string), reader, nil)
	require.Equal(t, 200, code)
	require.Len(t, body["incidents"], 1)
	require.EqualValues(t, 3, body["incidents"].([]any)[0].(map[string]any)["number"])
	code, _ = s.do("GET", "/api/v1/incidents?sort=colour", reader, nil)
	require.Equal(t, 400, code)

	// Every change is a SecurityIncident row, queryable in KQL, dynamic columns included.
	hunt := func(q string) [][]any {
		code, res := s.do("POST", "/api/v1/hunt", reader, strings.NewReader(fmt.Sprintf(`{"query":%q}`, q)))
		require.Equal(t, 200, code, res)
		var out [][]any
		for _, r := range res["rows"].([]any) {
			out = append(out, r.([]any))
		}
		return out
	}
	require.Eventually(t, func() bool {
		rows := hunt(`SecurityIncident | where IncidentNumber == 1 and Status == "Active" and tostring(Owner.assignedTo) == "carol" | count`)
		return len(rows) == 1 && rows[0][0].(float64) > 0
	}, 20*time.Second, 100*time.Millisecond)
	require.Eventually(t, func() bool {
		rows := hunt(`SecurityIncident | summarize n = count() by IncidentNumber | order by IncidentNumber asc`)
		return len(rows) == 3 && rows[0][1].(float64) >= 10
	}, 20*time.Second, 100*time.Millisecond)
	rows := hunt(`SecurityIncident | where IncidentNumber == 3 | project Title, Severity, ProviderName, array_length(AlertIds)`)
	require.NotEmpty(t, rows)
	for _, r := range rows {
		require.Equal(t, []any{"Port scan", "Low", "Vigil", float64(1)}, r)
	}
}

// TestSigmaAlertsBecomeIncidents follows alerts from the stream detection into incidents: the detector's recording
// of alerts wakes the correlator (its timer is set to an hour, so nothing else would).
func TestSigmaAlertsBecomeIncidents(t *testing.T) {
	s := start(t, func(c *config.Config) {
		c.Detection.SigmaRules = []string{"testdata/sigma"}
		c.Detection.BuiltinRules = false // only the test's rule, so the alerts are known
		c.Incidents.Interval = config.Duration(time.Hour)
	})
	ingest, reader := s.token("ingest"), s.token("reader")
	now := time.Now().UTC()
	line := func(at time.Time, host, user, cmd string) string {
		return `{"Timestamp":"` + at.Format(time.RFC3339Nano) + `","DeviceName":"` + host + `","FileName":"powershell.exe","FolderPath":"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe","ProcessCommandLine":"` + cmd + `","AccountDomain":"corp","AccountName":"` + user + `"}` + "\n"
	}
	body := line(now.Add(-time.Hour), "ws-7", "alice", "powershell.exe -nop -enc SQBFAFgA") +
		line(now.Add(-50*time.Minute), "ws-7", "alice", "powershell.exe -enc QQBCAEMA") +
		line(now.Add(-40*time.Minute), "ws-8", "bob", "powershell.exe -enc RABFAEYA")
	code, res := s.do("POST", "/api/v1/ingest/DeviceProcessEvents", ingest, strings.NewReader(body))
	require.Equal(t, 200, code, res)
	var list map[string]any
	require.Eventually(t, func() bool {
		_, list = s.do("GET", "/api/v1/incidents?sort=number&order=asc", reader, nil)
		if list["total"] != float64(2) {
			return false
		}
		n := 0.0
		for _, in := range list["incidents"].([]any) {
			n += in.(map[string]any)["alertCount"].(float64)
		}
		return n == 3
	}, 30*time.Second, 100*time.Millisecond)
	// The two alerts of ws-7 share an incident; ws-8's alert has its own (which is numbered first depends on the
	// order the detector recorded them in).
	var first map[string]any
	for _, in := range list["incidents"].([]any) {
		if in.(map[string]any)["alertCount"] == float64(2) {
			first = in.(map[string]any)
		}
	}
	require.NotNil(t, first, "an incident holds the two alerts of ws-7: %v", list)
	_, d := s.do("GET", "/api/v1/incidents/"+first["id"].(string), reader, nil)
	hosts := map[string]bool{}
	for _, e := range d["entities"].([]any) {
		if strings.EqualFold(e.(map[string]any)["type"].(string), "host") {
			hosts[e.(map[string]any)["value"].(string)] = true
		}
	}
	require.Equal(t, map[string]bool{"ws-7": true}, hosts)
}
