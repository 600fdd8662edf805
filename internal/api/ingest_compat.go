package api

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/vigilsec/vigil/internal/auth"
	"github.com/vigilsec/vigil/internal/ingest/source/elastic"
	"github.com/vigilsec/vigil/internal/ingest/source/hec"
	"github.com/vigilsec/vigil/internal/ingest/source/otlp"
)

// The ingestion endpoints of other products' protocols live outside /api/v1, where their clients expect them:
// Splunk HEC under /services/collector. They take a Vigil token with the ingest permission in the forms those
// clients send ("Splunk <token>", "Bearer <token>", "ApiKey <token>", or Basic auth with the token as password),
// and answer failures in each protocol's own shape.

// authFailure says why a request was not authorised.
type authFailure int

const (
	authMissing   authFailure = iota // no credentials: 401
	authInvalid                      // unreadable or unknown credentials: 401
	authForbidden                    // a valid token whose role lacks the permission: 403
)

// compatToken extracts a token from the Authorization header in any of the accepted forms.
func compatToken(header string) (string, error) {
	if header == "" {
		return "", auth.ErrNoToken
	}
	scheme, rest, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok {
		return "", auth.ErrInvalidToken
	}
	rest = strings.TrimSpace(rest)
	switch strings.ToLower(scheme) {
	case "splunk", "bearer":
		return auth.ParseToken(rest)
	case "apikey":
		// Elasticsearch API keys are base64("id:key"); the key (or the whole value) is the token.
		if dec, err := base64.StdEncoding.DecodeString(rest); err == nil {
			if _, key, ok := strings.Cut(string(dec), ":"); ok {
				return auth.ParseToken(key)
			}
		}
		return auth.ParseToken(rest)
	case "basic":
		dec, err := base64.StdEncoding.DecodeString(rest)
		if err != nil {
			return "", auth.ErrInvalidToken
		}
		_, pass, ok := strings.Cut(string(dec), ":")
		if !ok {
			return "", auth.ErrInvalidToken
		}
		return auth.ParseToken(pass)
	}
	return "", auth.ErrInvalidToken
}

// requireCompat authenticates like require, but reports failures through fail in the protocol's own shape.
func (s *Server) requireCompat(p auth.Permission, fail func(w http.ResponseWriter, r *http.Request, why authFailure)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			secret, err := compatToken(r.Header.Get("Authorization"))
			if err != nil {
				if errors.Is(err, auth.ErrNoToken) {
					fail(w, r, authMissing)
				} else {
					fail(w, r, authInvalid)
				}
				return
			}
			tok, err := s.d.Tokens.Verify(r.Context(), secret)
			if err != nil {
				fail(w, r, authInvalid)
				return
			}
			if !auth.Allowed(tok.Role, p) {
				fail(w, r, authForbidden)
				return
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, tok)))
		})
	}
}

// mountIngestCompat registers the endpoints of the Splunk HEC, Elasticsearch and OTLP protocols.
func (s *Server) mountIngestCompat(r chi.Router) {
	s.mountHEC(r)
	s.mountElastic(r)
	logs := func(w http.ResponseWriter, r *http.Request) {
		if s.d.OTLP == nil {
			otlp.WriteStatus(w, r, http.StatusServiceUnavailable, 14, "OTLP logs are disabled")
			return
		}
		s.d.OTLP.Logs(w, r)
	}
	r.With(s.requireCompat(auth.PermIngest, func(w http.ResponseWriter, r *http.Request, why authFailure) {
		otlp.AuthFailure(w, r, why == authForbidden)
	}), s.admit(refuseOTLP)).Post("/v1/logs", logs)
}

func elasticAuthFailure(w http.ResponseWriter, _ *http.Request, why authFailure) {
	switch why {
	case authForbidden:
		elastic.WriteJSON(w, http.StatusForbidden, elastic.Error(403, "security_exception", "the token's role does not hold the ingest permission"))
	default:
		w.Header().Set("WWW-Authenticate", `Basic realm="vigil" charset="UTF-8"`)
		w.Header().Add("WWW-Authenticate", "ApiKey")
		reason := "missing authentication credentials for REST request"
		if why == authInvalid {
			reason = "unable to authenticate with the provided credentials (use a Vigil token as the password, an ApiKey or a Bearer token)"
		}
		elastic.WriteJSON(w, http.StatusUnauthorized, elastic.Error(401, "security_exception", reason))
	}
}

