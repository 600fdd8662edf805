package app_test

import (
	"bytes"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/config"
)

// TestWriterCheckpointsEveryNRows: with store.checkpoint_rows set, the store writer writes DuckDB's log into the
// database file itself once that many rows were committed (the log is then emptied), instead of leaving it to
// DuckDB's 512MB threshold, which stalls a commit for seconds; with 0 the log keeps the rows, and so it does while
// fewer than store.checkpoint_bytes were committed since the last checkpoint. The checkpoint runs beside the
// writer's transactions.
func TestWriterCheckpointsEveryNRows(t *testing.T) {
	for _, c := range []struct {
		every int
		floor int64
	}{{0, 0}, {30, 1}, {30, 1 << 30}} {
		every := c.every
		s := start(t, func(cfg *config.Config) {
			cfg.Detection.BuiltinRules, cfg.Analytics.NRT = false, false
			cfg.Store.CheckpointRows, cfg.Store.CheckpointBytes = every, c.floor
		})
		tok := s.token("ingest")
		var body bytes.Buffer
		for i := 0; i < 20; i++ {
			body.Write(processLine(i % 60))
		}
		wal := s.a.Config.EventsPath() + ".wal"
		walSize := func() int64 {
			fi, err := os.Stat(wal)
			if err != nil {
				return 0
			}
			return fi.Size()
		}
		for i := 0; i < 2; i++ { // 20 rows, then 40: the second commit passes 30
			code, _ := s.post("/api/v1/ingest/DeviceProcessEvents", body.Bytes(), "Authorization", "Bearer "+tok)
			require.Equal(t, 200, code)
			s.waitWritten()
			if i == 0 {
				require.Positive(t, walSize(), "every=%d: the first 20 rows are in the log", every)
			}
		}
		require.Equal(t, int64(40), s.rows(`SELECT count(*) FROM "DeviceProcessEvents"`)[0][0])
		if every == 0 || c.floor > 1 {
			time.Sleep(300 * time.Millisecond) // a checkpoint would have been started right after the commit
			require.Zero(t, checkpointCount(t, s), "no checkpoint of the writer's own (every %d rows, at least %d bytes)", every, c.floor)
			require.Positive(t, walSize(), "DuckDB's threshold is far: the log keeps the rows")
		} else {
			// The writer's checkpoint runs beside its transactions, so it ends a little after the commit.
			require.Eventually(t, func() bool { return checkpointCount(t, s) == 1 }, 10*time.Second, 10*time.Millisecond,
				"one checkpoint, after the commit that passed %d rows", every)
			require.Zero(t, walSize(), "the checkpoint emptied the log")
			time.Sleep(300 * time.Millisecond)
			require.Equal(t, uint64(1), checkpointCount(t, s), "and only one")
		}
	}
}

// checkpointCount reads vigil_store_checkpoint_seconds from the server's metrics registry.
func checkpointCount(t *testing.T, s *server) uint64 {
	t.Helper()
	families, err := s.a.Registry.Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() == "vigil_store_checkpoint_seconds" {
			return f.GetMetric()[0].GetHistogram().GetSampleCount()
		}
	}
	t.Fatal("no vigil_store_checkpoint_seconds metric")
	return 0
}
