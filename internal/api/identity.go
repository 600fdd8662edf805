package api

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/vigilsec/vigil/internal/audit"
	"github.com/vigilsec/vigil/internal/auth"
	"github.com/vigilsec/vigil/internal/state"
)

// mountIdentity registers sign-in, the caller's own account, users, roles, the audit trail and approvals.
func (s *Server) mountIdentity(r chi.Router) {
	authed := s.require(auth.PermAuthenticated)
	r.Post("/auth/login", handle(s.login))
	r.Get("/auth/oidc/login", handle(s.oidcLogin))
	r.Get("/auth/oidc/callback", handle(s.oidcCallback))
	r.With(authed).Post("/auth/logout", handle(s.logout))
	r.With(authed).Get("/auth/me", handle(s.me))
	r.With(authed).Post("/auth/password", handle(s.changePassword))
	r.With(authed).Post("/auth/totp", handle(s.enrolTOTP))
	r.With(authed).Post("/auth/totp/confirm", handle(s.confirmTOTP))
	r.With(authed).Delete("/auth/totp", handle(s.disableOwnTOTP))
	r.With(authed).Get("/auth/tokens", handle(s.listOwnTokens))
	r.With(authed).Post("/auth/tokens", handle(s.createOwnToken))
	r.With(authed).Delete("/auth/tokens/{id}", handle(s.revokeOwnToken))

	users := s.require(auth.PermManageUsers)
	r.With(users).Get("/users", handle(s.listUsers))
	r.With(users).Post("/users", handle(s.createUser))
	r.With(users).Get("/users/{id}", handle(s.getUser))
	r.With(users).Patch("/users/{id}", handle(s.updateUser))
	r.With(users).Delete("/users/{id}", handle(s.deleteUser))
	r.With(users).Post("/users/{id}/password", handle(s.resetPassword))
	r.With(users).Post("/users/{id}/unlock", handle(s.unlockUser))
	r.With(users).Delete("/users/{id}/totp", handle(s.resetTOTP))
	r.With(users).Delete("/users/{id}/sessions", handle(s.endUserSessions))

	r.With(users).Get("/roles", handle(s.listRoles))
	r.With(users).Post("/roles", handle(s.createRole))
	r.With(users).Get("/roles/{name}", handle(s.getRole))
	r.With(users).Put("/roles/{name}", handle(s.updateRole))
	r.With(users).Delete("/roles/{name}", handle(s.deleteRole))

	r.With(users).Get("/audit", handle(s.listAudit))

	r.With(s.require(auth.PermReadData)).Get("/approvals", handle(s.listApprovals))
	r.With(s.require(auth.PermReadData)).Get("/approvals/{id}", handle(s.getApproval))
	r.With(s.require(auth.PermRunResponse)).Post("/approvals", handle(s.requestApproval))
	r.With(s.require(auth.PermRunResponse)).Post("/approvals/{id}/cancel", handle(s.cancelApproval))
	r.With(s.require(auth.PermApproveResponse)).Post("/approvals/{id}/approve", handle(s.approve))
	r.With(s.require(auth.PermApproveResponse)).Post("/approvals/{id}/reject", handle(s.reject))
}

var errIdentityOff = &Error{Status: http.StatusServiceUnavailable, Code: "unavailable", Message: "user accounts are not available"}

func (s *Server) identityOn() error {
	if s.d.Users == nil || s.d.Sessions == nil || s.d.Identity == nil {
		return errIdentityOff
	}
	return nil
}

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
	// Code is a TOTP code or a recovery code, needed when the user enrolled a second factor.
	Code string `json:"code"`
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	if err := s.identityOn(); err != nil {
		return err
	}
	ctx := r.Context()
	ip := s.clientIP(r)
	if ok, wait := s.d.Limits.SignInPerIP.Allow(ip); !ok {
		s.tooMany(w, wait)
		return nil
	}
	var req loginRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if req.Username == "" || req.Password == "" {
		return &Error{Status: http.StatusBadRequest, Code: "bad_request", Message: "username and password are required"}
	}
	if ok, wait := s.d.Limits.SignInPerUser.Allow(strings.ToLower(req.Username)); !ok {
		s.tooMany(w, wait)
		return nil
	}
	method := "password"
	u, err := s.d.Users.Authenticate(ctx, req.Username, req.Password, req.Code)
	var lf *auth.LoginFailure
	switch {
	case errors.As(err, &lf):
		actor := audit.Actor{Type: "anonymous", Name: req.Username, Method: method}
		if lf.User.ID != "" {
			actor = audit.Actor{Type: "user", ID: lf.User.ID, Name: lf.User.Username, Method: method}
		}
		audit.SetActor(ctx, actor)
		audit.Describe(ctx, audit.Change{Action: "auth.login", TargetType: "user", Target: req.Username,
			Details: map[string]string{"reason": lf.Reason}})
		audit.SetOutcome(ctx, "failure")
		return err
	case errors.Is(err, auth.ErrTOTPRequired):
		return err // the password was right; the client now asks for a code (not a sign-in yet, not recorded)
	case err != nil:
		return err
	}
	if u.TOTPEnabled {
		method = "password+totp"
	}
	return s.startSession(w, r, u, method)
}

