// Package auth issues and checks API tokens and decides what each role may do.
//
// A token is "vgl_" followed by 43 characters of base64url (32 random bytes). Only its SHA-256 hash is stored, so a
// stolen state database yields no usable token; the secret is shown once, when it is created.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/vigilsec/vigil/internal/state"
)

// Errors of token checks.
var (
	ErrNoToken      = errors.New("auth: no bearer token")
	ErrInvalidToken = errors.New("auth: invalid token")
	ErrForbidden    = errors.New("auth: forbidden")
	ErrUnknownRole  = errors.New("unknown role")
)

// Permission is a right a role may hold.
type Permission string

// The permissions.
const (
	PermIngest           Permission = "ingest"            // send events
	PermReadData         Permission = "data:read"         // read schema, statistics, alerts, incidents, rules
	PermManageTokens     Permission = "tokens:manage"     // create, list and revoke API tokens of anyone
	PermReadMetrics      Permission = "metrics:read"      // scrape /metrics
	PermHunt             Permission = "hunt"              // run KQL queries over events
	PermManageRules      Permission = "rules:manage"      // create, edit, enable, disable and import detection rules
	PermManageIncidents  Permission = "incidents:manage"  // triage alerts and incidents: assign, comment, merge, close
	PermRunResponse      Permission = "response:run"      // run response actions (contain a device, disable a user)
	PermApproveResponse  Permission = "response:approve"  // approve another person's response action
	PermManageAutomation Permission = "automation:manage" // edit automation rules and playbooks
	PermManageUsers      Permission = "users:manage"      // manage users, roles and their tokens
	PermManageSettings   Permission = "settings:manage"   // change settings and connectors
)

// Roles maps each built-in role to its permissions. It is the single table every route check reads.
var Roles = map[string][]Permission{
	"admin": {PermIngest, PermReadData, PermManageTokens, PermReadMetrics, PermHunt, PermManageRules,
		PermManageIncidents, PermRunResponse, PermApproveResponse, PermManageAutomation, PermManageUsers,
		PermManageSettings},
	"detection_engineer": {PermReadData, PermReadMetrics, PermHunt, PermManageRules},
	"analyst":            {PermReadData, PermReadMetrics, PermHunt, PermManageIncidents},
	"responder":          {PermReadData, PermReadMetrics, PermHunt, PermManageIncidents, PermRunResponse, PermApproveResponse},
	"reader":             {PermReadData, PermHunt},
	"ingest":             {PermIngest},
}

// ValidRole reports whether role is a built-in role.
func ValidRole(role string) bool { _, ok := Roles[role]; return ok }

// RoleNames returns the built-in roles in a stable order.
func RoleNames() []string {
	return []string{"admin", "detection_engineer", "analyst", "responder", "reader", "ingest"}
}

// Allowed reports whether built-in role holds permission p (every role holds PermAuthenticated).
func Allowed(role string, p Permission) bool {
	if p == PermAuthenticated {
		return ValidRole(role)
	}
	for _, q := range Roles[role] {
		if q == p {
			return true
		}
	}
	return false
}

const prefix = "vgl_"

// Hash returns the stored hash of a token secret.
func Hash(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// ParseToken checks the form of a presented token without looking it up. It never panics on any input.
func ParseToken(s string) (string, error) {
	if !strings.HasPrefix(s, prefix) || len(s) != len(prefix)+43 {
		return "", ErrInvalidToken
	}
	if _, err := base64.RawURLEncoding.DecodeString(s[len(prefix):]); err != nil {
		return "", ErrInvalidToken
	}
	return s, nil
}

// BearerToken extracts the token from an Authorization header value ("Bearer <token>").
func BearerToken(header string) (string, error) {
	if header == "" {
		return "", ErrNoToken
	}
	scheme, rest, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", ErrInvalidToken
	}
	return ParseToken(strings.TrimSpace(rest))
}

// Tokens creates and verifies tokens against the state store.
type Tokens struct {
	Store state.Store
	Now   func() time.Time
	// Roles validates custom roles of service tokens (nil: built-in roles only).
	Roles *Authorizer

	touched sync.Map // token id → time.Time of the last recorded use
}

// touchEvery is how often a token's last use is written to the state store (at most).
const touchEvery = time.Minute

func (t *Tokens) now() time.Time {
	if t.Now != nil {
		return t.Now()
	}
	return time.Now()
}

// TokenSpec describes a token to create.
type TokenSpec struct {
	Name string
	// Role of a service token; ignored for a user's token, which acts with its user's role.
	Role string
	// UserID makes the token a user's token.
	UserID string
	// Scopes, when not empty, narrow the token to these permissions.
	Scopes []string
	// TTL is the lifetime (0: no expiry).
	TTL time.Duration
}

// Create makes a new service token for role and returns its record and its secret (shown once).
func (t *Tokens) Create(ctx context.Context, name, role string, ttl time.Duration) (state.Token, string, error) {
	return t.CreateSpec(ctx, TokenSpec{Name: name, Role: role, TTL: ttl})
}

// CreateSpec makes a new token and returns its record and its secret (shown once).
func (t *Tokens) CreateSpec(ctx context.Context, spec TokenSpec) (state.Token, string, error) {
	name, role, ttl := spec.Name, spec.Role, spec.TTL
	if spec.UserID == "" && !ValidRole(role) {
		if t.Roles == nil {
			return state.Token{}, "", fmt.Errorf("%w %q (one of %s)", ErrUnknownRole, role, strings.Join(RoleNames(), ", "))
		}
		if err := t.Roles.CheckRole(ctx, role); err != nil {
			return state.Token{}, "", err
		}
	}
	if err := CheckScopes(spec.Scopes); err != nil {
		return state.Token{}, "", err
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return state.Token{}, "", err
	}
	secret := prefix + base64.RawURLEncoding.EncodeToString(raw[:])
	var idb [9]byte
	_, _ = rand.Read(idb[:])
	rec := state.Token{ID: "tok_" + base64.RawURLEncoding.EncodeToString(idb[:]), Name: name, Role: role, UserID: spec.UserID,
		Scopes: spec.Scopes, CreatedAt: t.now().UTC().Truncate(time.Microsecond)}
	if name == "" {
		rec.Name = role
	}
	if ttl > 0 {
		exp := rec.CreatedAt.Add(ttl)
		rec.ExpiresAt = &exp
	}
	if err := t.Store.CreateToken(ctx, rec, Hash(secret)); err != nil {
		return state.Token{}, "", err
	}
	return rec, secret, nil
}

// Verify returns the live token record for a presented secret.
func (t *Tokens) Verify(ctx context.Context, secret string) (state.Token, error) {
	if _, err := ParseToken(secret); err != nil {
		return state.Token{}, err
	}
	rec, err := t.Store.TokenByHash(ctx, Hash(secret))
	if errors.Is(err, state.ErrNotFound) {
		return state.Token{}, ErrInvalidToken
	}
	if err != nil {
		return state.Token{}, err
	}
	now := t.now()
	if rec.Revoked || (rec.ExpiresAt != nil && now.After(*rec.ExpiresAt)) {
		return state.Token{}, ErrInvalidToken
	}
	// Record the use, at most once a minute per token, so a busy shipper does not write on every request.
	if last, ok := t.touched.Load(rec.ID); !ok || now.Sub(last.(time.Time)) >= touchEvery {
		t.touched.Store(rec.ID, now)
		if err := t.Store.TouchToken(ctx, rec.ID, now); err != nil {
			return state.Token{}, err
		}
	}
	return rec, nil
}
