package app_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/app"
	"github.com/vigilsec/vigil/internal/config"
	"github.com/vigilsec/vigil/internal/hunt"
	"github.com/vigilsec/vigil/internal/state/sqlite"
)

// TestStoredFunctionsAPI saves, replaces and deletes functions through the API: each change is a version, takes
// effect at once in hunting, analytics rules and completion, hides a built-in ASIM parser of the same name while it
// exists, needs rules:manage to change and hunt to read, and is loaded again after a restart.
func TestStoredFunctionsAPI(t *testing.T) {
	s := start(t, func(c *config.Config) { c.Detection.BuiltinRules = false })
	eng, reader, ingest := s.token("detection_engineer"), s.token("reader"), s.token("ingest")

	put := func(tok, name, body string) (int, map[string]any) {
		return s.do("PUT", "/api/v1/functions/"+name, tok, strings.NewReader(body), "Content-Type", "application/json")
	}
	code, res := put(reader, "FailedLogons", `{"body":"SecurityEvent | where EventID == 4625"}`)
	require.Equal(t, 403, code, "reading is not changing: %v", res)
	code, _ = s.do("GET", "/api/v1/functions", ingest, nil)
	require.Equal(t, 403, code, "listing needs hunt")

	code, res = put(eng, "FailedLogons", `{"body":"SecurityEvent | where EventID == 4625 | where NoSuchColumn == 1"}`)
	require.Equal(t, 400, code, res)
	require.Equal(t, "invalid_function", res["error"].(map[string]any)["code"])
	require.Contains(t, res["error"].(map[string]any)["message"], "1:47", "the error points into the body")
	code, res = put(eng, "9bad", `{"body":"SecurityEvent"}`)
	require.Equal(t, 400, code, res)
	code, res = put(eng, "SecurityEvent", `{"body":"Syslog"}`)
	require.Equal(t, 400, code, "a table's name would never reach the function: %v", res)

	code, res = put(eng, "FailedLogons", `{"body":"SecurityEvent | where EventID == 4625","description":"failed Windows logons","category":"Windows"}`)
	require.Equal(t, 201, code, res)
	require.EqualValues(t, 1, res["version"])
	require.Equal(t, "stored", res["source"])
	require.Contains(t, res["updatedBy"], "detection_engineer-test")

	// At once: hunting, completion and an analytics rule see it.
	code, res = s.do("POST", "/api/v1/hunt", reader, strings.NewReader(`{"query":"FailedLogons | count"}`))
	require.Equal(t, 200, code, res)
	require.Equal(t, []any{[]any{float64(0)}}, res["rows"])
	_, res = s.do("POST", "/api/v1/kql/complete", reader, strings.NewReader(`{"query":"FailedLo"}`))
	require.Equal(t, "FailedLogons", res["completions"].([]any)[0].(map[string]any)["label"])
	rule := strings.Replace(strings.Replace(apiRule, "  SecurityEvent\n  | where EventID == 4625\n", "  FailedLogons\n", 1), "api-rule-1", "fn-rule-1", 1)
	code, res = s.do("POST", "/api/v1/rules", eng, strings.NewReader(rule), "Content-Type", "application/yaml")
	require.Equal(t, 201, code, res)

	code, res = put(eng, "FailedLogons", `{"body":"(n:long = 4625) { SecurityEvent | where EventID == n }","description":"by event id"}`)
	require.Equal(t, 200, code, res)
	require.EqualValues(t, 2, res["version"])
	code, res = s.do("POST", "/api/v1/hunt", reader, strings.NewReader(`{"query":"FailedLogons(4624) | count"}`))
	require.Equal(t, 200, code, res)

	// A stored function hides the built-in ASIM parser of the same name until it is deleted.
	code, res = s.do("GET", "/api/v1/functions/imDns", reader, nil)
	require.Equal(t, 200, code, res)
	require.Equal(t, "builtin", res["source"])
	code, res = put(eng, "imDns", `{"body":"DnsEvents | project Mine = Name"}`)
	require.Equal(t, 201, code, res)
	require.Equal(t, "builtin", res["hides"])
	code, res = s.do("POST", "/api/v1/hunt", reader, strings.NewReader(`{"query":"imDns | getschema | project ColumnName"}`))
	require.Equal(t, 200, code, res)
	require.Equal(t, []any{[]any{"Mine"}}, res["rows"])
	code, _ = s.do("DELETE", "/api/v1/functions/imDns", eng, nil)
	require.Equal(t, 204, code)
	code, res = s.do("POST", "/api/v1/hunt", reader, strings.NewReader(`{"query":"imDns | project DnsQuery, SrcIpAddr | take 1"}`))
	require.Equal(t, 200, code, res)
	code, _ = s.do("DELETE", "/api/v1/functions/imDns", eng, nil)
	require.Equal(t, 404, code, "a built-in function cannot be deleted")

	code, res = s.do("GET", "/api/v1/functions?source=stored", reader, nil)
	require.Equal(t, 200, code, res)
	require.EqualValues(t, 1, res["total"])
	code, res = s.do("GET", "/api/v1/functions?source=builtin", reader, nil)
	require.Equal(t, 200, code, res)
	require.Greater(t, res["total"], float64(30), "the ASIM parsers under all their names")
	code, res = s.do("GET", "/api/v1/functions/imDns/versions", reader, nil)
	require.Equal(t, 200, code, res)
	var changes []string
	for _, v := range res["versions"].([]any) {
		changes = append(changes, v.(map[string]any)["change"].(string))
	}
	require.Equal(t, []string{"created", "deleted"}, changes)

}

// TestStoredFunctionsSurviveRestart: a function saved through the service is loaded at start, after the
// functions_dir files and next to the built-in ones, and a deleted one stays deleted.
func TestStoredFunctionsSurviveRestart(t *testing.T) {
	ctx := context.Background()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Detection.BuiltinRules = false
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := app.New(ctx, cfg, log)
	require.NoError(t, err)
	fs := &hunt.FunctionService{Hunt: a.Hunt, DB: a.State}
	_, err = fs.Put(ctx, sqlite.Function{Name: "FailedLogons", Body: "(n:long = 4625) { SecurityEvent | where EventID == n }"}, "test")
	require.NoError(t, err)
	_, err = fs.Put(ctx, sqlite.Function{Name: "imDns", Body: "DnsEvents"}, "test")
	require.NoError(t, err)
	require.NoError(t, fs.Delete(ctx, "imDns", "test"))
	require.NoError(t, a.Close(10*time.Second))

	a, err = app.New(ctx, cfg, log)
	require.NoError(t, err)
	defer a.Close(time.Second)
	body, ok := a.Hunt.Functions().User("FailedLogons")
	require.True(t, ok)
	require.Contains(t, body, "EventID == n")
	_, ok = a.Hunt.Functions().User("imDns")
	require.False(t, ok, "the deleted one stays deleted")
	_, ok = a.Hunt.Functions().Function("imDns")
	require.True(t, ok, "the built-in parser shows again")
}
