package file_test

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/ingest/file"
	"github.com/vigilsec/vigil/internal/schema"
)

const corpus = "../../../../shared/corpus/sigma"

func corpusFiles(tb testing.TB, dir, ext string) []string {
	tb.Helper()
	root := filepath.Join(corpus, dir)
	if _, err := os.Stat(root); err != nil {
		tb.Skipf("corpus %s absent: %v", root, err)
	}
	var out []string
	require.NoError(tb, filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ext) {
			out = append(out, p)
		}
		return err
	}))
	require.NotEmpty(tb, out)
	return out
}

// importAll imports every file with format detection and returns the events read and rows by table.
func importAll(t *testing.T, files []string, deviceTables bool) (int, map[string]int) {
	t.Helper()
	cat := schema.NewCatalog()
	total := map[string]int{}
	read := 0
	for _, p := range files {
		f, err := os.Open(p)
		require.NoError(t, err)
		rows := 0
		sum, err := file.ImportWith(context.Background(), f, file.Options{DeviceTables: deviceTables}, cat, func(b *batch.Batch) error {
			rows += b.Len
			for _, c := range b.Columns {
				require.True(t, c.Null == nil || len(c.Null) == b.Len, "%s.%s", b.Table, c.Name)
			}
			return nil
		})
		require.NoError(t, f.Close())
		require.NoError(t, err, p)
		require.Equal(t, file.FormatWinEvent, sum.Format, p)
		require.Zero(t, sum.Rejected, "%s: %+v", p, sum.Rejects)
		if !deviceTables {
			require.Equal(t, sum.Accepted, rows, p)
		}
		require.Equal(t, sum.Read, sum.Accepted, p)
		read += sum.Read
		for k, n := range sum.ByTable {
			total[k] += n
		}
	}
	return read, total
}

func logCounts(t *testing.T, files, read int, byTable map[string]int) {
	names := make([]string, 0, len(byTable))
	for k := range byTable {
		names = append(names, k)
	}
	sort.Strings(names)
	t.Logf("%d files, %d events", files, read)
	for _, k := range names {
		t.Logf("  %-24s %6d", k, byTable[k])
	}
}

func TestCorpusSamplesJSONL(t *testing.T) {
	files := corpusFiles(t, "samples", ".jsonl")
	read, byTable := importAll(t, files, false)
	logCounts(t, len(files), read, byTable)
	require.Positive(t, byTable["SecurityEvent"])
	require.Positive(t, byTable["DeviceProcessEvents"])

	t.Log("with DeviceTables:")
	read2, byTable2 := importAll(t, files, true)
	logCounts(t, len(files), read2, byTable2)
	require.Equal(t, read, read2)
	require.Greater(t, byTable2["DeviceProcessEvents"], byTable["DeviceProcessEvents"])
	require.Positive(t, byTable2["DeviceLogonEvents"])
}

func TestCorpusRegressionJSON(t *testing.T) {
	files := corpusFiles(t, "sigmahq/regression_data", ".json")
	read, byTable := importAll(t, files, false)
	logCounts(t, len(files), read, byTable)
	require.Equal(t, 238, read)
}

// TestCorpusText imports the text samples (Linux auditd logs, the Cisco syslog line of the regression data) with
// format detection and without rejects: the audit records are joined into one process event per execve, the
// syslog line reads as syslog.
func TestCorpusText(t *testing.T) {
	files := append(corpusFiles(t, "samples/otrf-linux-auditd", ".log"), corpusFiles(t, "sigmahq/regression_data", ".raw")...)
	cat := schema.NewCatalog()
	total := map[string]int{}
	read, syslogLines := 0, 0
	var commands []string
	for _, p := range files {
		f, err := os.Open(p)
		require.NoError(t, err)
		sum, err := file.Import(context.Background(), f, "", cat, func(b *batch.Batch) error {
			if b.Table == "DeviceProcessEvents" {
				for _, c := range b.Columns {
					if c.Name == "ProcessCommandLine" {
						for i := 0; i < b.Len; i++ {
							commands = append(commands, c.Value(i).(string))
						}
					}
				}
			}
			return nil
		})
		require.NoError(t, f.Close())
		require.NoError(t, err, p)
		if strings.HasSuffix(p, ".log") {
			require.Equal(t, file.FormatAuditd, sum.Format, p)
		} else {
			require.Equal(t, file.FormatSyslog, sum.Format, p)
			syslogLines += sum.Read
		}
		require.Zero(t, sum.Rejected, "%s: %+v", p, sum.Rejects)
		read += sum.Read
		for k, n := range sum.ByTable {
			total[k] += n
		}
	}
	logCounts(t, len(files), read, total)
	require.Equal(t, syslogLines, total["Syslog"], "no audit event is left over as a Syslog row")
	sort.Strings(commands)
	require.Equal(t, []string{"arp -a", "dd if=/dev/zero bs=1 count=1", "grep -v ^?"}, commands, "one row per execve, arguments joined")
}
