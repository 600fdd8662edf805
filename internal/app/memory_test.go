package app

import (
	"context"
	"io"
	"log/slog"
	"math"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/config"
	"github.com/vigilsec/vigil/internal/store/duckdb"
)

func TestMemoryLimitsApplied(t *testing.T) {
	prev := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(prev) })
	t.Setenv("GOMEMLIMIT", "")
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	cfg := config.Default()
	cfg.Memory.GoLimit = "300MiB"
	require.Equal(t, int64(300<<20), applyGoMemoryLimit(cfg, log))
	require.Equal(t, int64(300<<20), debug.SetMemoryLimit(-1))
	cfg.Memory.GoLimit = "0"
	debug.SetMemoryLimit(math.MaxInt64)
	require.Equal(t, int64(math.MaxInt64), applyGoMemoryLimit(cfg, log), "0 sets no limit")

	cfg.Store.MemoryLimit = "200MiB"
	opts := storeOptions(cfg)
	require.Equal(t, "209715200b", opts.MemoryLimit)
	db, err := duckdb.Open(context.Background(), filepath.Join(t.TempDir(), "e.duckdb"), opts)
	require.NoError(t, err)
	defer db.Close()
	res, err := db.Query(context.Background(), `SELECT current_setting('memory_limit')`, 0)
	require.NoError(t, err)
	require.Equal(t, "200.0 MiB", res.Rows[0][0])
	cfg.Store.MemoryLimit = ""
	require.Empty(t, storeOptions(cfg).MemoryLimit, "empty leaves DuckDB's default")
}

func TestStoreThreads(t *testing.T) {
	require.Equal(t, 1, defaultStoreThreads(1))
	require.Equal(t, 1, defaultStoreThreads(2), "on two cores one DuckDB thread, so the writer does not wait polling")
	require.Equal(t, 8, defaultStoreThreads(8))
	cfg := config.Default()
	require.Equal(t, defaultStoreThreads(runtime.NumCPU()), storeOptions(cfg).Threads)
	cfg.Store.Threads = 3
	require.Equal(t, 3, storeOptions(cfg).Threads, "a configured count is kept")
}
