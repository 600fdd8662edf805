package auth_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/auth"
	"github.com/vigilsec/vigil/internal/secret"
	"github.com/vigilsec/vigil/internal/state"
	"github.com/vigilsec/vigil/internal/state/sqlite"
)

func openStore(t testing.TB) *sqlite.DB {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "state.db"))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	return st
}

func TestPasswordHash(t *testing.T) {
	h, err := auth.HashPassword("correct horse battery")
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$"), h)
	require.True(t, auth.VerifyPassword(h, "correct horse battery"))
	require.False(t, auth.VerifyPassword(h, "correct horse batterz"))
	h2, err := auth.HashPassword("correct horse battery")
	require.NoError(t, err)
	require.NotEqual(t, h, h2, "a fresh salt each time")
	for _, bad := range []string{"", "$argon2id$", "$bcrypt$v=19$m=19456,t=2,p=1$AAAA$AAAA", strings.Replace(h, "t=2", "t=99", 1),
		strings.Replace(h, "m=19456", "m=99999999", 1)} {
		require.False(t, auth.VerifyPassword(bad, "correct horse battery"), bad)
	}
}

func TestPasswordPolicy(t *testing.T) {
	for pw, want := range map[string]string{
		"short":                   "at least 12 characters",
		"alice-the-great-1":       "user name",
		"password1234":            "commonly used",
		"Password1234":            "commonly used",
		"aaaaaaaaaaaaaaa":         "single repeated",
		strings.Repeat("x1", 200): "at most 256 bytes",
	} {
		err := auth.CheckPassword("alice", pw)
		require.ErrorIs(t, err, auth.ErrWeakPassword, pw)
		require.ErrorContains(t, err, want, pw)
	}
	require.NoError(t, auth.CheckPassword("alice", "tulip-orbit-canvas-42"))
	require.NoError(t, auth.CheckPassword("bo", "bob-is-fine-here"), "a short user name may appear inside")
	require.Error(t, auth.CheckPassword("bo", "bo"))
}

func newUsers(t *testing.T, now *time.Time) (*auth.Users, *sqlite.DB) {
	st := openStore(t)
	box, _, err := secret.LoadOrCreate("", t.TempDir())
	require.NoError(t, err)
	return &auth.Users{Store: st, Roles: &auth.Authorizer{Store: st}, Box: box, Now: func() time.Time { return *now },
		MaxFailures: 3, LockFor: 10 * time.Minute}, st
}

