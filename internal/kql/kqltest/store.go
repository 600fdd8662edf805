package kqltest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/store/duckdb"
)

// OpenStore opens a DuckDB store in a temporary directory, closed when the test ends.
func OpenStore(tb testing.TB) *duckdb.DB {
	tb.Helper()
	db, err := duckdb.Open(context.Background(), filepath.Join(tb.TempDir(), "events.db"), duckdb.Options{Threads: 1, MemoryLimit: "512MB"})
	if err != nil {
		tb.Fatalf("open duckdb: %v", err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	return db
}

// EmptyStore opens a temporary DuckDB store holding every table of cat, with no rows.
func EmptyStore(tb testing.TB, cat *schema.Catalog) *duckdb.DB {
	tb.Helper()
	db := OpenStore(tb)
	for _, t := range cat.Tables() {
		if err := db.EnsureTable(context.Background(), t); err != nil {
			tb.Fatalf("create table %s: %v", t.Name, err)
		}
	}
	return db
}
