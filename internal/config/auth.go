package config

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/vigilsec/vigil/internal/secret"
	"github.com/vigilsec/vigil/internal/sso"
)

// Auth configures users, sessions, single sign-on and secrets at rest.
type Auth struct {
	// AdminUser is the name of the first admin, created on the first start (default admin). Its password comes
	// from VIGIL_ADMIN_PASSWORD or is generated and printed once.
	AdminUser string `yaml:"admin_user"`
	// SecretKey seals secrets at rest (32 bytes, base64 or hex); empty: a key generated in the data directory.
	SecretKey string  `yaml:"secret_key"`
	Session   Session `yaml:"session"`
	Lockout   Lockout `yaml:"lockout"`
	// TrustedProxies are addresses or CIDRs of reverse proxies whose X-Forwarded-For is believed.
	TrustedProxies []string `yaml:"trusted_proxies"`
	// OIDC configures single sign-on (off while issuer is empty).
	OIDC sso.Config `yaml:"oidc"`
}

// Session limits browser sessions.
type Session struct {
	Idle     Duration `yaml:"idle"`     // a session unused this long ends
	Absolute Duration `yaml:"absolute"` // any session ends this long after sign-in
	// CookieSecure marks cookies Secure even when Vigil itself speaks plain HTTP: set it behind a reverse proxy that
	// terminates TLS. (Over Vigil's own TLS they are always Secure.)
	CookieSecure bool `yaml:"cookie_secure"`
}

// Lockout locks an account after repeated failed sign-ins.
type Lockout struct {
	MaxFailures int      `yaml:"max_failures"`
	Duration    Duration `yaml:"duration"`
}

// Rate is a request rate: Requests per Per, with bursts up to Burst (Requests 0: no limit).
type Rate struct {
	Requests int      `yaml:"requests"`
	Per      Duration `yaml:"per"`
	Burst    int      `yaml:"burst"`
}

// PerSecond returns the rate in requests per second (0: no limit).
func (r Rate) PerSecond() float64 {
	if r.Requests <= 0 || r.Per <= 0 {
		return 0
	}
	return float64(r.Requests) / time.Duration(r.Per).Seconds()
}

// Limits are the request rate limits; an exceeded limit is answered 429 with Retry-After.
type Limits struct {
	APIPerIP        Rate `yaml:"api_per_ip"`        // every request, by source address
	APIPerPrincipal Rate `yaml:"api_per_principal"` // every authenticated request, by token or user
	SignInPerIP     Rate `yaml:"signin_per_ip"`     // sign-in attempts (password and SSO), by source address
	SignInPerUser   Rate `yaml:"signin_per_user"`   // password sign-in attempts, by user name
}

func defaultAuth() Auth {
	return Auth{
		AdminUser: "admin",
		Session:   Session{Idle: Duration(30 * time.Minute), Absolute: Duration(12 * time.Hour)},
		Lockout:   Lockout{MaxFailures: 5, Duration: Duration(15 * time.Minute)},
	}
}

func defaultLimits() Limits {
	return Limits{
		APIPerIP:        Rate{Requests: 300, Per: Duration(time.Second), Burst: 600},
		APIPerPrincipal: Rate{Requests: 100, Per: Duration(time.Second), Burst: 200},
		SignInPerIP:     Rate{Requests: 10, Per: Duration(time.Minute), Burst: 10},
		SignInPerUser:   Rate{Requests: 5, Per: Duration(time.Minute), Burst: 5},
	}
}

func (a Auth) validate() []string {
	var errs []string
	if a.SecretKey != "" {
		if _, err := secret.ParseKey(a.SecretKey); err != nil {
			errs = append(errs, "auth.secret_key: "+err.Error())
		}
	}
	if a.Session.Idle <= 0 || a.Session.Absolute <= 0 {
		errs = append(errs, "auth.session: idle and absolute must be positive")
	}
	if a.Lockout.MaxFailures < 1 || a.Lockout.Duration <= 0 {
		errs = append(errs, "auth.lockout: max_failures must be at least 1 and duration positive")
	}
	for _, p := range a.TrustedProxies {
		_, perr := netip.ParsePrefix(strings.TrimSpace(p))
		_, aerr := netip.ParseAddr(strings.TrimSpace(p))
		if perr != nil && aerr != nil {
			errs = append(errs, fmt.Sprintf("auth.trusted_proxies: %q is not an address or CIDR", p))
		}
	}
	return append(errs, a.OIDC.Validate()...)
}

func (l Limits) validate() []string {
	var errs []string
	for name, r := range map[string]Rate{"api_per_ip": l.APIPerIP, "api_per_principal": l.APIPerPrincipal,
		"signin_per_ip": l.SignInPerIP, "signin_per_user": l.SignInPerUser} {
		if r.Requests < 0 || r.Burst < 0 || (r.Requests > 0 && r.Per <= 0) {
			errs = append(errs, fmt.Sprintf("limits.%s: requests and burst must not be negative, and per must be positive", name))
		}
	}
	return errs
}
