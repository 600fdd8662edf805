package audit_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/audit"
	"github.com/vigilsec/vigil/internal/state"
	"github.com/vigilsec/vigil/internal/state/sqlite"
)

// TestMiddlewareCoversRoutesItDoesNotKnow mounts routes the way another area of the API would (incidents), with no
// audit code in their handlers, and checks each state-changing request made with credentials is recorded once.
func TestMiddlewareCoversRoutesItDoesNotKnow(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "state.db"))
	require.NoError(t, err)
	defer st.Close()
	log := audit.New(st, nil, nil, nil)

	signedIn := func(next http.Handler) http.Handler { // what the API's authentication does
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") == "" {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			audit.SetActor(r.Context(), audit.Actor{Type: "user", ID: "u1", Name: "ann", Method: "session"})
			next.ServeHTTP(w, r)
		})
	}
	r := chi.NewRouter()
	r.Use(log.Middleware(func(*http.Request) string { return "198.51.100.7" }))
	r.Route("/api/v1", func(r chi.Router) {
		r.With(signedIn).Post("/incidents/{id}/comments", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(201) })
		r.With(signedIn).Get("/incidents/{id}", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(200) })
		r.With(signedIn).Patch("/incidents/{id}", func(w http.ResponseWriter, r *http.Request) {
			audit.Describe(r.Context(), audit.Change{Action: "incident.update", Before: map[string]string{"status": "New"},
				After: map[string]string{"status": "Active"}})
			w.WriteHeader(200)
		})
		r.With(signedIn).Delete("/incidents/{id}", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(409) })
		r.With(signedIn, audit.Exempt).Post("/ingest/{table}", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(200) })
	})
	do := func(method, path string, authed bool) {
		req := httptest.NewRequest(method, path, strings.NewReader("{}"))
		if authed {
			req.Header.Set("Authorization", "Bearer x")
		}
		r.ServeHTTP(httptest.NewRecorder(), req)
	}
	do("POST", "/api/v1/incidents/inc-7/comments", true)
	do("GET", "/api/v1/incidents/inc-7", true)            // a read
	do("PATCH", "/api/v1/incidents/inc-7", true)          // described by its handler
	do("DELETE", "/api/v1/incidents/inc-7", true)         // failed
	do("POST", "/api/v1/incidents/inc-7/comments", false) // anonymous, refused at the door
	do("POST", "/api/v1/ingest/Syslog", true)             // exempt

	got, err := st.Audit(ctx, state.AuditFilter{Ascending: true})
	require.NoError(t, err)
	require.Len(t, got, 3)
	require.Equal(t, "POST /api/v1/incidents/{id}/comments", got[0].Action)
	require.Equal(t, "incidents", got[0].TargetType)
	require.Equal(t, "inc-7", got[0].Target)
	require.Equal(t, "ann", got[0].Actor)
	require.Equal(t, "198.51.100.7", got[0].SourceIP)
	require.Equal(t, 201, got[0].Status)
	require.Equal(t, "incident.update", got[1].Action)
	require.JSONEq(t, `{"status":"New"}`, string(got[1].Before))
	require.JSONEq(t, `{"status":"Active"}`, string(got[1].After))
	require.Equal(t, "failure", got[2].Outcome)
	require.Equal(t, 409, got[2].Status)
}
