package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/api"
	"github.com/vigilsec/vigil/internal/auth"
	"github.com/vigilsec/vigil/internal/incident"
	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/state/sqlite"
)

// fillIncidents writes n incidents with one to three alerts each straight into the state store's tables (the
// correlator would take minutes to place 200,000 alerts; this measures the list, not the placing): a fifth New, a
// tenth Active, the rest Resolved; half with one of 20 owners; some tagged; titles from 30 rules.
func fillIncidents(tb testing.TB, db *sqlite.DB, n int) {
	tb.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	titles := make([]string, 30)
	for i := range titles {
		titles[i] = fmt.Sprintf("Rule %02d: %s", i, []string{"Suspicious PowerShell", "Credential dumping", "Brute force",
			"Phishing link clicked", "Lateral movement over SMB", "Rare process"}[i%6])
	}
	sevs := []string{"Informational", "Low", "Medium", "High"}
	tx, err := db.SQL().BeginTx(ctx, nil)
	require.NoError(tb, err)
	inc, err := tx.PrepareContext(ctx, `INSERT INTO incidents (id, number, title, severity, severity_rank, status, owner,
		tags, alert_count, rule_ids, tactics, created_at, updated_at, first_activity, last_activity, first_alert_at,
		acknowledged_at, resolved_at, classification, modified_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '[]', ?, ?, ?, ?, ?, ?, ?, ?, 'correlator')`)
	require.NoError(tb, err)
	tag, err := tx.PrepareContext(ctx, `INSERT INTO incident_tags (tag, incident_id) VALUES (?, ?)`)
	require.NoError(tb, err)
	al, err := tx.PrepareContext(ctx, `INSERT INTO alerts (id, source, rule_id, rule_title, severity, status, entities,
		event_time, detected_at, incident_id) VALUES (?, 'sigma', ?, ?, ?, 'New', ?, ?, ?, ?)`)
	require.NoError(tb, err)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	for i := 1; i <= n; i++ {
		id := fmt.Sprintf("inc_%08d", i)
		rule := rng.IntN(len(titles))
		sev := rng.IntN(4)
		created := base + int64(i)*int64(30*time.Second/time.Microsecond)
		updated := created + rng.Int64N(int64(48*time.Hour/time.Microsecond))
		status, owner, class := "Resolved", "", "TruePositive"
		var ack, resolved any = updated, updated
		switch r := rng.IntN(10); {
		case r < 2:
			status, class, ack, resolved = "New", "", nil, nil
		case r < 3:
			status, class, resolved = "Active", "", nil
		}
		if rng.IntN(2) == 0 {
			owner = fmt.Sprintf("analyst-%02d", rng.IntN(20))
		}
		tags := "[]"
		tagged := rng.IntN(20) == 0
		if tagged {
			tags = `["phishing"]`
		}
		alerts := 1 + rng.IntN(3)
		_, err = inc.ExecContext(ctx, id, i, titles[rule], sevs[sev], sev, status, owner, tags, alerts,
			fmt.Sprintf(`["r%d"]`, rule), created, updated, created, created, created, ack, resolved, class)
		require.NoError(tb, err)
		if tagged {
			_, err = tag.ExecContext(ctx, "phishing", id)
			require.NoError(tb, err)
		}
		for k := 0; k < alerts; k++ {
			_, err = al.ExecContext(ctx, fmt.Sprintf("al_%08d_%d", i, k), fmt.Sprint("r", rule), titles[rule], sevs[sev],
				fmt.Sprintf(`[{"type":"host","value":"ws-%d"}]`, rng.IntN(5000)), created, created, id)
			require.NoError(tb, err)
		}
	}
	require.NoError(tb, tx.Commit())
}

// BenchmarkIncidentList measures GET /api/v1/incidents, through the HTTP handler with authentication, over a state
// store holding 100,000 incidents (about 200,000 alerts), with the filters, sorts and pages an analyst's queue
// uses. It reports the p50 and p95 latency over all requests, and the p95 of each kind.
func BenchmarkIncidentList(b *testing.B) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "state.db"))
	require.NoError(b, err)
	defer db.Close()
	fillIncidents(b, db, 100_000)
	tokens := &auth.Tokens{Store: db}
	_, secret, err := tokens.Create(ctx, "bench", "reader", 0)
	require.NoError(b, err)
	srv := api.New(api.Deps{Catalog: schema.NewCatalog(), Metrics: http.NotFoundHandler(), Tokens: tokens, State: db,
		Incidents: incident.NewService(db)})
	h := srv.Handler()
	get := func(path string) map[string]any {
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatalf("%s: %d %s", path, rec.Code, rec.Body.String())
		}
		var out map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			b.Fatal(err)
		}
		return out
	}
	second := get("/api/v1/incidents?status=New,Active&sort=severity")["nextCursor"].(string)
	queries := []struct{ name, path string }{
		{"default", "/api/v1/incidents"},
		{"open-by-severity", "/api/v1/incidents?status=New,Active&sort=severity"},
		{"open-page-2-cursor", "/api/v1/incidents?status=New,Active&sort=severity&cursor=" + second},
		{"high-by-created", "/api/v1/incidents?severity=High&sort=created"},
		{"owner", "/api/v1/incidents?owner=analyst-07&status=Active"},
		{"tag", "/api/v1/incidents?tag=phishing"},
		{"search", "/api/v1/incidents?search=credential"},
		{"deep-offset", "/api/v1/incidents?sort=number&offset=50000&limit=50"},
		{"number", "/api/v1/incidents?search=%2354321"},
	}
	lat := make([][]time.Duration, len(queries))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for k, q := range queries {
			start := time.Now()
			body := get(q.path)
			lat[k] = append(lat[k], time.Since(start))
			if body["total"] == nil {
				b.Fatalf("%s: no total", q.name)
			}
		}
	}
	b.StopTimer()
	var all []time.Duration
	pct := func(d []time.Duration, p float64) time.Duration {
		s := append([]time.Duration(nil), d...)
		sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
		return s[min(len(s)-1, int(float64(len(s))*p))]
	}
	for k, q := range queries {
		all = append(all, lat[k]...)
		b.ReportMetric(ms(pct(lat[k], 0.95)), q.name+"-p95-ms")
	}
	b.ReportMetric(ms(pct(all, 0.5)), "p50-ms")
	b.ReportMetric(ms(pct(all, 0.95)), "p95-ms")
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
