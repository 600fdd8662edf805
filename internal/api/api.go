// Package api is Vigil's REST API under /api/v1, described by the OpenAPI document it serves at
// /api/v1/openapi.json. Every route but /healthz, /readyz and the sign-in routes requires credentials — a bearer
// token, or a portal session cookie with its CSRF header on state-changing requests — whose role holds the route's
// permission.
package api

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/vigilsec/vigil/internal/audit"
	"github.com/vigilsec/vigil/internal/auth"
	"github.com/vigilsec/vigil/internal/hunt"
	"github.com/vigilsec/vigil/internal/ingest/source/elastic"
	"github.com/vigilsec/vigil/internal/ingest/source/hec"
	"github.com/vigilsec/vigil/internal/ingest/source/otlp"
	"github.com/vigilsec/vigil/internal/pipeline"
	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/state"
	"github.com/vigilsec/vigil/internal/x/clientip"
)

// Ingester is what the ingest routes need of the pipeline.
type Ingester interface {
	IngestNDJSON(ctx context.Context, table string, body io.Reader) (pipeline.Result, error)
}

// TokenService creates and verifies API tokens.
type TokenService interface {
	Create(ctx context.Context, name, role string, ttl time.Duration) (state.Token, string, error)
	CreateSpec(ctx context.Context, spec auth.TokenSpec) (state.Token, string, error)
	Verify(ctx context.Context, secret string) (state.Token, error)
}

// Hunter runs KQL hunts and serves the query editor.
type Hunter interface {
	Run(ctx context.Context, req hunt.Request) (*hunt.Result, error)
	// CheckScoped and CompleteScoped see only the tables allow accepts (nil: every table).
	CheckScoped(src string, allow func(*schema.Table) bool) hunt.CheckResult
	CompleteScoped(src string, pos int, allow func(*schema.Table) bool) []hunt.Completion
}

// Deps are what the API serves from.
type Deps struct {
	Hunt          Hunter
	Alerts        state.Alerts
	Rules         RuleService
	Functions     FunctionService // stored KQL functions; nil answers 503
	Incidents     IncidentService
	Sigma         SigmaRules // nil when no Sigma rules are loaded
	Catalog       *schema.Catalog
	Ingest        Ingester
	State         state.Store
	Tokens        TokenService
	Metrics       http.Handler
	MetricsPublic bool
	Ready         func() error
	MaxBodyBytes  int64
	Log           *slog.Logger
	// HEC serves the Splunk HTTP Event Collector endpoints; nil answers them 503.
	HEC *hec.Handler
	// Elastic serves the Elasticsearch endpoints (/, /_bulk, probes); nil answers them 503.
	Elastic *elastic.Handler
	// OTLP serves OTLP/HTTP logs (/v1/logs); nil answers 503.
	OTLP *otlp.Handler

	// Identity: users, sessions, roles, audit, approvals, single sign-on and rate limits (see identity.go).
	Identity      state.Identity
	Users         *auth.Users
	Sessions      *auth.Sessions
	Authz         *auth.Authorizer
	Audit         *audit.Log
	OIDC          SSO
	Limits        Limits
	ClientIP      *clientip.Resolver
	SecureCookies bool // cookies only over HTTPS (set when the server speaks TLS)
	// Approvers run approved actions, by kind.
	Approvers map[string]Approver
}

// Server holds the routes.
type Server struct {
	d      Deps
	router chi.Router
}

// New returns the API server.
func New(d Deps) *Server {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	s := &Server{d: d}
	r := chi.NewRouter()
	r.Use(middleware.RequestID, middleware.Recoverer, securityHeaders, s.auditing, s.limitByIP)
	r.Get("/healthz", s.healthz)
	r.Get("/readyz", s.readyz)
	if d.MetricsPublic {
		r.Method(http.MethodGet, "/metrics", d.Metrics)
	} else {
		r.With(s.require(auth.PermReadMetrics), s.wholeData("the metrics")).Method(http.MethodGet, "/metrics", d.Metrics)
	}
	r.Route("/api/v1", func(r chi.Router) {
		r.With(s.require(auth.PermReadData)).Get("/openapi.json", s.openapi)
		r.With(s.require(auth.PermReadData)).Get("/schema", handle(s.getSchema))
		r.With(s.require(auth.PermReadData)).Get("/schema/{table}", handle(s.getTable))
		r.With(s.require(auth.PermIngest), audit.Exempt, s.admit(s.refuseNDJSON)).Post("/ingest/{table}", handle(s.ingest))
		r.With(s.require(auth.PermReadData)).Get("/ingest/stats", handle(s.ingestStats))
		r.With(s.require(auth.PermManageTokens)).Get("/tokens", handle(s.listTokens))
		r.With(s.require(auth.PermManageTokens)).Post("/tokens", handle(s.createToken))
		r.With(s.require(auth.PermManageTokens)).Delete("/tokens/{id}", handle(s.revokeToken))
		r.With(s.require(auth.PermReadData)).Get("/whoami", handle(s.whoami))
		r.With(s.require(auth.PermHunt)).Post("/hunt", handle(s.hunt))
		r.With(s.require(auth.PermReadData)).Get("/alerts", handle(s.listAlerts))
		r.With(s.require(auth.PermReadData)).Get("/alerts/{id}", handle(s.getAlert))
		r.With(s.require(auth.PermHunt), audit.Exempt).Post("/kql/check", handle(s.kqlCheck))
		r.With(s.require(auth.PermHunt), audit.Exempt).Post("/kql/complete", handle(s.kqlComplete))
		s.mountRules(r)
		s.mountFunctions(r)
		s.mountIncidents(r)
		s.mountSigma(r)
		s.mountIdentity(r)
	})
	s.mountIngestCompat(r)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, &Error{Status: http.StatusNotFound, Code: "not_found", Message: "no such route"}, d.Log)
	})
	s.router = r
	return s
}

// Handler returns the HTTP handler.
func (s *Server) Handler() http.Handler { return s.router }

// Routes lists the registered method and path pairs (for the OpenAPI sync test and the route scan).
func (s *Server) Routes() [][2]string {
	var out [][2]string
	_ = chi.Walk(s.router, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		out = append(out, [2]string{method, route})
		return nil
	})
	return out
}

// auditing records state-changing requests in the audit trail (see package audit).
func (s *Server) auditing(next http.Handler) http.Handler {
	if s.d.Audit == nil {
		return next
	}
	return s.d.Audit.Middleware(s.d.ClientIP.IP)(next)
}

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		if strings.HasPrefix(r.URL.Path, "/api/") {
			// API answers are data, never pages: nothing in them may load or run, nor be framed.
			h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		}
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

// handle adapts a handler that returns an error.
func handle(f func(w http.ResponseWriter, r *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := f(w, r); err != nil {
			writeError(w, err, slog.Default())
		}
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	return enc.Encode(v)
}

func writeError(w http.ResponseWriter, err error, log *slog.Logger) {
	status, code, msg := statusOf(err)
	if status >= 500 {
		log.Error("request failed", "err", err)
	}
	body := map[string]any{"error": map[string]any{"code": code, "message": msg}}
	var e *Error
	if ok := asError(err, &e); ok {
		for k, v := range e.Extra {
			body[k] = v
		}
	}
	if status == http.StatusTooManyRequests && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", "1")
	}
	_ = writeJSON(w, status, body)
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	_ = writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, _ *http.Request) {
	if s.d.Ready != nil {
		if err := s.d.Ready(); err != nil {
			_ = writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "not ready", "reason": err.Error()})
			return
		}
	}
	_ = writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

func (s *Server) openapi(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openAPI)
}
