package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"time"

	"github.com/vigilsec/vigil/internal/api"
	"github.com/vigilsec/vigil/internal/audit"
	"github.com/vigilsec/vigil/internal/auth"
	"github.com/vigilsec/vigil/internal/config"
	"github.com/vigilsec/vigil/internal/secret"
	"github.com/vigilsec/vigil/internal/sso"
	"github.com/vigilsec/vigil/internal/state"
	"github.com/vigilsec/vigil/internal/x/clientip"
	"github.com/vigilsec/vigil/internal/x/ratelimit"
	"github.com/vigilsec/vigil/internal/x/selfsigned"
)

// SecretContextOIDC is the context the OIDC client secret is sealed under (`vigil secret seal --for oidc`).
const SecretContextOIDC = "config:auth.oidc.client_secret"

// newIdentity builds users, sessions, roles, the audit trail, single sign-on and the rate limits, and adds them to
// the API's dependencies.
func (a *App) newIdentity(d *api.Deps) error {
	cfg := a.Config
	box, created, err := secret.LoadOrCreate(cfg.Auth.SecretKey, cfg.DataDir)
	if err != nil {
		return fmt.Errorf("secret key: %w", err)
	}
	if created {
		a.Log.Info("generated the key that seals secrets at rest; back it up with the data directory, or set auth.secret_key",
			"file", filepath.Join(cfg.DataDir, "secret.key"))
	}
	a.Secrets = box
	a.Authz = &auth.Authorizer{Store: a.State}
	a.Tokens = &auth.Tokens{Store: a.State, Roles: a.Authz}
	a.Users = &auth.Users{Store: a.State, Roles: a.Authz, Box: box, MaxFailures: cfg.Auth.Lockout.MaxFailures,
		LockFor: time.Duration(cfg.Auth.Lockout.Duration)}
	a.Sessions = &auth.Sessions{Store: a.State, Idle: time.Duration(cfg.Auth.Session.Idle), Absolute: time.Duration(cfg.Auth.Session.Absolute)}
	a.Audit = audit.New(a.State, a.Receiver, a.Catalog, a.Log)
	ips, err := clientip.New(cfg.Auth.TrustedProxies)
	if err != nil {
		return err
	}
	if cfg.Auth.OIDC.Enabled() {
		oc := cfg.Auth.OIDC
		if strings.HasPrefix(oc.ClientSecret, "sealed:") {
			if oc.ClientSecret, err = box.OpenString(oc.ClientSecret, SecretContextOIDC); err != nil {
				return fmt.Errorf("auth.oidc.client_secret: %w (sealed with another key?)", err)
			}
		}
		for i, r := range oc.RoleMapping {
			if err := a.Authz.CheckRole(context.Background(), r.Role); err != nil {
				return fmt.Errorf("auth.oidc.role_mapping[%d]: %w", i, err)
			}
		}
		a.SSO = sso.New(oc, nil)
		d.OIDC = a.SSO
	}
	rate := func(r config.Rate) *ratelimit.Keyed { return ratelimit.New(r.PerSecond(), r.Burst) }
	d.Identity, d.Users, d.Sessions, d.Authz, d.Audit, d.ClientIP = a.State, a.Users, a.Sessions, a.Authz, a.Audit, ips
	d.Tokens = a.Tokens
	d.SecureCookies = cfg.TLSEnabled() || cfg.Auth.Session.CookieSecure
	d.Limits = api.Limits{PerIP: rate(cfg.Limits.APIPerIP), PerPrincipal: rate(cfg.Limits.APIPerPrincipal),
		SignInPerIP: rate(cfg.Limits.SignInPerIP), SignInPerUser: rate(cfg.Limits.SignInPerUser)}
	return nil
}

// BootstrapAdmin creates the first admin user when there are no users, with password (VIGIL_ADMIN_PASSWORD) or a
// generated one, which it returns so the caller can show it once. It is recorded in the audit trail, without the
// password.
func (a *App) BootstrapAdmin(ctx context.Context, password string) (created bool, generated string, err error) {
	created, generated, err = a.Users.Bootstrap(ctx, a.Config.Auth.AdminUser, password)
	if err != nil || !created {
		return created, "", err
	}
	u, err := a.State.UserByName(ctx, a.Config.Auth.AdminUser)
	if err != nil {
		return created, generated, err
	}
	after, _ := json.Marshal(u)
	_, err = a.Audit.Record(ctx, state.AuditEntry{ActorType: "system", Actor: "vigil", Action: "user.bootstrap",
		TargetType: "user", Target: u.ID, After: after})
	return created, generated, err
}

// sweepSessions removes ended sessions now and then.
func (a *App) sweepSessions(ctx context.Context) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			idle := time.Duration(a.Config.Auth.Session.Idle)
			if _, err := a.State.DeleteExpiredSessions(ctx, time.Now(), idle); err != nil {
				a.Log.Warn("removing ended sessions failed", "err", err)
			}
			a.Sessions.Forget(time.Now().Add(-idle))
		}
	}
}

// tlsFiles returns the certificate and key to serve HTTPS with ("" for plain HTTP): the configured files, or a
// self-signed pair kept under DATA/tls.
func (a *App) tlsFiles() (string, string, error) {
	if a.Config.TLS.CertFile != "" {
		return a.Config.TLS.CertFile, a.Config.TLS.KeyFile, nil
	}
	if !a.Config.TLS.SelfSigned {
		return "", "", nil
	}
	host, _, _ := net.SplitHostPort(a.Config.Listen)
	cert, key, created, err := selfsigned.Ensure(filepath.Join(a.Config.DataDir, "tls"), []string{host}, time.Now())
	if err != nil {
		return "", "", fmt.Errorf("tls: %w", err)
	}
	if created {
		a.Log.Info("generated a self-signed TLS certificate; replace it with one from your CA for production", "cert", cert)
	}
	return cert, key, nil
}
