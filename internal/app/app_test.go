package app_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/analytics"
	"github.com/vigilsec/vigil/internal/api"
	"github.com/vigilsec/vigil/internal/app"
	"github.com/vigilsec/vigil/internal/auth"
	"github.com/vigilsec/vigil/internal/config"
	"github.com/vigilsec/vigil/internal/detect"
	"github.com/vigilsec/vigil/internal/kql"
	"github.com/vigilsec/vigil/internal/state"
)

type server struct {
	t    *testing.T
	a    *app.App
	base string
	// changes counts the audit entries the requests made so far must have left (see expectAudit).
	changes atomic.Int64
}

func start(t *testing.T, mutate func(*config.Config)) *server {
	t.Helper()
	return startWith(t, mutate, nil)
}

// startWith is start with prepare, when not nil, called on the app before it starts.
func startWith(t *testing.T, mutate func(*config.Config), prepare func(*app.App)) *server {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Listen = "127.0.0.1:0"
	cfg.Stream.MaxBytes = 256 << 20
	if mutate != nil {
		mutate(&cfg)
	}
	ctx := context.Background()
	a, err := app.New(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	if prepare != nil {
		prepare(a)
	}
	require.NoError(t, a.Start(ctx, true))
	t.Cleanup(func() { require.NoError(t, a.Close(10*time.Second)) })
	s := &server{t: t, a: a, base: "http://" + a.Addr()}
	// Every test's API calls are checked against the audit trail: one entry per change (runs before Close).
	t.Cleanup(func() {
		if t.Failed() {
			return
		}
		var n int64
		require.NoError(t, a.State.SQL().QueryRow(`SELECT count(*) FROM audit`).Scan(&n))
		require.Equal(t, s.changes.Load(), n, "the audit trail holds one entry per change the test's API calls made")
	})
	return s
}

// expectAudit counts the audit entry a request must have left: every state-changing request made with credentials
// (a token or a session cookie) that got past authentication and the rate limits, except event ingestion and the
// query editor's checks when they were allowed (a refused one is recorded); every password sign-in that was checked
// (a success or invalid credentials); and every single sign-on callback.
func (s *server) expectAudit(req *http.Request, status int, body map[string]any) {
	path := req.URL.Path
	code := ""
	if e, ok := body["error"].(map[string]any); ok {
		code, _ = e["code"].(string)
	}
	switch {
	case path == "/api/v1/auth/login":
		if status == 200 || code == "invalid_credentials" {
			s.changes.Add(1)
		}
		return
	case path == "/api/v1/auth/oidc/callback":
		if status != http.StatusNotFound && status != http.StatusTooManyRequests {
			s.changes.Add(1)
		}
		return
	case req.Method == http.MethodGet || req.Method == http.MethodHead || req.Method == http.MethodOptions,
		status == http.StatusUnauthorized, status == http.StatusTooManyRequests,
		(strings.HasPrefix(path, "/api/v1/ingest/") || strings.HasPrefix(path, "/api/v1/kql/")) && status != http.StatusForbidden,
		// The shippers' endpoints of other products' protocols (HEC, Elasticsearch, OTLP) are event ingestion,
		// answered in those protocols' own shapes, and are not audited (not even refusals: a known gap).
		!strings.HasPrefix(path, "/api/v1/") && path != "/metrics":
		return
	}
	if req.Header.Get("Authorization") != "" || req.Header.Get("Cookie") != "" {
		s.changes.Add(1)
	}
}

func (s *server) token(role string) string {
	_, secret, err := s.a.Tokens.Create(context.Background(), role+"-test", role, 0)
	require.NoError(s.t, err)
	return secret
}

func (s *server) do(method, path, token string, body io.Reader, hdr ...string) (int, map[string]any) {
	req, err := http.NewRequest(method, s.base+path, body)
	require.NoError(s.t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(s.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(s.t, err)
	var out map[string]any
	if len(raw) > 0 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		require.NoError(s.t, json.Unmarshal(raw, &out), string(raw))
	}
	s.expectAudit(req, resp.StatusCode, out)
	return resp.StatusCode, out
}

func (s *server) count(table string) int64 {
	res, err := s.a.Events.Query(context.Background(), fmt.Sprintf(`SELECT count(*) FROM "%s"`, table), 0)
	require.NoError(s.t, err)
	return res.Rows[0][0].(int64)
}

func TestIngestEndToEnd(t *testing.T) {
	s := start(t, nil)
	ingest, reader, admin := s.token("ingest"), s.token("reader"), s.token("admin")

	// Authentication and roles.
	code, _ := s.do("GET", "/healthz", "", nil)
	require.Equal(t, 200, code)
	code, _ = s.do("GET", "/api/v1/schema", "", nil)
	require.Equal(t, 401, code)
	code, _ = s.do("GET", "/api/v1/schema", "vgl_"+strings.Repeat("A", 43), nil)
	require.Equal(t, 401, code)
	code, _ = s.do("GET", "/api/v1/schema", ingest, nil)
	require.Equal(t, 403, code, "ingest tokens can only ingest")
	code, _ = s.do("POST", "/api/v1/ingest/Syslog", reader, strings.NewReader("{}"))
	require.Equal(t, 403, code)
	code, body := s.do("GET", "/api/v1/schema", reader, nil)
	require.Equal(t, 200, code)
	require.NotEmpty(t, body["tables"])
	code, _ = s.do("GET", "/api/v1/tokens", reader, nil)
	require.Equal(t, 403, code)
	code, _ = s.do("GET", "/api/v1/tokens", admin, nil)
	require.Equal(t, 200, code)

	// Good lines are kept, bad lines explained.
	payload := `{"TimeGenerated":"2024-05-01T10:00:00Z","Computer":"web-1","SyslogMessage":"hello","Facility":"auth"}
{"TimeGenerated":"2024-05-01T10:00:01Z","Computer":"web-1","SyslogMessage":"broken"
{"Computer":"web-2"}
{"TimeGenerated":"2024-05-01T10:00:02Z","Computer":"web-2","SyslogMessage":"again","Vendor":"x"}
`
	code, body = s.do("POST", "/api/v1/ingest/Syslog", ingest, strings.NewReader(payload))
	require.Equal(t, 200, code, body)
	require.EqualValues(t, 4, body["read"])
	require.EqualValues(t, 2, body["accepted"])
	require.EqualValues(t, 2, body["rejected"])
	rejects := body["rejects"].([]any)
	require.EqualValues(t, 2, rejects[0].(map[string]any)["line"])
	require.Contains(t, rejects[1].(map[string]any)["error"], "missing time column TimeGenerated")

	// Unknown table: 404 naming it; wrong case gets a suggestion.
	code, body = s.do("POST", "/api/v1/ingest/NoSuchTable", ingest, strings.NewReader(payload))
	require.Equal(t, 404, code)
	require.Contains(t, body["error"].(map[string]any)["message"], `"NoSuchTable"`)
	code, body = s.do("POST", "/api/v1/ingest/syslog", ingest, strings.NewReader(payload))
	require.Equal(t, 404, code)
	require.Contains(t, body["error"].(map[string]any)["message"], "did you mean Syslog?")

	// Gzip, and a custom table created from its first event.
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte(`{"TimeGenerated":"2024-05-01T10:00:00Z","App":"pay","Latency":12.5,"Ok":true,"Tags":{"a":1}}` + "\n" +
		`{"TimeGenerated":"2024-05-01T10:00:05Z","App":"pay","Latency":3,"Ok":false,"New":"kept in _Extra"}`))
	require.NoError(t, zw.Close())
	code, body = s.do("POST", "/api/v1/ingest/Payments_CL", ingest, &gz, "Content-Encoding", "gzip")
	require.Equal(t, 200, code, body)
	require.EqualValues(t, 2, body["accepted"])

	// An all-bad body is a 400; a bad gzip body is a 400.
	code, _ = s.do("POST", "/api/v1/ingest/Syslog", ingest, strings.NewReader("nope\n"))
	require.Equal(t, 400, code)
	code, _ = s.do("POST", "/api/v1/ingest/Syslog", ingest, strings.NewReader("nope"), "Content-Encoding", "gzip")
	require.Equal(t, 400, code)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, s.a.WaitWritten(ctx))
	require.Equal(t, int64(2), s.count("Syslog"))
	require.Equal(t, int64(2), s.count("Payments_CL"))
	res, err := s.a.Events.Query(ctx, `SELECT App, Latency, Ok, Tags, _Extra FROM Payments_CL ORDER BY TimeGenerated`, 0)
	require.NoError(t, err)
	require.Equal(t, []any{"pay", 12.5, true, map[string]any{"a": float64(1)}, nil}, res.Rows[0])
	require.Equal(t, map[string]any{"New": "kept in _Extra"}, res.Rows[1][4])

	code, body = s.do("GET", "/api/v1/schema/Payments_CL", reader, nil)
	require.Equal(t, 200, code)
	require.Equal(t, "custom", body["source"])

	// Statistics reach the state store.
	require.NoError(t, s.a.Stats.Flush(ctx))
	code, body = s.do("GET", "/api/v1/ingest/stats", reader, nil)
	require.Equal(t, 200, code)
	stats := map[string]map[string]any{}
	for _, r := range body["tables"].([]any) {
		m := r.(map[string]any)
		stats[m["table"].(string)] = m
	}
	require.EqualValues(t, 2, stats["Syslog"]["written"])
	require.EqualValues(t, 3, stats["Syslog"]["rejected"])

	// Metrics need a token.
	code, _ = s.do("GET", "/metrics", "", nil)
	require.Equal(t, 401, code)
	req, _ := http.NewRequest("GET", s.base+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+admin)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Contains(t, string(raw), `vigil_store_events_written_total{table="Syslog"} 2`)
}

