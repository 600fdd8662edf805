package duckdb

import (
	"context"
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

		var names []string
		for _, c := range first.Columns {
			if c.Name != schema.ColItemID && c.Name != schema.ColTimeReceived {
				names = append(names, c.Name)
			}
		}
		second := settingsBatch(tb, 2000, base, 2)
		second.ID = "second"
		_, err = d.wconn.ExecContext(ctx, "BEGIN TRANSACTION")
		require.NoError(t, err)
		require.NoError(t, d.insertTable(ctx, tb.Name, []*batch.Batch{second}, names))
		require.NoError(t, d.recordBatches(ctx, []*batch.Batch{second}, time.Now()))
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
