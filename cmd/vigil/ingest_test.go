package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestIngestManySmallFiles imports every SigmaHQ regression .evtx file (202 files of a few events each) with
// vigil ingest: nothing is rejected, every record is stored once, and the files' rows travel in a few full batches
// rather than a store transaction per file and table.
func TestIngestManySmallFiles(t *testing.T) {
	var files []string
	require.NoError(t, filepath.WalkDir("../../../shared/corpus/sigma/sigmahq/regression_data", func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && filepath.Ext(p) == ".evtx" {
			files = append(files, p)
		}
		return err
	}), "the corpus is under ../shared/corpus")
	require.Greater(t, len(files), 100)
	dir := t.TempDir()
	var out bytes.Buffer
	require.NoError(t, runIngest(context.Background(), append([]string{"--data", dir, "--json", "--log-level", "warn"}, files...), &out))
	var sum ingestSummary
	require.NoError(t, json.Unmarshal(out.Bytes(), &sum), out.String())
	require.Equal(t, len(files), sum.Files)
	require.Zero(t, sum.Rejected, "%v", sum.Rejects)
	require.Equal(t, sum.Read, sum.Accepted)
	t.Logf("%d files: %d records, by table %v, %.2fs", sum.Files, sum.Read, sum.ByTable, sum.Seconds)

	db, err := sql.Open("duckdb", filepath.Join(dir, "events.duckdb")+"?access_mode=read_only")
	require.NoError(t, err)
	defer db.Close()
	stored := 0
	for table, n := range sum.ByTable {
		var got int
		require.NoError(t, db.QueryRow(`SELECT count(*) FROM "`+table+`"`).Scan(&got), table)
		require.Equal(t, n, got, table)
		stored += got
	}
	require.Equal(t, sum.Accepted, stored)
	batches := 0
	for table := range sum.ByTable {
		var n int
		require.NoError(t, db.QueryRow(`SELECT count(*) FROM "_vigil_batches" WHERE table_name = ?`, table).Scan(&n))
		batches += n
	}
	require.LessOrEqual(t, batches, len(sum.ByTable)*(1+sum.Accepted/ingestBatchRows), "rows of many files share batches")
}