func TestBodyLimit(t *testing.T) {
	s := start(t, func(c *config.Config) {
		c.Ingest.MaxBodyBytes = 4096
		c.Ingest.MaxLineBytes = 1024
		c.Ingest.BatchRows = 5
	})
	tok := s.token("ingest")
	var b strings.Builder
	for i := 0; b.Len() < 8000; i++ {
		fmt.Fprintf(&b, `{"TimeGenerated":"2024-05-01T10:00:00Z","SyslogMessage":"m%d"}`+"\n", i)
	}
	code, body := s.do("POST", "/api/v1/ingest/Syslog", tok, strings.NewReader(b.String()))
	require.Equal(t, 413, code, body)
	accepted := int64(body["accepted"].(float64))
	require.Positive(t, accepted)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, s.a.WaitWritten(ctx))
	require.Equal(t, accepted, s.count("Syslog"), "what the answer calls accepted is exactly what is stored")
}

func TestCustomTablesSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	cfg := config.Default()
	cfg.DataDir = dir
	cfg.Stream.MaxBytes = 256 << 20
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := app.New(ctx, cfg, log)
	require.NoError(t, err)
	require.NoError(t, a.Start(ctx, false))
	res, err := a.Receiver.IngestNDJSON(ctx, "Thing_CL", strings.NewReader(`{"TimeGenerated":"2024-05-01T10:00:00Z","N":1}`))
	require.NoError(t, err)
	require.Equal(t, 1, res.Accepted)
	require.NoError(t, a.Close(10*time.Second))

	a, err = app.New(ctx, cfg, log)
	require.NoError(t, err)
	defer a.Close(time.Second)
	tb, ok := a.Catalog.Table("Thing_CL")
	require.True(t, ok)
	c, _, ok := tb.Column("N")
	require.True(t, ok)
	require.Equal(t, "long", c.Type.String())
	out, err := a.Events.Query(ctx, `SELECT N FROM Thing_CL`, 0)
	require.NoError(t, err)
	require.Equal(t, [][]any{{int64(1)}}, out.Rows, "drained on close")
}

