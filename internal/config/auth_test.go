package config_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/config"
)

func TestAuthSettings(t *testing.T) {
	cfg, err := config.Load("testdata/auth.good.yaml", noEnv)
	require.NoError(t, err)
	require.NoError(t, cfg.Validate())
	require.True(t, cfg.TLSEnabled())
	require.Equal(t, "root", cfg.Auth.AdminUser)
	require.Equal(t, 15*time.Minute, time.Duration(cfg.Auth.Session.Idle))
	require.Equal(t, 3, cfg.Auth.Lockout.MaxFailures)
	require.Equal(t, "reader", cfg.Auth.OIDC.RoleMapping[1].Role)
	require.InDelta(t, 50, cfg.Limits.APIPerIP.PerSecond(), 1e-9)
	require.Zero(t, cfg.Limits.SignInPerIP.PerSecond(), "requests 0: no limit")
	require.InDelta(t, 5.0/60, cfg.Limits.SignInPerUser.PerSecond(), 1e-9, "defaults stay for keys not set")

	cfg, err = config.Load("testdata/auth.good.yaml", func(k string) string {
		return map[string]string{"VIGIL_SECRET_KEY": "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", "VIGIL_OIDC_CLIENT_SECRET": "plain"}[k]
	})
	require.NoError(t, err)
	require.NoError(t, cfg.Validate())
	require.Equal(t, "plain", cfg.Auth.OIDC.ClientSecret)

	cfg, err = config.Load("testdata/auth.bad.yaml", noEnv)
	require.NoError(t, err)
	err = cfg.Validate()
	for _, want := range []string{"auth.secret_key", "auth.session", "auth.lockout", `auth.trusted_proxies: "nowhere"`,
		"auth.oidc.client_id", "auth.oidc.redirect_url", "auth.oidc.role_mapping[0]", "limits.api_per_ip"} {
		require.ErrorContains(t, err, want)
	}
}
