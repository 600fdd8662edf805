package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/vigilsec/vigil/internal/secret"
	"github.com/vigilsec/vigil/internal/state"
)

// Errors of sign-in and user management.
var (
	// ErrBadCredentials is the one answer to a failed sign-in, whatever failed (unknown user, wrong password, locked,
	// disabled), so an attacker learns nothing about which accounts exist. The audit trail records the reason.
	ErrBadCredentials = errors.New("invalid user name or password")
	// ErrTOTPRequired: the password was right, and the user must now give a code of their authenticator.
	ErrTOTPRequired = errors.New("a one-time code is required")
	// ErrBadUser: the user record asked for is invalid (bad user name, bad role).
	ErrBadUser = errors.New("invalid user")
	// ErrLastAdmin: the change would leave no enabled admin.
	ErrLastAdmin = errors.New("the last enabled admin cannot be removed, disabled or demoted")
)

// LoginFailure explains a refused sign-in for the audit trail (never for the client).
type LoginFailure struct {
	Reason string // unknown_user, bad_password, locked, disabled, no_password, bad_totp
	User   state.User
	Err    error
}

func (e *LoginFailure) Error() string { return ErrBadCredentials.Error() + " (" + e.Reason + ")" }
func (e *LoginFailure) Unwrap() error { return e.Err }

// Users manages local accounts and checks sign-ins.
type Users struct {
	Store state.Identity
	Roles *Authorizer
	// Box seals TOTP secrets at rest.
	Box *secret.Box
	Now func() time.Time
	// MaxFailures consecutive failed sign-ins lock the account for LockFor (defaults 5 and 15 minutes).
	MaxFailures int
	LockFor     time.Duration
	// Issuer names Vigil in authenticator apps (default "Vigil").
	Issuer string
}

func (u *Users) now() time.Time {
	if u.Now != nil {
		return u.Now().UTC().Truncate(time.Microsecond)
	}
	return time.Now().UTC().Truncate(time.Microsecond)
}

func (u *Users) maxFailures() int {
	if u.MaxFailures > 0 {
		return u.MaxFailures
	}
	return 5
}

func (u *Users) lockFor() time.Duration {
	if u.LockFor > 0 {
		return u.LockFor
	}
	return 15 * time.Minute
}

// NewUser describes a user to create.
type NewUser struct {
	Username    string `json:"username"`
	Password    string `json:"password"`
	Role        string `json:"role"`
	DisplayName string `json:"displayName"`
	Email       string `json:"email"`
}

var usernameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$`)

// ValidUsername reports whether name is a valid user name: 1–128 letters, digits and . _ @ + -, starting with a
// letter or digit.
func ValidUsername(name string) bool { return usernameRE.MatchString(name) }

// RandomID returns 16 random base64url characters, for record ids.
func RandomID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func newID(prefix string) string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return prefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// Create adds a local user with a password that meets the policy.
func (u *Users) Create(ctx context.Context, nu NewUser) (state.User, error) {
	if !ValidUsername(nu.Username) {
		return state.User{}, fmt.Errorf("%w: user name %q: 1 to 128 letters, digits and . _ @ + -", ErrBadUser, nu.Username)
	}
	if err := u.Roles.CheckRole(ctx, nu.Role); err != nil {
		return state.User{}, fmt.Errorf("%w: %w", ErrBadUser, err)
	}
	if err := CheckPassword(nu.Username, nu.Password); err != nil {
		return state.User{}, err
	}
	hash, err := HashPassword(nu.Password)
	if err != nil {
		return state.User{}, err
	}
	now := u.now()
	rec := state.User{ID: newID("usr_"), Username: nu.Username, DisplayName: nu.DisplayName, Email: nu.Email, Role: nu.Role,
		Source: "local", PasswordHash: hash, CreatedAt: now, UpdatedAt: now, PasswordChangedAt: &now}
	if err := u.Store.CreateUser(ctx, rec); err != nil {
		return state.User{}, err
	}
	return rec, nil
}

// Authenticate checks a sign-in: user name, password and, when the user has enrolled a second factor, a TOTP code
// or a recovery code. Consecutive failures lock the account. Every refusal is a *LoginFailure wrapping
// ErrBadCredentials, except a missing code after a right password, which is ErrTOTPRequired.
func (u *Users) Authenticate(ctx context.Context, username, password, code string) (state.User, error) {
	rec, err := u.Store.UserByName(ctx, username)
	if errors.Is(err, state.ErrNotFound) {
		VerifyPassword(dummyHash, password) // the same work as for a real user
		return state.User{}, &LoginFailure{Reason: "unknown_user", Err: ErrBadCredentials}
	}
	if err != nil {
		return state.User{}, err
	}
	now := u.now()
	fail := func(reason string) (state.User, error) {
		rec.FailedLogins++
		if rec.FailedLogins >= u.maxFailures() {
			until := now.Add(u.lockFor())
			rec.LockedUntil = &until
			rec.FailedLogins = 0
			reason += ",locked_now"
		}
		rec.UpdatedAt = now
		if err := u.Store.UpdateUser(ctx, rec); err != nil {
			return state.User{}, err
		}
		return state.User{}, &LoginFailure{Reason: reason, User: rec, Err: ErrBadCredentials}
	}
	if rec.LockedUntil != nil && now.Before(*rec.LockedUntil) {
		VerifyPassword(dummyHash, password)
		return state.User{}, &LoginFailure{Reason: "locked", User: rec, Err: ErrBadCredentials}
	}
	if rec.PasswordHash == "" {
		VerifyPassword(dummyHash, password)
		return state.User{}, &LoginFailure{Reason: "no_password", User: rec, Err: ErrBadCredentials}
	}
	if !VerifyPassword(rec.PasswordHash, password) {
		return fail("bad_password")
	}
	if rec.Disabled {
		return state.User{}, &LoginFailure{Reason: "disabled", User: rec, Err: ErrBadCredentials}
	}
	if rec.TOTPEnabled {
		if strings.TrimSpace(code) == "" {
			return state.User{}, ErrTOTPRequired
		}
		ok, err := u.checkSecondFactor(&rec, code, now)
		if err != nil {
			return state.User{}, err
		}
		if !ok {
			return fail("bad_totp")
		}
	}
	rec.FailedLogins, rec.LockedUntil, rec.LastLogin, rec.UpdatedAt = 0, nil, &now, now
	if err := u.Store.UpdateUser(ctx, rec); err != nil {
		return state.User{}, err
	}
	return rec, nil
}

// SetPassword replaces a user's password (policy applied) and ends their sessions.
func (u *Users) SetPassword(ctx context.Context, id, password string) (state.User, error) {
	rec, err := u.Store.User(ctx, id)
	if err != nil {
		return rec, err
	}
	if err := CheckPassword(rec.Username, password); err != nil {
		return rec, err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return rec, err
	}
	now := u.now()
	rec.PasswordHash, rec.PasswordChangedAt, rec.UpdatedAt, rec.FailedLogins, rec.LockedUntil = hash, &now, now, 0, nil
	if err := u.Store.UpdateUser(ctx, rec); err != nil {
		return rec, err
	}
	return rec, u.Store.DeleteUserSessions(ctx, id)
}

// Unlock clears a user's failed sign-ins and lock.
func (u *Users) Unlock(ctx context.Context, id string) (state.User, error) {
	rec, err := u.Store.User(ctx, id)
	if err != nil {
		return rec, err
	}
	rec.FailedLogins, rec.LockedUntil, rec.UpdatedAt = 0, nil, u.now()
	return rec, u.Store.UpdateUser(ctx, rec)
}

// UserPatch is a change to a user; nil fields stay as they are.
type UserPatch struct {
	Role        *string `json:"role"`
	Disabled    *bool   `json:"disabled"`
	DisplayName *string `json:"displayName"`
	Email       *string `json:"email"`
}

// Update applies a patch. Disabling a user ends their sessions; the last enabled admin cannot be disabled or demoted.
func (u *Users) Update(ctx context.Context, id string, p UserPatch) (before, after state.User, err error) {
	rec, err := u.Store.User(ctx, id)
	if err != nil {
		return rec, rec, err
	}
	before = rec
	if p.Role != nil && *p.Role != rec.Role {
		if err := u.Roles.CheckRole(ctx, *p.Role); err != nil {
			return before, rec, fmt.Errorf("%w: %w", ErrBadUser, err)
		}
		rec.Role = *p.Role
	}
	if p.Disabled != nil {
		rec.Disabled = *p.Disabled
	}
	if p.DisplayName != nil {
		rec.DisplayName = *p.DisplayName
	}
	if p.Email != nil {
		rec.Email = *p.Email
	}
	if before.Role == "admin" && !before.Disabled && (rec.Role != "admin" || rec.Disabled) {
		if err := u.keepAnAdmin(ctx, id); err != nil {
			return before, rec, err
		}
	}
	rec.UpdatedAt = u.now()
	if err := u.Store.UpdateUser(ctx, rec); err != nil {
		return before, rec, err
	}
	if rec.Disabled && !before.Disabled {
		if err := u.Store.DeleteUserSessions(ctx, id); err != nil {
			return before, rec, err
		}
	}
	return before, rec, nil
}

// Delete removes a user with their sessions and tokens; the last enabled admin cannot be removed.
func (u *Users) Delete(ctx context.Context, id string) (state.User, error) {
	rec, err := u.Store.User(ctx, id)
	if err != nil {
		return rec, err
	}
	if rec.Role == "admin" && !rec.Disabled {
		if err := u.keepAnAdmin(ctx, id); err != nil {
			return rec, err
		}
	}
	return rec, u.Store.DeleteUser(ctx, id)
}

func (u *Users) keepAnAdmin(ctx context.Context, except string) error {
	all, err := u.Store.Users(ctx)
	if err != nil {
		return err
	}
	for _, o := range all {
		if o.ID != except && o.Role == "admin" && !o.Disabled {
			return nil
		}
	}
	return ErrLastAdmin
}

// Bootstrap creates the first admin when there are no users: with password if given (it must meet the policy),
// else with a generated one. It returns the password when it generated one, so the caller can show it once.
func (u *Users) Bootstrap(ctx context.Context, username, password string) (created bool, generated string, err error) {
	n, err := u.Store.CountUsers(ctx)
	if err != nil || n > 0 {
		return false, "", err
	}
	if username == "" {
		username = "admin"
	}
	if password == "" {
		var b [18]byte
		if _, err := rand.Read(b[:]); err != nil {
			return false, "", err
		}
		password = base64.RawURLEncoding.EncodeToString(b[:])
		generated = password
	}
	if _, err := u.Create(ctx, NewUser{Username: username, Password: password, Role: "admin", DisplayName: "Administrator"}); err != nil {
		return false, "", fmt.Errorf("first admin: %w", err)
	}
	return true, generated, nil
}

// External is a user verified by an identity provider.
type External struct {
	ExternalID string // issuer|subject
	Username   string
	Email      string
	Name       string
	Role       string
}

// ErrExternalConflict is returned when a provider's user would take the name of a local account.
var ErrExternalConflict = errors.New("a local account already has this user name")

// UpsertExternal finds the user of a provider identity, creating it on first sign-in ("just in time"), and keeps
// its role, e-mail and name as the provider says now. A disabled user is refused. It never takes over a local
// account with the same name.
func (u *Users) UpsertExternal(ctx context.Context, ext External) (rec state.User, created bool, err error) {
	if err := u.Roles.CheckRole(ctx, ext.Role); err != nil {
		return rec, false, err
	}
	now := u.now()
	rec, err = u.Store.UserByExternalID(ctx, ext.ExternalID)
	if errors.Is(err, state.ErrNotFound) {
		name := ext.Username
		if !ValidUsername(name) {
			return rec, false, fmt.Errorf("%w: user name %q from the identity provider", ErrBadUser, name)
		}
		rec = state.User{ID: newID("usr_"), Username: name, DisplayName: ext.Name, Email: ext.Email, Role: ext.Role,
			Source: "oidc", ExternalID: ext.ExternalID, CreatedAt: now, UpdatedAt: now, LastLogin: &now}
		if err := u.Store.CreateUser(ctx, rec); err != nil {
			if errors.Is(err, state.ErrConflict) {
				return rec, false, fmt.Errorf("%w: %q", ErrExternalConflict, name)
			}
			return rec, false, err
		}
		return rec, true, nil
	}
	if err != nil {
		return rec, false, err
	}
	if rec.Disabled {
		return rec, false, &LoginFailure{Reason: "disabled", User: rec, Err: ErrBadCredentials}
	}
	rec.Role, rec.Email, rec.DisplayName, rec.LastLogin, rec.UpdatedAt = ext.Role, ext.Email, ext.Name, &now, now
	return rec, false, u.Store.UpdateUser(ctx, rec)
}
