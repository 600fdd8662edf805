package api

import (
	"context"
	"crypto/subtle"
	"errors"
	"html"
	"net/http"

	"github.com/vigilsec/vigil/internal/audit"
	"github.com/vigilsec/vigil/internal/auth"
	"github.com/vigilsec/vigil/internal/sso"
)

// SSO runs single sign-on sign-ins (internal/sso.Provider).
type SSO interface {
	Begin(ctx context.Context) (authURL, state string, err error)
	Finish(ctx context.Context, state, code string) (sso.Identity, error)
}

// ssoStateCookie binds a sign-in to the browser that started it. It is SameSite=Lax: the provider sends the
// browser back with a top-level cross-site navigation, which Strict cookies do not follow.
const ssoStateCookie = "vigil_oidc_state"

var errSSOOff = &Error{Status: http.StatusNotFound, Code: "sso_not_configured", Message: "single sign-on is not configured"}

func (s *Server) oidcLogin(w http.ResponseWriter, r *http.Request) error {
	if s.d.OIDC == nil || s.identityOn() != nil {
		return errSSOOff
	}
	if ok, wait := s.d.Limits.SignInPerIP.Allow(s.clientIP(r)); !ok {
		s.tooMany(w, wait)
		return nil
	}
	url, state, err := s.d.OIDC.Begin(r.Context())
	if err != nil {
		return &Error{Status: http.StatusBadGateway, Code: "sso_unavailable", Message: "the identity provider cannot be reached", Err: err}
	}
	http.SetCookie(w, &http.Cookie{Name: ssoStateCookie, Value: state, Path: "/api/v1/auth/oidc", MaxAge: 600, HttpOnly: true,
		Secure: s.d.SecureCookies, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, url, http.StatusFound)
	return nil
}

func (s *Server) oidcCallback(w http.ResponseWriter, r *http.Request) error {
	if s.d.OIDC == nil || s.identityOn() != nil {
		return errSSOOff
	}
	ctx := r.Context()
	if ok, wait := s.d.Limits.SignInPerIP.Allow(s.clientIP(r)); !ok {
		s.tooMany(w, wait)
		return nil
	}
	q := r.URL.Query()
	http.SetCookie(w, &http.Cookie{Name: ssoStateCookie, Value: "", Path: "/api/v1/auth/oidc", MaxAge: -1, HttpOnly: true,
		Secure: s.d.SecureCookies, SameSite: http.SameSiteLaxMode})
	fail := func(reason string, err error) error {
		audit.SetActor(ctx, audit.Actor{Type: "anonymous", Method: "oidc"})
		audit.Describe(ctx, audit.Change{Action: "auth.login", TargetType: "user", Details: map[string]string{"reason": reason, "error": errString(err)}})
		audit.SetOutcome(ctx, "failure")
		return &Error{Status: http.StatusUnauthorized, Code: "sso_failed", Message: "single sign-on failed: " + reason, Err: err}
	}
	if e := q.Get("error"); e != "" {
		return fail("the identity provider answered "+e, nil)
	}
	c, err := r.Cookie(ssoStateCookie)
	state := q.Get("state")
	if err != nil || state == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(state)) != 1 {
		return fail("the sign-in was not started in this browser", err)
	}
	id, err := s.d.OIDC.Finish(ctx, state, q.Get("code"))
	switch {
	case errors.Is(err, sso.ErrNoRole):
		return fail("no role is mapped to this user", err)
	case errors.Is(err, sso.ErrState):
		return fail("the sign-in expired; start again", err)
	case err != nil:
		return fail("the identity could not be verified", err)
	}
	u, created, err := s.d.Users.UpsertExternal(ctx, auth.External{ExternalID: id.ExternalID(), Username: id.Username,
		Email: id.Email, Name: id.Name, Role: id.Role})
	if err != nil {
		return fail("the user could not be signed in", err)
	}
	s.endPresentedSession(r)
	value, sess, err := s.d.Sessions.Create(ctx, u, s.clientIP(r), r.UserAgent(), "oidc")
	if err != nil {
		return err
	}
	audit.SetActor(ctx, audit.Actor{Type: "user", ID: u.ID, Name: u.Username, Method: "oidc"})
	audit.Describe(ctx, audit.Change{Action: "auth.login", TargetType: "user", Target: u.ID,
		Details: map[string]any{"session": sess.ID, "method": "oidc", "createdUser": created, "role": u.Role, "groups": id.Groups}})
	setSessionCookies(w, value, sess, s.d.SecureCookies)
	// A page, not a redirect: the browser then follows a same-site navigation, which sends the Strict cookie.
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(`<!doctype html><meta http-equiv="refresh" content="0;url=/"><title>Signed in</title>` +
		`<p>Signed in as ` + html.EscapeString(u.Username) + `. <a href="/">Continue</a></p>`))
	return nil
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
