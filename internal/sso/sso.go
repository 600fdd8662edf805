// Package sso signs users in through an OpenID Connect provider: the authorization code flow with PKCE (S256), a
// nonce and a single-use state, the ID token verified by go-oidc (signature against the provider's published keys,
// issuer, audience, expiry), and the user's groups or other claims mapped to a Vigil role.
package sso

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// Config configures single sign-on.
type Config struct {
	// Issuer is the provider's issuer URL (its discovery document is Issuer + /.well-known/openid-configuration).
	Issuer       string `yaml:"issuer"`
	ClientID     string `yaml:"client_id"`
	ClientSecret string `yaml:"client_secret"` // plain, or sealed with `vigil secret seal` ("sealed:v1:...")
	// RedirectURL is Vigil's callback as the provider knows it: https://HOST/api/v1/auth/oidc/callback.
	RedirectURL string `yaml:"redirect_url"`
	// Scopes requested besides openid (default profile, email, groups).
	Scopes []string `yaml:"scopes"`
	// UsernameClaim names the user (default preferred_username, then email, then sub).
	UsernameClaim string `yaml:"username_claim"`
	// GroupsClaim holds the user's groups (default groups).
	GroupsClaim string `yaml:"groups_claim"`
	// RoleMapping maps claim values to roles; the first rule that matches wins.
	RoleMapping []RoleRule `yaml:"role_mapping"`
	// DefaultRole is given when no rule matches; empty refuses such users.
	DefaultRole string `yaml:"default_role"`
}

// RoleRule gives Role to users whose Claim (default: the groups claim) equals or contains Value.
type RoleRule struct {
	Claim string `yaml:"claim"`
	Value string `yaml:"value"`
	Role  string `yaml:"role"`
}

// Enabled reports whether single sign-on is configured.
func (c Config) Enabled() bool { return c.Issuer != "" }

// Validate reports what is missing.
func (c Config) Validate() []string {
	if !c.Enabled() {
		return nil
	}
	var errs []string
	if c.ClientID == "" {
		errs = append(errs, "auth.oidc.client_id: must be set")
	}
	if c.RedirectURL == "" {
		errs = append(errs, "auth.oidc.redirect_url: must be set")
	}
	for i, r := range c.RoleMapping {
		if r.Value == "" || r.Role == "" {
			errs = append(errs, fmt.Sprintf("auth.oidc.role_mapping[%d]: value and role must be set", i))
		}
	}
	return errs
}

// Errors of a sign-in.
var (
	ErrState    = errors.New("sso: unknown or expired sign-in state")
	ErrNoRole   = errors.New("sso: no role for this user (no role mapping matches and there is no default role)")
	ErrProvider = errors.New("sso: the identity provider refused the sign-in")
)

// Identity is a verified user of the provider.
type Identity struct {
	Issuer   string
	Subject  string
	Username string
	Email    string
	Name     string
	Groups   []string
	Role     string
}

// ExternalID is the stable key of the identity: issuer and subject.
func (i Identity) ExternalID() string { return i.Issuer + "|" + i.Subject }

type pending struct {
	nonce, verifier string
	created         time.Time
}

// Provider runs sign-ins against one OpenID provider. It is safe for concurrent use.
type Provider struct {
	cfg    Config
	client *http.Client
	now    func() time.Time

	initMu   sync.Mutex
	provider *oidc.Provider
	verifier *oidc.IDTokenVerifier
	oauth    oauth2.Config

	mu      sync.Mutex
	pending map[string]pending
}

// pendingTTL bounds how long a started sign-in may take; maxPending bounds the memory they hold.
const (
	pendingTTL = 10 * time.Minute
	maxPending = 10_000
)

// New returns a Provider. The discovery document is fetched at the first sign-in (and again after a failure), so
// the server starts while the provider is down. client may be nil (http.DefaultClient).
func New(cfg Config, client *http.Client) *Provider {
	if client == nil {
		client = http.DefaultClient
	}
	if cfg.GroupsClaim == "" {
		cfg.GroupsClaim = "groups"
	}
	if cfg.Scopes == nil {
		cfg.Scopes = []string{"profile", "email", "groups"}
	}
	return &Provider{cfg: cfg, client: client, now: time.Now, pending: map[string]pending{}}
}

func (p *Provider) ctx(ctx context.Context) context.Context { return oidc.ClientContext(ctx, p.client) }

