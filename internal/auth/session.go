package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/vigilsec/vigil/internal/state"
)

// Cookie and header names of browser sessions.
const (
	SessionCookie = "vigil_session"
	// CSRFCookie carries the session's anti-forgery token to the portal's script (it is not HttpOnly); the script
	// sends it back in the CSRFHeader of every state-changing request.
	CSRFCookie = "vigil_csrf"
	CSRFHeader = "X-CSRF-Token"
)

const sessionPrefix = "vss_"

// Errors of session checks.
var (
	ErrNoSession      = errors.New("auth: no session")
	ErrInvalidSession = errors.New("auth: invalid or expired session")
	ErrCSRF           = errors.New("auth: missing or wrong CSRF token")
)

// ParseSessionCookie checks the form of a session cookie value ("vss_" and 43 base64url characters) without
// looking it up. It never panics on any input.
func ParseSessionCookie(v string) (string, error) {
	if v == "" {
		return "", ErrNoSession
	}
	if !strings.HasPrefix(v, sessionPrefix) || len(v) != len(sessionPrefix)+43 {
		return "", ErrInvalidSession
	}
	if _, err := base64.RawURLEncoding.DecodeString(v[len(sessionPrefix):]); err != nil {
		return "", ErrInvalidSession
	}
	return v, nil
}

// ParseCSRFHeader checks the form of a CSRF header value (43 base64url characters). It never panics.
func ParseCSRFHeader(v string) (string, error) {
	v = strings.TrimSpace(v)
	if len(v) != 43 {
		return "", ErrCSRF
	}
	if _, err := base64.RawURLEncoding.DecodeString(v); err != nil {
		return "", ErrCSRF
	}
	return v, nil
}

// CheckCSRF compares the presented header value with the session's token in constant time.
func CheckCSRF(header, want string) error {
	got, err := ParseCSRFHeader(header)
	if err != nil {
		return err
	}
	if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return ErrCSRF
	}
	return nil
}

func random43() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// Sessions keeps browser sessions server-side: the cookie holds a random value whose SHA-256 hash is the lookup key,
// so a copy of the state database holds no usable session.
type Sessions struct {
	Store state.Identity
	Now   func() time.Time
	// Idle ends a session not used for this long; Absolute ends any session this long after sign-in.
	Idle, Absolute time.Duration

	touched sync.Map // session id → time of the last recorded use
}

func (s *Sessions) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC().Truncate(time.Microsecond)
	}
	return time.Now().UTC().Truncate(time.Microsecond)
}

func (s *Sessions) idle() time.Duration {
	if s.Idle > 0 {
		return s.Idle
	}
	return 30 * time.Minute
}

func (s *Sessions) absolute() time.Duration {
	if s.Absolute > 0 {
		return s.Absolute
	}
	return 12 * time.Hour
}

// Create starts a session for user and returns the cookie value (given to the browser only) and the record.
func (s *Sessions) Create(ctx context.Context, user state.User, sourceIP, userAgent, method string) (string, state.Session, error) {
	now := s.now()
	value := sessionPrefix + random43()
	if len(userAgent) > 256 {
		userAgent = userAgent[:256]
	}
	rec := state.Session{ID: newID("ses_"), UserID: user.ID, CSRF: random43(), CreatedAt: now, LastSeen: now,
		ExpiresAt: now.Add(s.absolute()), SourceIP: sourceIP, UserAgent: userAgent, Method: method}
	if err := s.Store.CreateSession(ctx, rec, Hash(value)); err != nil {
		return "", state.Session{}, err
	}
	return value, rec, nil
}

// Verify returns the live session of a cookie value, extending its idle timer.
func (s *Sessions) Verify(ctx context.Context, value string) (state.Session, error) {
	if _, err := ParseSessionCookie(value); err != nil {
		return state.Session{}, err
	}
	rec, err := s.Store.SessionByHash(ctx, Hash(value))
	if errors.Is(err, state.ErrNotFound) {
		return state.Session{}, ErrInvalidSession
	}
	if err != nil {
		return state.Session{}, err
	}
	now := s.now()
	last := rec.LastSeen
	if t, ok := s.touched.Load(rec.ID); ok && t.(time.Time).After(last) {
		last = t.(time.Time)
	}
	if !now.Before(rec.ExpiresAt) || now.Sub(last) >= s.idle() {
		_ = s.Store.DeleteSession(ctx, rec.ID)
		s.touched.Delete(rec.ID)
		return state.Session{}, ErrInvalidSession
	}
	// The idle timer is kept in memory and written at most every minute.
	s.touched.Store(rec.ID, now)
	if now.Sub(rec.LastSeen) >= time.Minute {
		if err := s.Store.TouchSession(ctx, rec.ID, now); err != nil {
			return state.Session{}, err
		}
	}
	return rec, nil
}

// Forget drops the in-memory use times of sessions not used since before (the store's sweep removes the sessions).
func (s *Sessions) Forget(before time.Time) {
	s.touched.Range(func(k, v any) bool {
		if v.(time.Time).Before(before) {
			s.touched.Delete(k)
		}
		return true
	})
}

// End deletes a session.
func (s *Sessions) End(ctx context.Context, id string) error {
	s.touched.Delete(id)
	err := s.Store.DeleteSession(ctx, id)
	if errors.Is(err, state.ErrNotFound) {
		return nil
	}
	return err
}
