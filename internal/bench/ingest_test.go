package bench_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/bench"
)

// TestIngestBenchCountsEverything runs the benchmark small: every event sent must be queryable exactly once.
// Timing is reported, never asserted.
func TestIngestBenchCountsEverything(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole server; skipped in -short")
	}
	rep, err := bench.Ingest(context.Background(), bench.IngestOptions{Events: 23_456, Batch: 1000, Clients: 3, Dir: t.TempDir()})
	require.NoError(t, err)
	require.Equal(t, int64(23_456), rep.StoredRows)
	require.Equal(t, bench.DefaultEventBytes, rep.AvgEventBytes, "events of the size issue #2's bar states")
	t.Logf("%+v", *rep)
}