// mountElastic registers the Elasticsearch endpoints Beats and Logstash use: at the root, where they expect them.
func (s *Server) mountElastic(r chi.Router) {
	h := func(f func(*elastic.Handler) http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if s.d.Elastic == nil {
				elastic.WriteJSON(w, http.StatusServiceUnavailable, elastic.Error(503, "unavailable", "the Elasticsearch endpoints are disabled"))
				return
			}
			f(s.d.Elastic)(w, r)
		}
	}
	get := func(kind string) http.HandlerFunc {
		return h(func(x *elastic.Handler) http.HandlerFunc { return x.GetStored(kind) })
	}
	put := func(kind string) http.HandlerFunc {
		return h(func(x *elastic.Handler) http.HandlerFunc { return x.PutStored(kind) })
	}
	bulk := h(func(x *elastic.Handler) http.HandlerFunc { return x.Bulk })
	r.Group(func(r chi.Router) {
		r.Use(s.requireCompat(auth.PermIngest, elasticAuthFailure))
		r.Get("/", h(func(x *elastic.Handler) http.HandlerFunc { return x.Info }))
		r.Get("/_license", h(func(x *elastic.Handler) http.HandlerFunc { return x.License }))
		r.Get("/_xpack", h(func(x *elastic.Handler) http.HandlerFunc { return x.XPack }))
		r.Get("/_cluster/health", h(func(x *elastic.Handler) http.HandlerFunc { return x.ClusterHealth }))
		r.Get("/_cat/{what}", h(func(x *elastic.Handler) http.HandlerFunc { return x.Cat }))
		for _, kind := range []string{elastic.KindIndexTemplate, elastic.KindTemplate, elastic.KindILMPolicy, elastic.KindPipeline} {
			r.Get("/"+kind+"/{name}", get(kind))
			r.Put("/"+kind+"/{name}", put(kind))
			if kind == elastic.KindIndexTemplate || kind == elastic.KindTemplate {
				r.Head("/"+kind+"/{name}", get(kind))
			}
		}
		admitted := r.With(s.admit(refuseElastic))
		admitted.Post("/_bulk", bulk)
		admitted.Put("/_bulk", bulk)
		admitted.Post("/{index}/_bulk", bulk)
		admitted.Put("/{index}/_bulk", bulk)
	})
}

func hecAuthFailure(w http.ResponseWriter, _ *http.Request, why authFailure) {
	switch why {
	case authMissing:
		w.Header().Set("WWW-Authenticate", `Splunk realm="vigil"`)
		hec.WriteAnswer(w, http.StatusUnauthorized, hec.AnswerTokenRequired)
	case authInvalid:
		w.Header().Set("WWW-Authenticate", `Splunk realm="vigil"`)
		hec.WriteAnswer(w, http.StatusUnauthorized, hec.AnswerInvalidAuth)
	default:
		hec.WriteAnswer(w, http.StatusForbidden, hec.AnswerInvalidToken)
	}
}

func (s *Server) mountHEC(r chi.Router) {
	h := func(f func(*hec.Handler) http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if s.d.HEC == nil {
				hec.WriteAnswer(w, http.StatusServiceUnavailable, hec.Answer{Text: "HEC is unhealthy, HEC is disabled", Code: 18})
				return
			}
			f(s.d.HEC)(w, r)
		}
	}
	event := h(func(x *hec.Handler) http.HandlerFunc { return x.Event })
	raw := h(func(x *hec.Handler) http.HandlerFunc { return x.Raw })
	health := h(func(x *hec.Handler) http.HandlerFunc { return x.Health })
	ack := h(func(x *hec.Handler) http.HandlerFunc { return x.Ack })
	r.Route("/services/collector", func(r chi.Router) {
		// Docker's splunk logging driver checks the endpoint with an OPTIONS request that carries no token
		// before it starts, as Splunk answers it; the answer is only the allowed methods, with no data.
		for _, p := range []string{"/", "/event", "/event/1.0", "/raw", "/raw/1.0"} {
			r.Options(p, hecOptions)
		}
		r.Group(func(r chi.Router) {
			r.Use(s.requireCompat(auth.PermIngest, hecAuthFailure))
			admitted := r.With(s.admit(refuseHEC))
			admitted.Post("/", event)
			admitted.Post("/event", event)
			admitted.Post("/event/1.0", event)
			admitted.Post("/raw", raw)
			admitted.Post("/raw/1.0", raw)
			r.Get("/health", health)
			r.Get("/health/1.0", health)
			r.Post("/ack", ack)
		})
	})
}

// hecOptions answers the connection check of HEC clients: 200 with the methods the endpoint takes.
func hecOptions(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Allow", "OPTIONS, POST")
	w.WriteHeader(http.StatusOK)
}
