package duckdb_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"path/filepath"
	"testing"

	duck "github.com/duckdb/duckdb-go/v2"
	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/x/cputime"
)

// recoverySource is 32,768 rows shaped like the benchmark's DeviceProcessEvents (and the store's hidden columns),
// made by DuckDB itself so that only insert, commit and checkpoint are measured.
const recoverySource = `CREATE TABLE src.rows AS SELECT
 TIMESTAMP '2024-05-01 10:00:00' + to_milliseconds(i) AS ts,
 printf('%x', 1000000000 + (i % 500) * 7919) AS device_id,
 'ws-' || (i % 500) || '.corp.example.com' AS device_name,
 'ProcessCreated' AS action_type,
 ['powershell.exe', 'cmd.exe', 'svchost.exe', 'chrome.exe', 'outlook.exe'][i % 5 + 1] AS file_name,
 'C:\Windows\System32\' || ['powershell.exe', 'cmd.exe', 'svchost.exe', 'chrome.exe', 'outlook.exe'][i % 5 + 1] AS folder_path,
 i % 60000 AS process_id,
 'powershell.exe -NoProfile -ExecutionPolicy Bypass -File C:\Users\user' || (i % 100) || '\AppData\Local\Temp\script' || i || '.ps1' AS command_line,
 md5(i::VARCHAR) || md5((i * 7)::VARCHAR) AS sha256,
 'corp' AS account_domain, 'user' || (i % 100) AS account_name, 'explorer.exe' AS parent_name,
 (i * 7) % 60000 AS parent_id, 'C:\Windows\explorer.exe' AS parent_command_line, i AS report_id,
 'batch-' || (i // 4096) AS batch_id, (i % 4096)::INTEGER AS row_no, now()::TIMESTAMP AS received
FROM range(32768) t(i)`

// BenchmarkRecoveryMode weighs writing without DuckDB's write-ahead log (ATTACH … (RECOVERY_MODE NO_WAL_WRITES),
// DuckDB 1.5) against the store's way (WAL, checkpoint at 512MB). Without the WAL a commit is durable only once a
// checkpoint has written it into the file, so the writer could acknowledge the stream only after a CHECKPOINT;
// every=N checkpoints after every N transactions of 32,768 rows (every=0: only at the end, as the shipped store
// does until the WAL reaches 512MB). It reports CPU per row of the inserts, the commits and the checkpoints, and the
// file size. docs/ingest-performance.md has the numbers: skipping the WAL saves under 1 µs of CPU per row at commit,
// while a checkpoint after every transaction, or every four, costs 3 to 30 times what it saves.
func BenchmarkRecoveryMode(b *testing.B) {
	for _, c := range []struct {
		mode  string
		every int
	}{{"wal", 0}, {"wal", 1}, {"no_wal_writes", 1}, {"wal", 4}, {"no_wal_writes", 4}, {"wal", 16}, {"no_wal_writes", 16}} {
		b.Run(fmt.Sprintf("mode=%s/every=%d", c.mode, c.every), func(b *testing.B) {
			benchmarkRecoveryMode(b, c.mode, c.every)
		})
	}
}

func benchmarkRecoveryMode(b *testing.B, mode string, every int) {
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "events.duckdb")
	connector, err := duck.NewConnector("", func(execer driver.ExecerContext) error {
		for _, q := range []string{"SET threads = 2", "SET checkpoint_threshold = '512MB'"} {
			if _, err := execer.ExecContext(ctx, q, nil); err != nil {
				return err
			}
		}
		return nil
	})
	require.NoError(b, err)
	db := sql.OpenDB(connector)
	defer db.Close()
	conn, err := db.Conn(ctx)
	require.NoError(b, err)
	defer conn.Close()
	exec := func(q string) {
		_, err := conn.ExecContext(ctx, q)
		require.NoError(b, err, q)
	}
	attach := "ATTACH " + quoteLiteral(path) + " AS ev"
	if mode == "no_wal_writes" {
		attach += " (RECOVERY_MODE NO_WAL_WRITES)"
	}
	exec(attach)
	exec("ATTACH ':memory:' AS src")
	exec(recoverySource)
	exec("CREATE TABLE ev.rows AS SELECT * FROM src.rows LIMIT 0")
	exec("CREATE TABLE ev.ledger (id VARCHAR PRIMARY KEY, n BIGINT)")
	exec("CHECKPOINT ev")
	var insert, commit, checkpoint int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c0 := cputime.Process()
		exec("BEGIN")
		exec("INSERT INTO ev.rows SELECT * FROM src.rows")
		exec(fmt.Sprintf("INSERT INTO ev.ledger VALUES ('t%d', 32768)", i))
		c1 := cputime.Process()
		exec("COMMIT")
		c2 := cputime.Process()
		insert += int64(c1 - c0)
		commit += int64(c2 - c1)
		if every > 0 && (i+1)%every == 0 {
			exec("CHECKPOINT ev")
			checkpoint += int64(cputime.Process() - c2)
		}
	}
	c3 := cputime.Process()
	exec("CHECKPOINT ev")
	checkpoint += int64(cputime.Process() - c3)
	b.StopTimer()
	var size int64
	require.NoError(b, conn.QueryRowContext(ctx, "SELECT total_blocks * block_size FROM pragma_database_size() WHERE database_name = 'ev'").Scan(&size))
	rows := float64(b.N) * 32768
	b.ReportMetric(float64(insert)/rows, "insert-cpu-ns/row")
	b.ReportMetric(float64(commit)/rows, "commit-cpu-ns/row")
	b.ReportMetric(float64(checkpoint)/rows, "checkpoint-cpu-ns/row")
	b.ReportMetric(float64(size)/1e6, "file-MB")
}

func quoteLiteral(s string) string {
	out := []byte{'\''}
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' {
			out = append(out, '\'')
		}
		out = append(out, s[i])
	}
	return string(append(out, '\''))
}