func TestRetentionPerTable(t *testing.T) {
	s := start(t, func(c *config.Config) {
		c.Store.Retention.Default = config.Duration(48 * time.Hour)
		c.Store.Retention.Tables = map[string]config.Duration{"Syslog": config.Duration(time.Hour), "Heartbeat": 0}
	})
	ctx := context.Background()
	now := time.Date(2024, 5, 10, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) string { return now.Add(-d).Format(time.RFC3339) }
	for table, body := range map[string]string{
		"Syslog":    `{"TimeGenerated":"` + at(30*time.Minute) + `"}` + "\n" + `{"TimeGenerated":"` + at(2*time.Hour) + `"}`,
		"Event":     `{"TimeGenerated":"` + at(2*time.Hour) + `"}` + "\n" + `{"TimeGenerated":"` + at(72*time.Hour) + `"}`,
		"Heartbeat": `{"TimeGenerated":"` + at(1000*time.Hour) + `"}`,
	} {
		res, err := s.a.Receiver.IngestNDJSON(ctx, table, strings.NewReader(body))
		require.NoError(t, err)
		require.Zero(t, res.Rejected, table)
	}
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	require.NoError(t, s.a.WaitWritten(wctx))
	s.a.ApplyRetention(ctx, now)
	require.Equal(t, int64(1), s.count("Syslog"), "Syslog keeps one hour")
	require.Equal(t, int64(1), s.count("Event"), "other tables keep the default two days")
	require.Equal(t, int64(1), s.count("Heartbeat"), "0 keeps forever")
	// Without the write-ahead log the deletes are made durable at once: the file, as a crash would leave it, holds
	// what is left.
	require.Equal(t, int64(1), fileRowCount(t, s.a.Config.EventsPath(), "Syslog"))
	require.Equal(t, int64(1), fileRowCount(t, s.a.Config.EventsPath(), "Event"))
}

