package api

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/vigilsec/vigil/internal/audit"
	"github.com/vigilsec/vigil/internal/auth"
	"github.com/vigilsec/vigil/internal/state"
	"github.com/vigilsec/vigil/internal/x/ratelimit"
)

// Limits are the request rate limits; a nil field is no limit.
type Limits struct {
	// PerIP limits every request by source address; PerPrincipal every authenticated request by token or user.
	PerIP, PerPrincipal *ratelimit.Keyed
	// SignIn limits sign-in attempts (password and single sign-on) by source address, and by user name.
	SignInPerIP, SignInPerUser *ratelimit.Keyed
}

// tooMany answers 429 with Retry-After in whole seconds (at least 1).
func (s *Server) tooMany(w http.ResponseWriter, wait time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(int(math.Max(1, math.Ceil(wait.Seconds())))))
	writeError(w, &Error{Status: http.StatusTooManyRequests, Code: "rate_limited",
		Message: fmt.Sprintf("too many requests; retry after %s", wait.Round(time.Second).String())}, s.d.Log)
}

// limitByIP applies the per-address limit to every request but the health probes.
func (s *Server) limitByIP(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" && r.URL.Path != "/readyz" {
			if ok, wait := s.d.Limits.PerIP.Allow(s.clientIP(r)); !ok {
				s.tooMany(w, wait)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) clientIP(r *http.Request) string {
	if ip := audit.SourceIP(r.Context()); ip != "" {
		return ip
	}
	return s.d.ClientIP.IP(r)
}

type principalKey struct{}

// PrincipalFrom returns who the request acts as.
func PrincipalFrom(ctx context.Context) (*auth.Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(*auth.Principal)
	return p, ok
}

// TokenFrom returns the token that authenticated the request (not set for session requests).
func TokenFrom(ctx context.Context) (state.Token, bool) {
	t, ok := ctx.Value(ctxKey{}).(state.Token)
	return t, ok
}

type ctxKey struct{}

// authenticate finds the principal of a request: a bearer token, else a session cookie.
func (s *Server) authenticate(r *http.Request) (*auth.Principal, *state.Token, error) {
	ctx := r.Context()
	if h := r.Header.Get("Authorization"); h != "" || s.d.Sessions == nil {
		secret, err := auth.BearerToken(h)
		if err != nil {
			return nil, nil, err
		}
		tok, err := s.d.Tokens.Verify(ctx, secret)
		if err != nil {
			return nil, nil, err
		}
		p, err := s.d.Authz.ForToken(ctx, tok)
		return p, &tok, err
	}
	c, err := r.Cookie(auth.SessionCookie)
	if err != nil {
		return nil, nil, auth.ErrNoToken
	}
	sess, err := s.d.Sessions.Verify(ctx, c.Value)
	if err != nil {
		return nil, nil, err
	}
	u, err := s.d.Identity.User(ctx, sess.UserID)
	if errors.Is(err, state.ErrNotFound) || (err == nil && u.Disabled) {
		_ = s.d.Sessions.End(ctx, sess.ID)
		return nil, nil, auth.ErrInvalidSession
	}
	if err != nil {
		return nil, nil, err
	}
	p, err := s.d.Authz.ForUser(ctx, u, "session")
	if err != nil {
		return nil, nil, err
	}
	p.SessionID, p.CSRF = sess.ID, sess.CSRF
	return p, nil, nil
}

func unsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

// require authenticates the request (bearer token or session cookie), applies the per-principal rate limit, checks
// the CSRF token of a cookie-authenticated state-changing request, and checks that the principal holds p.
func (s *Server) require(p auth.Permission) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			pr, tok, err := s.authenticate(r)
			if err != nil {
				switch {
				case errors.Is(err, auth.ErrInvalidSession):
					clearSessionCookies(w, s.d.SecureCookies)
				case errors.Is(err, auth.ErrInvalidToken):
					w.Header().Set("WWW-Authenticate", `Bearer realm="vigil", error="invalid_token"`)
				default:
					w.Header().Set("WWW-Authenticate", `Bearer realm="vigil"`)
				}
				writeError(w, err, s.d.Log)
				return
			}
			ctx := r.Context()
			actor := audit.Actor{Type: pr.Kind, ID: pr.ID, Name: pr.Name, Method: pr.Method}
			audit.SetActor(ctx, actor)
			key := pr.Kind + ":" + pr.ID
			if ok, wait := s.d.Limits.PerPrincipal.Allow(key); !ok {
				s.tooMany(w, wait)
				return
			}
			if pr.Method == "session" && unsafeMethod(r.Method) {
				if err := auth.CheckCSRF(r.Header.Get(auth.CSRFHeader), pr.CSRF); err != nil {
					writeError(w, err, s.d.Log)
					return
				}
			}
			if !pr.Can(p) {
				writeError(w, auth.ErrForbidden, s.d.Log)
				return
			}
			ctx = context.WithValue(ctx, principalKey{}, pr)
			if tok != nil {
				ctx = context.WithValue(ctx, ctxKey{}, *tok)
			}
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// setSessionCookies gives the browser its session cookie (HttpOnly) and the CSRF token its script echoes back.
func setSessionCookies(w http.ResponseWriter, value string, sess state.Session, secure bool) {
	http.SetCookie(w, &http.Cookie{Name: auth.SessionCookie, Value: value, Path: "/", Expires: sess.ExpiresAt,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteStrictMode})
	http.SetCookie(w, &http.Cookie{Name: auth.CSRFCookie, Value: sess.CSRF, Path: "/", Expires: sess.ExpiresAt,
		Secure: secure, SameSite: http.SameSiteStrictMode})
}

func clearSessionCookies(w http.ResponseWriter, secure bool) {
	for _, name := range []string{auth.SessionCookie, auth.CSRFCookie} {
		http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: name == auth.SessionCookie,
			Secure: secure, SameSite: http.SameSiteStrictMode})
	}
}
