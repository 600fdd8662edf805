package api

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/vigilsec/vigil/internal/auth"
	"github.com/vigilsec/vigil/internal/ingest/source/hec"
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
func (s *Server) requireCompat(p auth.Permission, fail func(w http.ResponseWriter, why authFailure)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			secret, err := compatToken(r.Header.Get("Authorization"))
			if err != nil {
				if errors.Is(err, auth.ErrNoToken) {
					fail(w, authMissing)
				} else {
					fail(w, authInvalid)
				}
				return
			}
			tok, err := s.d.Tokens.Verify(r.Context(), secret)
			if err != nil {
				fail(w, authInvalid)
				return
			}
			if !auth.Allowed(tok.Role, p) {
				fail(w, authForbidden)
				return
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, tok)))
		})
	}
}

// mountIngestCompat registers the endpoints of the Splunk HEC, Elasticsearch and OTLP protocols.
func (s *Server) mountIngestCompat(r chi.Router) {
	s.mountHEC(r)
}

func hecAuthFailure(w http.ResponseWriter, why authFailure) {
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
		r.Use(s.requireCompat(auth.PermIngest, hecAuthFailure))
		r.Post("/", event)
		r.Post("/event", event)
		r.Post("/event/1.0", event)
		r.Post("/raw", raw)
		r.Post("/raw/1.0", raw)
		r.Get("/health", health)
		r.Get("/health/1.0", health)
		r.Post("/ack", ack)
	})
}
