package config_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/config"
)

func TestMemoryLimits(t *testing.T) {
	cfg, err := config.Load("", noEnv)
	require.NoError(t, err)
	require.Equal(t, config.DefaultStoreMemoryLimit, cfg.Store.MemoryLimit)
	require.Equal(t, config.DefaultGoMemoryLimit, cfg.Memory.GoLimit)

	cfg, err = config.Load("testdata/memory.bad.yaml", noEnv)
	require.NoError(t, err)
	err = cfg.Validate()
	require.ErrorContains(t, err, `store.memory_limit: "lots" is not a size such as 512MiB or 2GB`)
	require.ErrorContains(t, err, "memory.go_limit: must be 0 (off) or at least 64MiB")

	env := map[string]string{"VIGIL_GO_MEMORY_LIMIT": "0", "VIGIL_STORE_MEMORY_LIMIT": "1.5GiB"}
	cfg, err = config.Load("", func(k string) string { return env[k] })
	require.NoError(t, err)
	require.NoError(t, cfg.Validate())
	require.Equal(t, "1.5GiB", cfg.Store.MemoryLimit)
	n, err := config.ParseBytes(cfg.Store.MemoryLimit)
	require.NoError(t, err)
	require.Equal(t, int64(3<<29), n)
	n, err = config.ParseBytes(cfg.Memory.GoLimit)
	require.NoError(t, err)
	require.Zero(t, n)
}
