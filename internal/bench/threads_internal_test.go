package bench

import (
	"context"
	"io"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/config"
)

// --store-threads reaches the server's DuckDB: the setting in force is the one asked for, and 0 leaves the default.
func TestStoreThreadsReachTheServer(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole server; skipped in -short")
	}
	ctx := context.Background()
	for _, c := range []struct{ asked, want int64 }{{1, 1}, {3, 3}} {
		_, a, cleanup, err := startServer(ctx, t.TempDir(), io.Discard, func(cfg *config.Config) { setStoreThreads(cfg, int(c.asked)) })
		require.NoError(t, err)
		res, err := a.Events.Query(ctx, "SELECT current_setting('threads')", 0)
		require.NoError(t, err)
		require.Equal(t, c.want, res.Rows[0][0])
		cleanup()
	}
	cfg := config.Default()
	setStoreThreads(&cfg, 0)
	require.Equal(t, config.Default().Store.Threads, cfg.Store.Threads)
}