func TestSignInAndLockout(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	users, st := newUsers(t, &now)
	_, err := users.Create(ctx, auth.NewUser{Username: "alice", Password: "short", Role: "analyst"})
	require.ErrorIs(t, err, auth.ErrWeakPassword)
	_, err = users.Create(ctx, auth.NewUser{Username: "alice", Password: "tulip-orbit-canvas-42", Role: "overlord"})
	require.ErrorIs(t, err, auth.ErrUnknownRole)
	_, err = users.Create(ctx, auth.NewUser{Username: "bad name", Password: "tulip-orbit-canvas-42", Role: "analyst"})
	require.ErrorIs(t, err, auth.ErrBadUser)
	u, err := users.Create(ctx, auth.NewUser{Username: "alice", Password: "tulip-orbit-canvas-42", Role: "analyst"})
	require.NoError(t, err)
	_, err = users.Create(ctx, auth.NewUser{Username: "ALICE", Password: "tulip-orbit-canvas-42", Role: "analyst"})
	require.ErrorIs(t, err, state.ErrConflict, "user names compare without case")

	got, err := users.Authenticate(ctx, "Alice", "tulip-orbit-canvas-42", "")
	require.NoError(t, err)
	require.Equal(t, u.ID, got.ID)
	require.NotNil(t, got.LastLogin)

	var lf *auth.LoginFailure
	_, err = users.Authenticate(ctx, "nobody", "tulip-orbit-canvas-42", "")
	require.ErrorAs(t, err, &lf)
	require.Equal(t, "unknown_user", lf.Reason)
	require.ErrorIs(t, err, auth.ErrBadCredentials)

	for i := 0; i < 3; i++ {
		_, err = users.Authenticate(ctx, "alice", "wrong-password-123", "")
		require.ErrorAs(t, err, &lf)
	}
	require.Equal(t, "bad_password,locked_now", lf.Reason, "the third failure locks")
	_, err = users.Authenticate(ctx, "alice", "tulip-orbit-canvas-42", "")
	require.ErrorAs(t, err, &lf)
	require.Equal(t, "locked", lf.Reason, "locked: even the right password is refused")
	require.ErrorIs(t, err, auth.ErrBadCredentials, "with the same answer as a wrong password")

	now = now.Add(11 * time.Minute)
	_, err = users.Authenticate(ctx, "alice", "tulip-orbit-canvas-42", "")
	require.NoError(t, err, "the lock ends")

	_, _, err = users.Update(ctx, u.ID, auth.UserPatch{Disabled: ptr(true)})
	require.NoError(t, err)
	_, err = users.Authenticate(ctx, "alice", "tulip-orbit-canvas-42", "")
	require.ErrorAs(t, err, &lf)
	require.Equal(t, "disabled", lf.Reason)

	// The last enabled admin stays.
	created, generated, err := users.Bootstrap(ctx, "root", "")
	require.NoError(t, err)
	require.False(t, created, "there are users already")
	require.Empty(t, generated)
	adm, err := users.Create(ctx, auth.NewUser{Username: "root", Password: "tulip-orbit-canvas-43", Role: "admin"})
	require.NoError(t, err)
	_, _, err = users.Update(ctx, adm.ID, auth.UserPatch{Role: ptr("reader")})
	require.ErrorIs(t, err, auth.ErrLastAdmin)
	_, err = users.Delete(ctx, adm.ID)
	require.ErrorIs(t, err, auth.ErrLastAdmin)
	n, err := st.CountUsers(ctx)
	require.NoError(t, err)
	require.Equal(t, 2, n)
}

func TestBootstrap(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	users, _ := newUsers(t, &now)
	_, _, err := users.Bootstrap(ctx, "admin", "weak")
	require.ErrorIs(t, err, auth.ErrWeakPassword, "a given password must meet the policy")
	created, generated, err := users.Bootstrap(ctx, "admin", "")
	require.NoError(t, err)
	require.True(t, created)
	require.Len(t, generated, 24)
	u, err := users.Authenticate(ctx, "admin", generated, "")
	require.NoError(t, err)
	require.Equal(t, "admin", u.Role)
	created, _, err = users.Bootstrap(ctx, "admin", "")
	require.NoError(t, err)
	require.False(t, created, "only on the first start")
}