func TestHuntCheckAndComplete(t *testing.T) {
	s := start(t, nil)
	ingest, reader := s.token("ingest"), s.token("reader")
	now := time.Now().UTC()
	var body strings.Builder
	for i, name := range []string{"powershell.exe", "cmd.exe", "PowerShell.EXE", "notepad.exe"} {
		fmt.Fprintf(&body, `{"Timestamp":%q,"DeviceName":"ws-%d","FileName":%q,"ProcessCommandLine":"x -enc AAAA"}`+"\n",
			now.Add(-time.Duration(i)*30*time.Hour).Format(time.RFC3339Nano), i%2, name)
	}
	code, _ := s.do("POST", "/api/v1/ingest/DeviceProcessEvents", ingest, strings.NewReader(body.String()))
	require.Equal(t, 200, code)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, s.a.WaitWritten(ctx))

	hunt := func(req string) (int, map[string]any) {
		return s.do("POST", "/api/v1/hunt", reader, strings.NewReader(req))
	}
	code, res := hunt(`{"query":"DeviceProcessEvents | where FileName =~ 'powershell.exe' | summarize n=count() by DeviceName | order by DeviceName asc"}`)
	require.Equal(t, 200, code, res)
	require.Equal(t, []any{map[string]any{"name": "DeviceName", "type": "string"}, map[string]any{"name": "n", "type": "long"}}, res["columns"])
	require.Equal(t, []any{[]any{"ws-0", float64(2)}}, res["rows"])

	// The time window: only the first two events are within a day.
	code, res = hunt(`{"query":"DeviceProcessEvents | count","timespan":"1d"}`)
	require.Equal(t, 200, code, res)
	require.Equal(t, []any{[]any{float64(1)}}, res["rows"])
	code, res = hunt(`{"query":"DeviceProcessEvents | project FileName","limit":2}`)
	require.Equal(t, 200, code, res)
	require.Len(t, res["rows"], 2)
	require.Equal(t, true, res["truncated"])

	// A bad query: 400 with positioned diagnostics.
	code, res = hunt(`{"query":"DeviceProcessEvents\n| where FileNam == 'x'"}`)
	require.Equal(t, 400, code)
	diags := res["diagnostics"].([]any)
	require.NotEmpty(t, diags)
	require.EqualValues(t, 2, diags[0].(map[string]any)["line"])
	code, _ = hunt(`{"query":"DeviceProcessEvents","timespan":"soon"}`)
	require.Equal(t, 400, code)
	code, _ = s.do("POST", "/api/v1/hunt", ingest, strings.NewReader(`{"query":"DeviceProcessEvents"}`))
	require.Equal(t, 403, code, "ingest tokens cannot hunt")

	code, res = s.do("POST", "/api/v1/kql/check", reader, strings.NewReader(`{"query":"DeviceProcessEvents | project DeviceName, FileName"}`))
	require.Equal(t, 200, code)
	require.Equal(t, true, res["valid"])
	require.Len(t, res["schema"], 2)

	code, res = s.do("POST", "/api/v1/kql/complete", reader, strings.NewReader(`{"query":"DeviceProcessEvents | where Fil"}`))
	require.Equal(t, 200, code)
	labels := map[string]string{}
	for _, c := range res["completions"].([]any) {
		m := c.(map[string]any)
		labels[m["label"].(string)] = m["kind"].(string)
	}
	require.Equal(t, "column", labels["FileName"])
	code, res = s.do("POST", "/api/v1/kql/complete", reader, strings.NewReader(`{"query":"DeviceProcessEvents | su"}`))
	require.Equal(t, 200, code)
	require.Equal(t, "summarize", res["completions"].([]any)[0].(map[string]any)["label"])
}

