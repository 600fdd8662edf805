package config_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/config"
	"github.com/vigilsec/vigil/internal/kql/external"
)

func TestExternalDataPolicy(t *testing.T) {
	load := func(t *testing.T, yaml string) config.Config {
		t.Helper()
		path := ""
		if yaml != "" {
			path = filepath.Join(t.TempDir(), "vigil.yaml")
			require.NoError(t, os.WriteFile(path, []byte(yaml), 0o600))
		}
		cfg, err := config.Load(path, noEnv)
		require.NoError(t, err)
		require.NoError(t, cfg.Validate())
		return cfg
	}
	t.Run("default allows Microsoft's public security content", func(t *testing.T) {
		cfg := load(t, "")
		require.Equal(t, external.DefaultPrefixes, cfg.KQL.ExternalData.AllowedPrefixes)
		require.NoError(t, external.Configure(cfg.KQL.ExternalData))
		t.Cleanup(func() { _ = external.Configure(external.Policy{}) })
		require.NoError(t, external.Allowed("https://raw.githubusercontent.com/Azure/Azure-Sentinel/master/Sample%20Data/Feeds/x.csv"))
		require.ErrorIs(t, external.Allowed("https://raw.githubusercontent.com/someone/else/main/x.csv"), external.ErrNotAllowed)
		require.ErrorIs(t, external.Allowed("http://download.microsoft.com/download/x.json"), external.ErrNotAllowed)
		// Changing the configured list does not change the package default.
		cfg.KQL.ExternalData.AllowedPrefixes[0] = "https://example.com/"
		require.Equal(t, "https://raw.githubusercontent.com/Azure/Azure-Sentinel/", external.DefaultPrefixes[0])
	})
	t.Run("an empty list turns it off", func(t *testing.T) {
		cfg := load(t, "kql:\n  externaldata:\n    allowed_prefixes: []\n")
		require.Empty(t, cfg.KQL.ExternalData.AllowedPrefixes)
		require.NoError(t, external.Configure(cfg.KQL.ExternalData))
		t.Cleanup(func() { _ = external.Configure(external.Policy{}) })
		err := external.Allowed("https://raw.githubusercontent.com/Azure/Azure-Sentinel/master/x.csv")
		require.ErrorIs(t, err, external.ErrNotAllowed)
		require.ErrorContains(t, err, external.Setting)
	})
	t.Run("a list replaces the default", func(t *testing.T) {
		cfg := load(t, "kql:\n  externaldata:\n    allowed_prefixes: [https://feeds.example.org/]\n")
		require.Equal(t, []string{"https://feeds.example.org/"}, cfg.KQL.ExternalData.AllowedPrefixes)
	})
}