// startSession signs u in: a new session, its cookies, the audit entry and the answer.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, u state.User, method string) error {
	ctx := r.Context()
	s.endPresentedSession(r)
	value, sess, err := s.d.Sessions.Create(ctx, u, s.clientIP(r), r.UserAgent(), method)
	if err != nil {
		return err
	}
	audit.SetActor(ctx, audit.Actor{Type: "user", ID: u.ID, Name: u.Username, Method: method})
	audit.Describe(ctx, audit.Change{Action: "auth.login", TargetType: "user", Target: u.ID,
		Details: map[string]string{"session": sess.ID, "method": method}})
	setSessionCookies(w, value, sess, s.d.SecureCookies)
	return writeJSON(w, http.StatusOK, map[string]any{"user": u, "csrfToken": sess.CSRF, "expiresAt": sess.ExpiresAt})
}

// endPresentedSession ends the session of the cookie the request carries, if any, so signing in again never leaves
// the earlier session alive (and a planted cookie never becomes a signed-in one).
func (s *Server) endPresentedSession(r *http.Request) {
	c, err := r.Cookie(auth.SessionCookie)
	if err != nil {
		return
	}
	if old, err := s.d.Sessions.Verify(r.Context(), c.Value); err == nil {
		_ = s.d.Sessions.End(r.Context(), old.ID)
	}
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	p, _ := PrincipalFrom(r.Context())
	audit.Describe(r.Context(), audit.Change{Action: "auth.logout", TargetType: "session", Target: p.SessionID})
	if p.SessionID != "" && s.d.Sessions != nil {
		if err := s.d.Sessions.End(r.Context(), p.SessionID); err != nil {
			return err
		}
	}
	clearSessionCookies(w, s.d.SecureCookies)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) error {
	p, _ := PrincipalFrom(r.Context())
	out := map[string]any{"principal": p}
	if uid := p.UserID(); uid != "" && s.d.Identity != nil {
		u, err := s.d.Identity.User(r.Context(), uid)
		if err != nil {
			return err
		}
		out["user"] = u
	}
	return writeJSON(w, http.StatusOK, out)
}

// ownUser returns the user the caller acts for, or 409 for a service token.
func (s *Server) ownUser(r *http.Request) (state.User, error) {
	if err := s.identityOn(); err != nil {
		return state.User{}, err
	}
	p, _ := PrincipalFrom(r.Context())
	if p.UserID() == "" {
		return state.User{}, &Error{Status: http.StatusConflict, Code: "no_user", Message: "this credential is a service token, not a user"}
	}
	return s.d.Identity.User(r.Context(), p.UserID())
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) error {
	u, err := s.ownUser(r)
	if err != nil {
		return err
	}
	var req struct {
		CurrentPassword string `json:"currentPassword"`
		NewPassword     string `json:"newPassword"`
	}
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	audit.Describe(r.Context(), audit.Change{Action: "user.password_change", TargetType: "user", Target: u.ID})
	if u.Source != "local" || !auth.VerifyPassword(u.PasswordHash, req.CurrentPassword) {
		return &Error{Status: http.StatusBadRequest, Code: "bad_password", Message: "the current password is wrong"}
	}
	if _, err := s.d.Users.SetPassword(r.Context(), u.ID, req.NewPassword); err != nil {
		return err
	}
	clearSessionCookies(w, s.d.SecureCookies) // every session ended, this one too: sign in again
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) enrolTOTP(w http.ResponseWriter, r *http.Request) error {
	u, err := s.ownUser(r)
	if err != nil {
		return err
	}
	audit.Describe(r.Context(), audit.Change{Action: "user.totp_enrol", TargetType: "user", Target: u.ID})
	e, err := s.d.Users.EnrolTOTP(r.Context(), u.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, e)
}

