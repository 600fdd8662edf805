package duckdb

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/schema"
)

// TestCheckpointBesideOpenTransaction checks what the pipeline writer relies on to checkpoint beside its
// transactions: DuckDB runs a CHECKPOINT on another connection while the writer's transaction holds uncommitted
// rows, and that transaction then commits (its rows survive a reopen) or rolls back (its rows are gone) as if no
// checkpoint had run.
func TestCheckpointBesideOpenTransaction(t *testing.T) {
	for _, commit := range []bool{true, false} {
		ctx := context.Background()
		path := filepath.Join(t.TempDir(), "events.duckdb")
		d, err := Open(ctx, path, Options{Threads: 1})
		require.NoError(t, err)
		tb, _ := schema.NewCatalog().Table("DeviceProcessEvents")
		require.NoError(t, d.EnsureTable(ctx, tb))
		base := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
		first := settingsBatch(tb, 3000, base, 1)
		first.ID = "first"
		_, err = d.Append(ctx, []*batch.Batch{first})
		require.NoError(t, err)

		second := beginSecond(ctx, t, d, tb, first, base)
		require.NoError(t, d.Checkpoint(ctx), "a checkpoint beside an open write transaction")
		end := "ROLLBACK"
		if commit {
			end = "COMMIT"
		}
		_, err = d.wconn.ExecContext(ctx, end)
		require.NoError(t, err)
		require.NoError(t, d.Close())

		d, err = Open(ctx, path, Options{Threads: 1})
		require.NoError(t, err)
		want := int64(3000)
		if commit {
			want = 5000
		}
		n, err := d.RowCount(ctx, tb.Name)
		require.NoError(t, err)
		require.Equal(t, want, n, "commit=%v", commit)
		seen, err := d.knownBatches(ctx, []*batch.Batch{first, second})
		require.NoError(t, err)
		require.Equal(t, map[string]bool{"first": true, "second": commit}, map[string]bool{"first": seen["first"], "second": seen["second"]})
		require.NoError(t, d.Close())
	}
}

// fileRowCount opens a copy of the database file as it is on disk, as a start after a crash would find it, and
// counts the rows of table's base table (0 when the file does not hold the table).
func fileRowCount(t *testing.T, path, table string) int64 {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	cp := filepath.Join(t.TempDir(), "copy.duckdb")
	require.NoError(t, os.WriteFile(cp, data, 0o600))
	db, err := sql.Open("duckdb", cp)
	require.NoError(t, err)
	defer db.Close()
	var n int64
	if err := db.QueryRow("SELECT count(*) FROM " + QuoteIdent(baseName(table))).Scan(&n); err != nil {
		require.Contains(t, err.Error(), "does not exist")
		return 0
	}
	return n
}

// TestCommitsDurableAtCheckpointWithoutWAL checks what the pipeline writer relies on to acknowledge the stream
// only after a checkpoint: without the write-ahead log (the default for a file) a commit is not in the file and no
// log is written, and a checkpoint beside the writer's open transaction writes every row committed before it into
// the file, and none of that transaction's.
func TestCommitsDurableAtCheckpointWithoutWAL(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "events.duckdb")
	d, err := Open(ctx, path, Options{Threads: 1})
	require.NoError(t, err)
	defer d.Close()
	require.True(t, d.CommitsNeedCheckpoint())
	tb, _ := schema.NewCatalog().Table("DeviceProcessEvents")
	require.NoError(t, d.EnsureTable(ctx, tb))
	require.NoError(t, d.Checkpoint(ctx))
	base := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	first := settingsBatch(tb, 3000, base, 1)
	first.ID = "first"
	_, err = d.Append(ctx, []*batch.Batch{first})
	require.NoError(t, err)
	n, err := d.RowCount(ctx, tb.Name)
	require.NoError(t, err)
	require.Equal(t, int64(3000), n, "queryable at the commit")
	require.Zero(t, fileRowCount(t, path, tb.Name), "not in the file before a checkpoint")
	_, err = os.Stat(path + ".wal")
	require.True(t, os.IsNotExist(err), "no write-ahead log")

	beginSecond(ctx, t, d, tb, first, base)
	require.NoError(t, d.Checkpoint(ctx))
	require.Equal(t, int64(3000), fileRowCount(t, path, tb.Name), "the checkpoint wrote the committed rows, not the open transaction's")
	_, err = d.wconn.ExecContext(ctx, "COMMIT")
	require.NoError(t, err)
	require.Equal(t, int64(3000), fileRowCount(t, path, tb.Name))
	require.NoError(t, d.Checkpoint(ctx))
	require.Equal(t, int64(5000), fileRowCount(t, path, tb.Name))
}

// TestOpenReplaysALogLeftBehind: a store written with the write-ahead log (an earlier version, or store.wal) and
// stopped without a checkpoint, as by a crash, is opened without the log with nothing lost, and the log is gone.
func TestOpenReplaysALogLeftBehind(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "events.duckdb")
	d, err := Open(ctx, path, Options{Threads: 1, WAL: true})
	require.NoError(t, err)
	require.False(t, d.CommitsNeedCheckpoint())
	tb, _ := schema.NewCatalog().Table("DeviceProcessEvents")
	require.NoError(t, d.EnsureTable(ctx, tb))
	require.NoError(t, d.Checkpoint(ctx))
	b := settingsBatch(tb, 1000, time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC), 1)
	b.ID = "logged"
	_, err = d.Append(ctx, []*batch.Batch{b})
	require.NoError(t, err)
	// The files as a crash leaves them: the rows only in the log.
	crashed := filepath.Join(dir, "crashed.duckdb")
	for _, suffix := range []string{"", ".wal"} {
		data, err := os.ReadFile(path + suffix)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(crashed+suffix, data, 0o600))
	}
	require.NoError(t, d.Close())
	require.Zero(t, fileRowCount(t, crashed, tb.Name), "the rows are only in the log")

	d, err = Open(ctx, crashed, Options{Threads: 1})
	require.NoError(t, err)
	defer d.Close()
	require.True(t, d.CommitsNeedCheckpoint())
	n, err := d.RowCount(ctx, tb.Name)
	require.NoError(t, err)
	require.Equal(t, int64(1000), n)
	seen, err := d.knownBatches(ctx, []*batch.Batch{b})
	require.NoError(t, err)
	require.True(t, seen["logged"], "the ledger came back with the rows")
	_, err = os.Stat(crashed + ".wal")
	require.True(t, os.IsNotExist(err), "the log was written into the file")
}

// beginSecond opens a write transaction on the writer's connection holding a batch "second" of 2,000 rows over the
// columns of first, and its ledger row, uncommitted.
func beginSecond(ctx context.Context, t *testing.T, d *DB, tb *schema.Table, first *batch.Batch, base time.Time) *batch.Batch {
	t.Helper()
	var names []string
	for _, c := range first.Columns {
		if c.Name != schema.ColItemID && c.Name != schema.ColTimeReceived {
			names = append(names, c.Name)
		}
	}
	second := settingsBatch(tb, 2000, base, 2)
	second.ID = "second"
	_, err := d.wconn.ExecContext(ctx, "BEGIN TRANSACTION")
	require.NoError(t, err)
	require.NoError(t, d.insertTable(ctx, tb.Name, []*batch.Batch{second}, names))
	require.NoError(t, d.recordBatches(ctx, []*batch.Batch{second}, time.Now()))
	return second
}