func TestSigmaOnTheStream(t *testing.T) {
	s := start(t, func(c *config.Config) {
		c.Detection.SigmaRules = []string{"testdata/sigma"}
		c.Detection.BuiltinRules = false // only the test's rules
	})
	ingest, reader := s.token("ingest"), s.token("reader")
	now := time.Now().UTC().Format(time.RFC3339Nano)
	body := `{"Timestamp":"` + now + `","DeviceName":"ws-7","FileName":"powershell.exe","FolderPath":"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe","ProcessCommandLine":"powershell.exe -nop -enc SQBFAFgA","AccountDomain":"corp","AccountName":"alice","InitiatingProcessFolderPath":"C:\\Program Files\\Microsoft Office\\WINWORD.EXE"}
{"Timestamp":"` + now + `","DeviceName":"ws-7","FileName":"powershell.exe","FolderPath":"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe","ProcessCommandLine":"powershell.exe -File backup.ps1"}
{"Timestamp":"` + now + `","DeviceName":"ws-8","FileName":"x.exe","AdditionalFields":{"Image":"C:\\Tools\\powershell.exe","CommandLine":"powershell -EncodedCommand AAAA","EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational","User":"CORP\\bob"}}
`
	code, res := s.do("POST", "/api/v1/ingest/DeviceProcessEvents", ingest, strings.NewReader(body))
	require.Equal(t, 200, code, res)
	var list map[string]any
	require.Eventually(t, func() bool {
		_, list = s.do("GET", "/api/v1/alerts", reader, nil)
		return list["total"] == float64(2)
	}, 20*time.Second, 50*time.Millisecond, "two of the three events are encoded PowerShell")
	alerts := list["alerts"].([]any)
	byHost := map[string]map[string]any{}
	for _, a := range alerts {
		m := a.(map[string]any)
		for _, e := range m["entities"].([]any) {
			if e.(map[string]any)["type"] == state.EntityHost {
				byHost[e.(map[string]any)["value"].(string)] = m
			}
		}
	}
	require.Contains(t, byHost, "ws-7", "found through the Defender-column mapping")
	require.Contains(t, byHost, "ws-8", "found through the raw Sysmon fields")
	a := byHost["ws-7"]
	require.Equal(t, "High", a["severity"])
	require.Equal(t, "Vigil tests", a["ruleAuthor"])
	require.Equal(t, []any{"Execution"}, a["tactics"])
	require.Equal(t, []any{"T1059.001"}, a["techniques"])
	code, one := s.do("GET", "/api/v1/alerts/"+a["id"].(string), reader, nil)
	require.Equal(t, 200, code)
	require.Equal(t, "powershell.exe -nop -enc SQBFAFgA", one["event"].(map[string]any)["CommandLine"])

	// The alerts are hunted in KQL too.
	require.Eventually(t, func() bool {
		code, res := s.do("POST", "/api/v1/hunt", reader, strings.NewReader(`{"query":"SecurityAlert | summarize n=count() by AlertSeverity"}`))
		rows, _ := res["rows"].([]any)
		return code == 200 && len(rows) == 1 && rows[0].([]any)[1] == float64(2)
	}, 20*time.Second, 50*time.Millisecond)
	// AlertEvidence rows come in batches of their own, which the writer may commit after the SecurityAlert ones.
	require.Eventually(t, func() bool {
		code, res = s.do("POST", "/api/v1/hunt", reader, strings.NewReader(`{"query":"AlertEvidence | where EntityType == 'User' | project AccountName | order by AccountName asc"}`))
		rows, _ := res["rows"].([]any)
		return code == 200 && len(rows) == 2
	}, 20*time.Second, 50*time.Millisecond, "the evidence of both alerts")
	require.Equal(t, []any{[]any{"alice"}, []any{"bob"}}, res["rows"])

	// The rule's statistics.
	code, res = s.do("GET", "/api/v1/sigma/rules?sort=alerts", reader, nil)
	require.Equal(t, 200, code, res)
	require.EqualValues(t, 1, res["total"])
	sum := res["summary"].(map[string]any)
	require.EqualValues(t, 3, sum["events"], "every event was evaluated")
	require.EqualValues(t, 1, sum["rules"])
	r := res["rules"].([]any)[0].(map[string]any)
	require.Equal(t, "6e3c0a8e-5f0b-4b5e-9d7a-3c2b1a0f9e11", r["id"])
	require.EqualValues(t, 2, r["matches"])
	require.EqualValues(t, 2, r["alerts"])
	nowT, err := time.Parse(time.RFC3339Nano, now)
	require.NoError(t, err)
	require.Equal(t, nowT.Truncate(time.Microsecond).Format(time.RFC3339Nano), r["lastMatch"], "the event time (stored to the microsecond)")
	require.Equal(t, map[string]any{"product": "windows", "category": "process_creation"}, r["logsource"])
	code, one = s.do("GET", "/api/v1/sigma/rules/6e3c0a8e-5f0b-4b5e-9d7a-3c2b1a0f9e11", reader, nil)
	require.Equal(t, 200, code)
	require.Equal(t, "Encoded PowerShell Command Line", one["title"])
	code, _ = s.do("GET", "/api/v1/sigma/rules/no-such-rule", reader, nil)
	require.Equal(t, 404, code)
	code, _ = s.do("GET", "/api/v1/sigma/rules?sort=random", reader, nil)
	require.Equal(t, 400, code)
	code, res = s.do("GET", "/api/v1/sigma/rules?kind=correlation", reader, nil)
	require.Equal(t, 200, code)
	require.EqualValues(t, 0, res["total"])
}

