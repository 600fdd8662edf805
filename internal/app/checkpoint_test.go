package app_test

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/config"
	"github.com/vigilsec/vigil/internal/pipeline"
)

// TestWriterCheckpointsEveryNRows: with the write-ahead log (store.wal) and store.checkpoint_rows set, the store writer writes DuckDB's log into the
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
			cfg.Store.WAL = true
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

// TestWriterAcknowledgesAfterCheckpoint: without the write-ahead log (the default), a commit makes rows queryable
// at once but durable only once a checkpoint has written them into the database file. The writer keeps the batch
// unacknowledged on the stream until then, and the checkpoint comes at the latest store.checkpoint_interval after
// the commit (5s by default): the file holds the rows exactly when the stream has let the batch go.
func TestWriterAcknowledgesAfterCheckpoint(t *testing.T) {
	s := start(t, func(cfg *config.Config) {
		cfg.Detection.BuiltinRules, cfg.Analytics.NRT = false, false
	})
	tok := s.token("ingest")
	var body bytes.Buffer
	for i := 0; i < 20; i++ {
		body.Write(processLine(i % 60))
	}
	path := s.a.Config.EventsPath()
	fileRows := func() int64 { return fileRowCount(t, path, "DeviceProcessEvents") }
	before := checkpointCount(t, s)
	code, _ := s.post("/api/v1/ingest/DeviceProcessEvents", body.Bytes(), "Authorization", "Bearer "+tok)
	require.Equal(t, 200, code)
	s.waitWritten()
	require.Equal(t, int64(20), s.rows(`SELECT count(*) FROM "DeviceProcessEvents"`)[0][0], "queryable at the commit")
	require.Equal(t, uint64(1), s.a.Writer.Unacked(), "the batch waits for a checkpoint")
	lag, err := s.a.Stream.Lag(context.Background(), pipeline.WriterName)
	require.NoError(t, err)
	require.Equal(t, uint64(1), lag, "the stream keeps the batch")
	require.Zero(t, fileRows(), "the file does not hold the rows yet")
	_, err = os.Stat(path + ".wal")
	require.True(t, os.IsNotExist(err), "no write-ahead log")

	require.Eventually(t, func() bool { return s.a.Writer.Unacked() == 0 }, 20*time.Second, 10*time.Millisecond,
		"a checkpoint within the interval acknowledges the batch")
	require.Equal(t, before+1, checkpointCount(t, s))
	require.Equal(t, int64(20), fileRows(), "the file holds the rows")
	require.Eventually(t, func() bool {
		lag, err := s.a.Stream.Lag(context.Background(), pipeline.WriterName)
		return err == nil && lag == 0
	}, 5*time.Second, 10*time.Millisecond, "the stream let the batch go")
}

// fileRowCount opens a copy of the database file at path as it is on disk, as a start after a crash would find it,
// and counts the stored rows of table (0 when the file does not hold the table).
func fileRowCount(t *testing.T, path, table string) int64 {
	t.Helper()
	cp := filepath.Join(t.TempDir(), "copy.duckdb")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(cp, data, 0o600))
	db, err := sql.Open("duckdb", cp)
	require.NoError(t, err)
	defer db.Close()
	var n int64
	if err := db.QueryRow(`SELECT count(*) FROM "_t_` + table + `"`).Scan(&n); err != nil {
		require.Contains(t, err.Error(), "does not exist")
		return 0
	}
	return n
}