func TestTOTP(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	users, st := newUsers(t, &now)
	u, err := users.Create(ctx, auth.NewUser{Username: "bob", Password: "tulip-orbit-canvas-42", Role: "reader"})
	require.NoError(t, err)
	_, err = users.ConfirmTOTP(ctx, u.ID, "123456")
	require.ErrorIs(t, err, auth.ErrTOTPNotEnrolled)
	e, err := users.EnrolTOTP(ctx, u.ID)
	require.NoError(t, err)
	require.Contains(t, e.URL, "otpauth://totp/Vigil:bob")
	stored, err := st.User(ctx, u.ID)
	require.NoError(t, err)
	require.NotContains(t, string(stored.TOTPSecret), e.Secret, "the secret is sealed at rest")

	code := func(at time.Time) string {
		c, err := totp.GenerateCodeCustom(e.Secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		require.NoError(t, err)
		return c
	}
	_, err = users.ConfirmTOTP(ctx, u.ID, "000000")
	if code(now) != "000000" {
		require.ErrorIs(t, err, auth.ErrTOTPBadCode)
	}
	recovery, err := users.ConfirmTOTP(ctx, u.ID, code(now))
	require.NoError(t, err)
	require.Len(t, recovery, 10)

	_, err = users.Authenticate(ctx, "bob", "tulip-orbit-canvas-42", "")
	require.ErrorIs(t, err, auth.ErrTOTPRequired)
	_, err = users.Authenticate(ctx, "bob", "tulip-orbit-canvas-42", code(now))
	require.Error(t, err, "the code that confirmed enrolment cannot be used again")
	now = now.Add(30 * time.Second)
	_, err = users.Authenticate(ctx, "bob", "tulip-orbit-canvas-42", code(now))
	require.NoError(t, err)
	_, err = users.Authenticate(ctx, "bob", "tulip-orbit-canvas-42", code(now))
	require.Error(t, err, "nor any code twice")
	now = now.Add(30 * time.Second)
	_, err = users.Authenticate(ctx, "bob", "tulip-orbit-canvas-42", code(now.Add(-30*time.Second)))
	require.Error(t, err, "an older step than one already used")

	_, err = users.Authenticate(ctx, "bob", "tulip-orbit-canvas-42", strings.ToUpper(recovery[3]))
	require.NoError(t, err, "a recovery code")
	_, err = users.Authenticate(ctx, "bob", "tulip-orbit-canvas-42", recovery[3])
	require.ErrorIs(t, err, auth.ErrBadCredentials, "is single-use")

	require.NoError(t, users.DisableTOTP(ctx, u.ID))
	_, err = users.Authenticate(ctx, "bob", "tulip-orbit-canvas-42", "")
	require.NoError(t, err)
}

func TestSessions(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	users, st := newUsers(t, &now)
	u, err := users.Create(ctx, auth.NewUser{Username: "carol", Password: "tulip-orbit-canvas-42", Role: "reader"})
	require.NoError(t, err)
	ss := &auth.Sessions{Store: st, Now: func() time.Time { return now }, Idle: 30 * time.Minute, Absolute: 2 * time.Hour}
	value, rec, err := ss.Create(ctx, u, "192.0.2.1", "test", "password")
	require.NoError(t, err)
	_, err = auth.ParseSessionCookie(value)
	require.NoError(t, err)
	require.NoError(t, auth.CheckCSRF(rec.CSRF, rec.CSRF))
	require.ErrorIs(t, auth.CheckCSRF("", rec.CSRF), auth.ErrCSRF)
	require.ErrorIs(t, auth.CheckCSRF(strings.Repeat("A", 43), rec.CSRF), auth.ErrCSRF)

	got, err := ss.Verify(ctx, value)
	require.NoError(t, err)
	require.Equal(t, rec.ID, got.ID)
	// Used every 20 minutes it lives until its absolute end.
	for i := 0; i < 5; i++ {
		now = now.Add(20 * time.Minute)
		_, err = ss.Verify(ctx, value)
		require.NoError(t, err, "use %d", i)
	}
	now = now.Add(20 * time.Minute) // 2h after sign-in
	_, err = ss.Verify(ctx, value)
	require.ErrorIs(t, err, auth.ErrInvalidSession, "absolute expiry")

	value, _, err = ss.Create(ctx, u, "", "", "password")
	require.NoError(t, err)
	now = now.Add(31 * time.Minute)
	_, err = ss.Verify(ctx, value)
	require.ErrorIs(t, err, auth.ErrInvalidSession, "idle expiry")

	value, rec, err = ss.Create(ctx, u, "", "", "password")
	require.NoError(t, err)
	require.NoError(t, ss.End(ctx, rec.ID))
	_, err = ss.Verify(ctx, value)
	require.ErrorIs(t, err, auth.ErrInvalidSession, "ended")
	_, err = ss.Verify(ctx, "vss_"+strings.Repeat("A", 43))
	require.ErrorIs(t, err, auth.ErrInvalidSession)
}

func TestPrincipals(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	users, st := newUsers(t, &now)
	az := &auth.Authorizer{Store: st}
	require.NoError(t, st.CreateRole(ctx, state.Role{Name: "triage", Permissions: []string{"data:read", "incidents:manage"},
		TableGroups: []string{"defender"}, CreatedAt: now, UpdatedAt: now}))
	u, err := users.Create(ctx, auth.NewUser{Username: "dave", Password: "tulip-orbit-canvas-42", Role: "triage"})
	require.NoError(t, err)
	tk := &auth.Tokens{Store: st, Roles: az}

	_, _, err = tk.CreateSpec(ctx, auth.TokenSpec{UserID: u.ID, Scopes: []string{"data:read", "fly"}})
	require.ErrorIs(t, err, auth.ErrBadScope)
	_, secret, err := tk.CreateSpec(ctx, auth.TokenSpec{Name: "ro", UserID: u.ID, Scopes: []string{"data:read", "hunt"}})
	require.NoError(t, err)
	rec, err := tk.Verify(ctx, secret)
	require.NoError(t, err)
	p, err := az.ForToken(ctx, rec)
	require.NoError(t, err)
	require.Equal(t, "user", p.Kind)
	require.Equal(t, u.ID, p.UserID())
	require.Equal(t, []auth.Permission{auth.PermReadData}, p.Permissions, "scopes within the user's role: hunt is not in triage")
	require.Equal(t, []string{"defender"}, p.TableGroups)
	require.True(t, p.Can(auth.PermAuthenticated))
	require.False(t, p.Can(auth.PermManageIncidents), "narrowed by the scopes")

	// The user's role changes: the token follows. The user is disabled: the token stops.
	_, _, err = users.Update(ctx, u.ID, auth.UserPatch{Role: ptr("reader")})
	require.NoError(t, err)
	p, err = az.ForToken(ctx, rec)
	require.NoError(t, err)
	require.Equal(t, []auth.Permission{auth.PermReadData, auth.PermHunt}, p.Permissions)
	_, _, err = users.Update(ctx, u.ID, auth.UserPatch{Disabled: ptr(true)})
	require.NoError(t, err)
	_, err = az.ForToken(ctx, rec)
	require.ErrorIs(t, err, auth.ErrInvalidToken)

	// A service token with a custom role.
	_, secret, err = tk.Create(ctx, "svc", "triage", 0)
	require.NoError(t, err)
	rec, err = tk.Verify(ctx, secret)
	require.NoError(t, err)
	p, err = az.ForToken(ctx, rec)
	require.NoError(t, err)
	require.Equal(t, "token", p.Kind)
	require.ElementsMatch(t, []auth.Permission{auth.PermReadData, auth.PermManageIncidents}, p.Permissions)
	require.ErrorIs(t, st.DeleteRole(ctx, "triage"), state.ErrConflict, "a role in use stays")
}

func ptr[T any](v T) *T { return &v }

func FuzzParseSessionCookie(f *testing.F) {
	f.Add("vss_" + strings.Repeat("A", 43))
	f.Add("vss_" + strings.Repeat("-", 43))
	f.Add("vss_")
	f.Add("")
	f.Add("vgl_" + strings.Repeat("A", 43))
	f.Fuzz(func(t *testing.T, v string) {
		got, err := auth.ParseSessionCookie(v)
		if err == nil {
			require.Equal(t, v, got)
			require.True(t, strings.HasPrefix(got, "vss_"))
			require.Len(t, got, 47)
		}
	})
}

func FuzzParseCSRFHeader(f *testing.F) {
	f.Add(strings.Repeat("A", 43))
	f.Add(" " + strings.Repeat("_", 43) + " ")
	f.Add("")
	f.Add(strings.Repeat("=", 43))
	f.Fuzz(func(t *testing.T, v string) {
		got, err := auth.ParseCSRFHeader(v)
		if err == nil {
			require.Len(t, got, 43)
			require.NoError(t, auth.CheckCSRF(v, got), "a well-formed value matches itself")
		}
	})
}

func FuzzParseToken(f *testing.F) {
	f.Add("vgl_" + strings.Repeat("A", 43))
	f.Add("vgl_" + strings.Repeat("*", 43))
	f.Add("vgl_")
	f.Fuzz(func(t *testing.T, v string) {
		got, err := auth.ParseToken(v)
		if err == nil {
			require.Equal(t, v, got)
			require.Len(t, got, 47)
		}
	})
}
