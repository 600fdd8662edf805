package duckdb_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	duck "github.com/duckdb/duckdb-go/v2"
	"github.com/stretchr/testify/require"
)

// A failed statement's error names what failed without the excerpt of generated SQL DuckDB appends, and keeps
// DuckDB's error as its cause.
func TestQueryErrorWithoutSQLExcerpt(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "events.duckdb"))
	defer db.Close()
	_, err := db.Query(context.Background(), `SELECT "NoSuchColumn" FROM (SELECT 1 AS a)`, 10)
	require.Error(t, err)
	require.Contains(t, err.Error(), "query: Binder Error")
	require.Contains(t, err.Error(), "NoSuchColumn")
	require.NotContains(t, err.Error(), "LINE 1")
	var de *duck.Error
	require.True(t, errors.As(err, &de), "DuckDB's error stays the cause")
}