func (p *Provider) init(ctx context.Context) error {
	p.initMu.Lock()
	defer p.initMu.Unlock()
	if p.provider != nil {
		return nil
	}
	prov, err := oidc.NewProvider(p.ctx(ctx), p.cfg.Issuer)
	if err != nil {
		return fmt.Errorf("sso: discovery at %s: %w", p.cfg.Issuer, err)
	}
	p.provider = prov
	p.verifier = prov.Verifier(&oidc.Config{ClientID: p.cfg.ClientID, Now: p.now})
	p.oauth = oauth2.Config{ClientID: p.cfg.ClientID, ClientSecret: p.cfg.ClientSecret, Endpoint: prov.Endpoint(),
		RedirectURL: p.cfg.RedirectURL, Scopes: append([]string{oidc.ScopeOpenID}, p.cfg.Scopes...)}
	return nil
}

func random() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// Begin starts a sign-in: it returns the provider's authorization URL to send the browser to and the state the
// browser must bring back (kept in a cookie by the caller, to bind the sign-in to the browser that started it).
func (p *Provider) Begin(ctx context.Context) (authURL, state string, err error) {
	if err := p.init(ctx); err != nil {
		return "", "", err
	}
	state, nonce, verifier := random(), random(), oauth2.GenerateVerifier()
	now := p.now()
	p.mu.Lock()
	if len(p.pending) >= maxPending {
		for k, v := range p.pending {
			if now.Sub(v.created) > pendingTTL {
				delete(p.pending, k)
			}
		}
		if len(p.pending) >= maxPending {
			p.mu.Unlock()
			return "", "", fmt.Errorf("sso: too many sign-ins in progress")
		}
	}
	p.pending[state] = pending{nonce: nonce, verifier: verifier, created: now}
	p.mu.Unlock()
	return p.oauth.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), state, nil
}

// Finish completes a sign-in: it spends the state, exchanges the code (with the PKCE verifier), verifies the ID
// token and its nonce, reads the user's claims (from the ID token, completed from the userinfo endpoint) and maps
// them to a role.
func (p *Provider) Finish(ctx context.Context, state, code string) (Identity, error) {
	p.mu.Lock()
	pend, ok := p.pending[state]
	delete(p.pending, state)
	p.mu.Unlock()
	if !ok || p.now().Sub(pend.created) > pendingTTL {
		return Identity{}, ErrState
	}
	if err := p.init(ctx); err != nil {
		return Identity{}, err
	}
	ctx = p.ctx(ctx)
	tok, err := p.oauth.Exchange(ctx, code, oauth2.VerifierOption(pend.verifier))
	if err != nil {
		return Identity{}, fmt.Errorf("%w: code exchange: %v", ErrProvider, err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return Identity{}, fmt.Errorf("%w: no id_token in the token response", ErrProvider)
	}
	idt, err := p.verifier.Verify(ctx, raw)
	if err != nil {
		return Identity{}, fmt.Errorf("sso: id token refused: %w", err)
	}
	if idt.Nonce != pend.nonce {
		return Identity{}, errors.New("sso: id token refused: nonce does not match")
	}
	claims := map[string]any{}
	if err := idt.Claims(&claims); err != nil {
		return Identity{}, fmt.Errorf("sso: id token claims: %w", err)
	}
	if p.provider.UserInfoEndpoint() != "" {
		if ui, err := p.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok)); err == nil && ui.Subject == idt.Subject {
			extra := map[string]any{}
			if err := ui.Claims(&extra); err == nil {
				for k, v := range extra {
					if _, have := claims[k]; !have {
						claims[k] = v
					}
				}
			}
		}
	}
	return p.identity(idt.Issuer, idt.Subject, claims)
}

func str(claims map[string]any, name string) string {
	s, _ := claims[name].(string)
	return s
}

// values returns a claim as a list of strings (a string, or an array of strings).
func values(claims map[string]any, name string) []string {
	switch v := claims[name].(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func (p *Provider) identity(issuer, subject string, claims map[string]any) (Identity, error) {
	id := Identity{Issuer: issuer, Subject: subject, Email: str(claims, "email"), Name: str(claims, "name"),
		Groups: values(claims, p.cfg.GroupsClaim)}
	for _, c := range []string{p.cfg.UsernameClaim, "preferred_username", "email"} {
		if c != "" && str(claims, c) != "" {
			id.Username = str(claims, c)
			break
		}
	}
	if id.Username == "" {
		id.Username = subject
	}
	for _, r := range p.cfg.RoleMapping {
		claim := r.Claim
		if claim == "" {
			claim = p.cfg.GroupsClaim
		}
		for _, v := range values(claims, claim) {
			if strings.EqualFold(v, r.Value) {
				id.Role = r.Role
				return id, nil
			}
		}
	}
	if p.cfg.DefaultRole == "" {
		return id, ErrNoRole
	}
	id.Role = p.cfg.DefaultRole
	return id, nil
}
