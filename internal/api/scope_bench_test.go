package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/api"
	"github.com/vigilsec/vigil/internal/auth"
	"github.com/vigilsec/vigil/internal/incident"
	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/state"
	"github.com/vigilsec/vigil/internal/state/sqlite"
)

// BenchmarkIncidentListLimited measures a page of GET /api/v1/incidents (50 incidents of one to three alerts, over
// 10,000) for a built-in role and for a custom role with table groups, whose page reads each incident's alerts to
// withhold what came from other groups' tables.
func BenchmarkIncidentListLimited(b *testing.B) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "state.db"))
	require.NoError(b, err)
	defer db.Close()
	fillIncidents(b, db, 10_000)
	now := time.Now()
	require.NoError(b, db.CreateRole(ctx, state.Role{Name: "limited", Permissions: []string{"data:read"}, TableGroups: []string{"sentinel"}, CreatedAt: now, UpdatedAt: now}))
	authz := &auth.Authorizer{Store: db}
	tokens := &auth.Tokens{Store: db, Roles: authz}
	srv := api.New(api.Deps{Catalog: schema.NewCatalog(), Metrics: http.NotFoundHandler(), Tokens: tokens, State: db,
		Identity: db, Authz: authz, Incidents: incident.NewService(db)})
	h := srv.Handler()
	for _, role := range []string{"reader", "limited"} {
		_, secret, err := tokens.Create(ctx, role, role, 0)
		require.NoError(b, err)
		b.Run(role, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				req := httptest.NewRequest("GET", "/api/v1/incidents?limit=50", nil)
				req.Header.Set("Authorization", "Bearer "+secret)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != 200 {
					b.Fatalf("%d %s", rec.Code, rec.Body.String())
				}
			}
		})
	}
}
