package hunt_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/store/duckdb"
)

// openStore opens a DuckDB event store in a temporary directory, closed when the test ends, with the named tables
// of cat created.
func openStore(t *testing.T, cat *schema.Catalog, tables ...string) *duckdb.DB {
	t.Helper()
	ctx := context.Background()
	db, err := duckdb.Open(ctx, filepath.Join(t.TempDir(), "events.duckdb"), duckdb.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	for _, name := range tables {
		tab, ok := cat.Table(name)
		require.True(t, ok, name)
		require.NoError(t, db.EnsureTable(ctx, tab))
	}
	return db
}