func (s *Server) confirmTOTP(w http.ResponseWriter, r *http.Request) error {
	u, err := s.ownUser(r)
	if err != nil {
		return err
	}
	var req struct {
		Code string `json:"code"`
	}
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	audit.Describe(r.Context(), audit.Change{Action: "user.totp_enable", TargetType: "user", Target: u.ID,
		Before: map[string]bool{"totpEnabled": u.TOTPEnabled}, After: map[string]bool{"totpEnabled": true}})
	codes, err := s.d.Users.ConfirmTOTP(r.Context(), u.ID, req.Code)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"recoveryCodes": codes})
}

func (s *Server) disableOwnTOTP(w http.ResponseWriter, r *http.Request) error {
	u, err := s.ownUser(r)
	if err != nil {
		return err
	}
	var req struct {
		Password string `json:"password"`
	}
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	audit.Describe(r.Context(), audit.Change{Action: "user.totp_disable", TargetType: "user", Target: u.ID,
		Before: map[string]bool{"totpEnabled": u.TOTPEnabled}, After: map[string]bool{"totpEnabled": false}})
	if u.Source != "local" || !auth.VerifyPassword(u.PasswordHash, req.Password) {
		return &Error{Status: http.StatusBadRequest, Code: "bad_password", Message: "the password is wrong"}
	}
	if err := s.d.Users.DisableTOTP(r.Context(), u.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) ownTokens(r *http.Request, userID string) ([]state.Token, error) {
	all, err := s.d.State.Tokens(r.Context())
	if err != nil {
		return nil, err
	}
	out := []state.Token{}
	for _, t := range all {
		if t.UserID == userID {
			out = append(out, t)
		}
	}
	return out, nil
}

func (s *Server) listOwnTokens(w http.ResponseWriter, r *http.Request) error {
	u, err := s.ownUser(r)
	if err != nil {
		return err
	}
	toks, err := s.ownTokens(r, u.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"tokens": toks})
}

type createOwnTokenRequest struct {
	Name   string   `json:"name"`
	Scopes []string `json:"scopes"`
	// TTL such as "720h"; empty for no expiry (or the calling token's expiry).
	TTL string `json:"ttl"`
}

// createOwnToken makes a token that acts for the caller's user. A token made with a token gets no more than the
// calling token has: its scopes within the caller's, its expiry no later than the caller's.
func (s *Server) createOwnToken(w http.ResponseWriter, r *http.Request) error {
	u, err := s.ownUser(r)
	if err != nil {
		return err
	}
	var req createOwnTokenRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	ttl, err := parseTTL(req.TTL)
	if err != nil {
		return err
	}
	p, _ := PrincipalFrom(r.Context())
	scopes := req.Scopes
	if tok, ok := TokenFrom(r.Context()); ok {
		if len(scopes) == 0 {
			for _, perm := range p.Permissions {
				scopes = append(scopes, string(perm))
			}
			if len(scopes) == 0 {
				return &Error{Status: http.StatusForbidden, Code: "forbidden", Message: "the calling token holds no permission to pass on"}
			}
		}
		for _, sc := range scopes {
			if !p.Can(auth.Permission(sc)) {
				return &Error{Status: http.StatusForbidden, Code: "forbidden", Message: fmt.Sprintf("the calling token does not hold %q", sc)}
			}
		}
		if tok.ExpiresAt != nil {
			left := time.Until(*tok.ExpiresAt)
			if ttl == 0 || ttl > left {
				ttl = left
			}
		}
	}
	rec, secret, err := s.d.Tokens.CreateSpec(r.Context(), auth.TokenSpec{Name: req.Name, Role: u.Role, UserID: u.ID, Scopes: scopes, TTL: ttl})
	if err != nil {
		return err
	}
	audit.Describe(r.Context(), audit.Change{Action: "token.create", TargetType: "token", Target: rec.ID, After: rec})
	return writeJSON(w, http.StatusCreated, map[string]any{"token": rec, "secret": secret})
}

func (s *Server) revokeOwnToken(w http.ResponseWriter, r *http.Request) error {
	u, err := s.ownUser(r)
	if err != nil {
		return err
	}
	id := chi.URLParam(r, "id")
	toks, err := s.ownTokens(r, u.ID)
	if err != nil {
		return err
	}
	for _, t := range toks {
		if t.ID == id {
			audit.Describe(r.Context(), audit.Change{Action: "token.revoke", TargetType: "token", Target: id, Before: t})
			if err := s.d.State.RevokeToken(r.Context(), id); err != nil {
				return err
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		}
	}
	return state.ErrNotFound
}

func parseTTL(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, &Error{Status: http.StatusBadRequest, Code: "bad_request", Message: fmt.Sprintf("ttl %q is not a positive duration", s)}
	}
	return d, nil
}