// TestEveryRouteEnforcesItsPermission walks every route the server registers: anonymous requests get 401 (except
// the public routes: health, sign-in), and each principal is allowed exactly when its role holds the permission the
// OpenAPI document names for the route, else 403. The principals are a token of each built-in role, tokens of
// custom roles, and a user signed in through the portal (session cookie and CSRF header). The expected rights come
// from auth.Roles and the custom roles' definitions.
func TestEveryRouteEnforcesItsPermission(t *testing.T) {
	// The walk sends a few thousand requests from one address as fast as the server answers: the per-address and
	// per-principal rate limits (TestAPIRateLimitPerToken covers them) must not answer 429 in place of 401/403.
	s := start(t, func(c *config.Config) {
		c.Limits.APIPerIP = config.Rate{Requests: 1_000_000, Per: config.Duration(time.Second), Burst: 1_000_000}
		c.Limits.APIPerPrincipal = c.Limits.APIPerIP
	})
	ctx := context.Background()
	var doc struct {
		Paths map[string]map[string]struct {
			Permission string `json:"x-permission"`
		} `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(api.OpenAPI(), &doc))
	perms := map[string][]auth.Permission{}
	for role, ps := range auth.Roles {
		perms[role] = ps
	}
	custom := map[string][]auth.Permission{
		"custom_rules":    {auth.PermReadData, auth.PermManageRules},
		"custom_approver": {auth.PermApproveResponse},
		"custom_settings": {auth.PermManageSettings, auth.PermManageAutomation, auth.PermReadMetrics},
	}
	now := time.Now()
	for name, ps := range custom {
		var list []string
		for _, p := range ps {
			list = append(list, string(p))
		}
		require.NoError(t, s.a.State.CreateRole(ctx, state.Role{Name: name, Permissions: list, CreatedAt: now, UpdatedAt: now}))
		perms[name] = ps
	}
	tokens := map[string]string{}
	for role := range perms {
		_, secret, err := s.a.Tokens.Create(ctx, role+"-test", role, 0)
		require.NoError(t, err)
		tokens[role] = secret
	}
	// A portal user: each request gets a fresh session (the walk signs out, changes passwords and so on).
	u, err := s.a.Users.Create(ctx, auth.NewUser{Username: "walker", Password: "tulip-orbit-canvas-42", Role: "responder"})
	require.NoError(t, err)
	session := func() (string, string) {
		value, rec, err := s.a.Sessions.Create(ctx, u, "127.0.0.1", "walk", "password")
		require.NoError(t, err)
		return value, rec.CSRF
	}
	allowed := func(role string, p auth.Permission) bool {
		return p == auth.PermAuthenticated || slices.Contains(perms[role], p)
	}
	routes := s.a.API.Routes()
	require.NotEmpty(t, routes)
	for _, r := range routes {
		method, path := r[0], r[1]
		if path != "/" {
			path = strings.TrimSuffix(path, "/")
		}
		op, ok := doc.Paths[path][strings.ToLower(method)]
		require.True(t, ok, "%s %s is registered but not documented", method, path)
		url := strings.NewReplacer("{table}", "Syslog", "{id}", "nonexistent", "{index}", "logs-test-default", "{name}", "vigil-test", "{what}", "health", "{taskId}", "nonexistent").Replace(path)
		code, _ := s.do(method, url, "", strings.NewReader("{}"))
		if op.Permission == "none" {
			require.NotEqual(t, 401, code, "%s %s is public", method, path)
			continue
		}
		require.Equal(t, 401, code, "anonymous %s %s", method, path)
		for role, tok := range tokens {
			code, _ := s.do(method, url, tok, strings.NewReader("{}"))
			if allowed(role, auth.Permission(op.Permission)) {
				require.NotContains(t, []int{401, 403}, code, "%s may %s %s", role, method, path)
			} else {
				require.Equal(t, 403, code, "%s may not %s %s", role, method, path)
			}
		}
		value, csrf := session()
		code, _ = s.do(method, url, "", strings.NewReader("{}"), "Cookie", auth.SessionCookie+"="+value, auth.CSRFHeader, csrf)
		if !strings.HasPrefix(path, "/api/v1/") && path != "/metrics" {
			// The endpoints of other products' protocols (HEC, Elasticsearch, OTLP) are for shippers: they take
			// tokens only, never a portal session.
			require.Equal(t, 401, code, "a session is not a shipper's credential: %s %s", method, path)
			continue
		}
		if allowed("responder", auth.Permission(op.Permission)) {
			require.NotContains(t, []int{401, 403}, code, "a responder's session may %s %s", method, path)
		} else {
			require.Equal(t, 403, code, "a responder's session may not %s %s", method, path)
		}
	}
}

func TestStoredFunctionsInHunts(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Shells.kql"), []byte("DeviceProcessEvents | where FileName in~ ('cmd.exe', 'powershell.exe')"), 0o600))
	s := start(t, func(c *config.Config) { c.KQL.FunctionsDir = dir })
	reader := s.token("reader")
	code, res := s.do("POST", "/api/v1/hunt", reader, strings.NewReader(`{"query":"Shells | count"}`))
	require.Equal(t, 200, code, res)
	require.Equal(t, []any{[]any{float64(0)}}, res["rows"])
	_, res = s.do("POST", "/api/v1/kql/complete", reader, strings.NewReader(`{"query":"She"}`))
	require.Equal(t, "Shells", res["completions"].([]any)[0].(map[string]any)["label"])
}

func TestRejectedRecordsAreKept(t *testing.T) {
	s := start(t, nil)
	ingest, reader := s.token("ingest"), s.token("reader")
	code, _ := s.do("POST", "/api/v1/ingest/Syslog", ingest, strings.NewReader(
		`{"TimeGenerated":"2024-05-01T10:00:00Z","SyslogMessage":"good"}`+"\n"+`{"TimeGenerated":"2024-05-01T10:00:01Z",`+"\n"+`{"SyslogMessage":"no time"}`))
	require.Equal(t, 200, code)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, s.a.WaitWritten(ctx))
	code, res := s.do("POST", "/api/v1/hunt", reader, strings.NewReader(
		`{"query":"VigilIngestErrors | project Source, TargetTable, Line, Reason, RawData | order by Line asc"}`))
	require.Equal(t, 200, code, res)
	rows := res["rows"].([]any)
	require.Len(t, rows, 2)
	require.Equal(t, []any{"http", "Syslog", float64(2)}, rows[0].([]any)[:3])
	require.Contains(t, rows[0].([]any)[3], "invalid JSON")
	require.Equal(t, `{"TimeGenerated":"2024-05-01T10:00:01Z",`, rows[0].([]any)[4])
	require.Contains(t, rows[1].([]any)[3], "missing time column")
}

// TestSchedulerRunsEveryWindowOnce stops the clock for several windows ("downtime") and checks the scheduler then
// evaluates each window exactly once, in order, with alerts from the windows that hold matching events.
func TestSchedulerRunsEveryWindowOnce(t *testing.T) {
	s := start(t, func(c *config.Config) {
		c.Analytics.Interval = 0         // the test drives the scheduler's clock itself
		c.Detection.BuiltinRules = false // only the test's rule
	})
	ctx := context.Background()
	t0 := time.Now().UTC().Truncate(time.Hour).Add(-3 * time.Hour)
	rules, refused, err := analytics.ReadPath(writeFile(t, "rule.yaml", `id: r-failed-logons
name: Failed logons
severity: High
queryFrequency: 5m
queryPeriod: 5m
triggerOperator: gt
triggerThreshold: 0
query: SecurityEvent | where EventID == 4625
`))
	require.NoError(t, err)
	rep, err := analytics.Import(ctx, rules, refused, kql.WithFunctions(s.a.Catalog, kql.NewFunctions()), analytics.SQLiteStore{DB: s.a.State})
	require.NoError(t, err)
	require.Equal(t, 1, rep.Imported)

	var body strings.Builder
	for _, m := range []int{1, 12, 13, 14} {
		id := 4625
		if m == 14 {
			id = 4624
		}
		fmt.Fprintf(&body, `{"TimeGenerated":%q,"EventID":%d,"Computer":"dc1"}`+"\n", t0.Add(time.Duration(m)*time.Minute).Format(time.RFC3339), id)
	}
	res, err := s.a.Receiver.IngestNDJSON(ctx, "SecurityEvent", strings.NewReader(body.String()))
	require.NoError(t, err)
	require.Equal(t, 4, res.Accepted)
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	require.NoError(t, s.a.WaitWritten(wctx))

	now := t0.Add(7 * time.Minute)
	sched := *s.a.Rules
	sched.IngestDelay = time.Minute
	sched.Now = func() time.Time { return now }
	n, err := sched.Tick(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n, "a new rule runs its most recent complete window")
	now = t0.Add(27 * time.Minute) // down for four windows
	n, err = sched.Tick(ctx)
	require.NoError(t, err)
	require.Equal(t, 4, n)
	n, err = sched.Tick(ctx)
	require.NoError(t, err)
	require.Zero(t, n, "nothing twice")

	runs, err := s.a.State.RuleRuns(ctx, "r-failed-logons")
	require.NoError(t, err)
	require.Len(t, runs, 5)
	for i, r := range runs {
		require.Equal(t, t0.Add(time.Duration(5*(i+1))*time.Minute), r.WindowEnd, "window %d", i)
		require.Empty(t, r.Error)
	}
	require.Equal(t, []int{1, 0, 2, 0, 0}, []int{runs[0].Rows, runs[1].Rows, runs[2].Rows, runs[3].Rows, runs[4].Rows})
	alerts, total, err := s.a.State.ListAlerts(ctx, state.AlertFilter{RuleID: "r-failed-logons"})
	require.NoError(t, err)
	require.Equal(t, 2, total)
	require.Equal(t, "High", alerts[0].Severity)
	require.Equal(t, []string{"SecurityEvent"}, alerts[0].SourceTables, "the tables the run read, for access checks")
}

func writeFile(t *testing.T, name, body string) string {
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
	return p
}

// TestSigmaCorrelationSurvivesRestart runs a correlation on the live stream across a restart in the middle of its
// window: two events before, one after; the alert comes once, with the group key and the base events' entities.
func TestSigmaCorrelationSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Stream.MaxBytes = 256 << 20
	cfg.Detection.SigmaRules = []string{"testdata/sigma-correlation"}
	cfg.Detection.BuiltinRules = false // only the test's rules, so the alerts are known
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	t0 := time.Now().UTC().Add(-time.Minute).Truncate(time.Second)
	line := func(host, user, cl string, at time.Time) string {
		return `{"Timestamp":"` + at.Format(time.RFC3339Nano) + `","DeviceName":"` + host + `","AccountDomain":"corp","AccountName":"` + user +
			`","FolderPath":"C:\\Windows\\System32\\net.exe","FileName":"net.exe","ProcessCommandLine":"` + cl + `"}` + "\n"
	}
	// waitDetected waits until the detector has evaluated events events in all (its statistics, committed with the
	// correlation state) and the stream holds nothing more for it. The lag alone was seen at 0 under load before the
	// delivery it should have covered had been committed.
	waitDetected := func(a *app.App, events int64) {
		require.Eventually(t, func() bool {
			_, sum := a.Detector.RuleStats()
			lag, err := a.Stream.Lag(ctx, detect.ConsumerName)
			return err == nil && lag == 0 && sum.Events >= events
		}, 20*time.Second, 20*time.Millisecond)
	}
	corr := func(a *app.App) []state.Alert {
		list, _, err := a.State.ListAlerts(ctx, state.AlertFilter{RuleID: "2c4b9f0e-7d31-4e8a-b0a5-1f6e93c2d840"})
		require.NoError(t, err)
		return list
	}

	a, err := app.New(ctx, cfg, log)
	require.NoError(t, err)
	require.NoError(t, a.Start(ctx, false))
	res, err := a.Receiver.IngestNDJSON(ctx, "DeviceProcessEvents", strings.NewReader(
		line("ws-9", "eve", "net user /domain", t0)+
			line("ws-9", "eve", "net group admins /domain", t0.Add(10*time.Second))+
			line("ws-3", "bob", "net user bob", t0)))
	require.NoError(t, err)
	require.Equal(t, 3, res.Accepted)
	waitDetected(a, 3)
	require.Empty(t, corr(a))
	require.NoError(t, a.Close(10*time.Second))

	a, err = app.New(ctx, cfg, log)
	require.NoError(t, err)
	require.NoError(t, a.Start(ctx, false))
	defer a.Close(10 * time.Second)
	require.Equal(t, 2, a.Detector.StateStats().Groups, "the open windows of ws-9 and ws-3 were restored")
	ruleStat := func(a *app.App, id string) (detect.RuleStats, detect.StatsSummary) {
		st, ok := a.Detector.RuleStat(id)
		require.True(t, ok, id)
		_, sum := a.Detector.RuleStats()
		return st, sum
	}
	base, sum := ruleStat(a, "Account discovery command")
	require.Equal(t, int64(3), base.Matches, "the rule statistics were restored from the state store")
	require.Equal(t, int64(3), sum.Events)
	_, err = a.Receiver.IngestNDJSON(ctx, "DeviceProcessEvents", strings.NewReader(line("ws-9", "mallory", "net user mallory P@ss /add", t0.Add(20*time.Second))))
	require.NoError(t, err)
	waitDetected(a, 4)
	var got []state.Alert
	require.Eventually(t, func() bool { got = corr(a); return len(got) > 0 }, 20*time.Second, 20*time.Millisecond,
		"two events before the restart and one after complete the burst")
	require.Len(t, got, 1, "the burst alerts once")
	al := got[0]
	require.Equal(t, "Medium", al.Severity)
	require.Equal(t, map[string][]string{"Computer": {"ws-9"}}, al.CustomDetails)
	require.Equal(t, []string{"Discovery"}, al.Tactics)
	require.Equal(t, t0, al.WindowStart.UTC())
	require.Equal(t, t0.Add(20*time.Second), al.WindowEnd.UTC())
	require.Len(t, al.Evidence, 3)
	require.Contains(t, al.Entities, state.Entity{Type: state.EntityAccount, Value: "eve"})
	require.Contains(t, al.Entities, state.Entity{Type: state.EntityAccount, Value: "mallory"})
	require.Contains(t, al.Entities, state.Entity{Type: state.EntityHost, Value: "ws-9"})
	all, total, err := a.State.ListAlerts(ctx, state.AlertFilter{})
	require.NoError(t, err)
	require.Equal(t, 1, total, "the base rule feeds the correlation only: %v", all)
	require.Equal(t, 1, a.Detector.StateStats().Groups, "ws-3's window is still open")
	base, sum = ruleStat(a, "Account discovery command")
	require.Equal(t, int64(4), base.Matches)
	require.Equal(t, int64(4), sum.Events)
	burst, _ := ruleStat(a, "2c4b9f0e-7d31-4e8a-b0a5-1f6e93c2d840")
	require.Equal(t, int64(1), burst.Matches)
	require.Equal(t, int64(1), burst.Alerts)

	// The alert is hunted in KQL with the others.
	require.Eventually(t, func() bool {
		require.NoError(t, a.WaitWritten(ctx))
		out, err := a.Events.Query(ctx, `SELECT count(*) FROM SecurityAlert WHERE AlertType = 'sigma:2c4b9f0e-7d31-4e8a-b0a5-1f6e93c2d840'`, 0)
		return err == nil && out.Rows[0][0] == int64(1)
	}, 20*time.Second, 50*time.Millisecond)
}
