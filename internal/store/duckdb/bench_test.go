package duckdb_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/store/duckdb"
	"github.com/vigilsec/vigil/internal/x/cputime"
)

// processBatch builds n DeviceProcessEvents rows shaped like the ingest benchmark's events (about 500 bytes of
// JSON each: a dozen strings, three longs, a datetime).
func processBatch(tb testing.TB, t *schema.Table, id string, n int, base time.Time) *batch.Batch {
	b := batch.NewBuilder(t)
	p := func(name string) int {
		_, pos, ok := t.Column(name)
		require.True(tb, ok, name)
		return pos
	}
	ts, devID, dev, act, file, folder := p("Timestamp"), p("DeviceId"), p("DeviceName"), p("ActionType"), p("FileName"), p("FolderPath")
	pid, cmd, sha, dom, acct := p("ProcessId"), p("ProcessCommandLine"), p("SHA256"), p("AccountDomain"), p("AccountName")
	ipf, ipid, ipcmd, rep := p("InitiatingProcessFileName"), p("InitiatingProcessId"), p("InitiatingProcessCommandLine"), p("ReportId")
	procs := [...]string{"powershell.exe", "cmd.exe", "svchost.exe", "chrome.exe", "outlook.exe"}
	for i := 0; i < n; i++ {
		pr := procs[i%len(procs)]
		b.Begin()
		b.SetInt(ts, base.Add(time.Duration(i)*time.Millisecond).UnixMicro())
		b.SetString(devID, strconv.FormatInt(int64(1_000_000_000+(i%500)*7919), 16))
		b.SetString(dev, "ws-"+strconv.Itoa(i%500)+".corp.example.com")
		b.SetString(act, "ProcessCreated")
		b.SetString(file, pr)
		b.SetString(folder, `C:\Windows\System32\`+pr)
		b.SetInt(pid, int64(i%60000))
		b.SetString(cmd, pr+` -NoProfile -ExecutionPolicy Bypass -File C:\Users\user`+strconv.Itoa(i%100)+`\AppData\Local\Temp\script`+strconv.Itoa(i)+".ps1")
		b.SetString(sha, fmt.Sprintf("%016x%016x%016x%016x", uint64(i)*2654435761|1<<63, uint64(i)*40503|1<<63, uint64(i)*97|1<<63, uint64(i)|1<<63))
		b.SetString(dom, "corp")
		b.SetString(acct, "user"+strconv.Itoa(i%100))
		b.SetString(ipf, "explorer.exe")
		b.SetInt(ipid, int64((i*7)%60000))
		b.SetString(ipcmd, `C:\Windows\explorer.exe`)
		b.SetInt(rep, int64(i))
		b.Commit()
	}
	return b.Finish(id, base.UnixMicro())
}

// BenchmarkAppend measures the store writer's cost per row: one op is one transaction of 8 or 32 batches of 4096 rows
// (the writer takes up to 32 per transaction). cpu-ns/row (process CPU time, DuckDB's threads included) is the figure to compare on a
// loaded machine.
//
// path=scan is the columnar path the store writes through; path=appender is DuckDB's row appender, the raw baseline
// of `vigil bench ingest`.
func BenchmarkAppend(b *testing.B) {
	for _, path := range []string{"scan", "appender"} {
		for _, group := range []int{8, 32} {
			b.Run(fmt.Sprintf("path=%s/batches=%d", path, group), func(b *testing.B) {
				benchmarkAppend(b, duckdb.Options{Threads: 2, RowAppender: path == "appender"}, group)
			})
		}
	}
}

func benchmarkAppend(b *testing.B, opts duckdb.Options, group int) {
	ctx := context.Background()
	cat := schema.NewCatalog()
	t, _ := cat.Table("DeviceProcessEvents")
	db, err := duckdb.Open(ctx, filepath.Join(b.TempDir(), "events.duckdb"), opts)
	require.NoError(b, err)
	defer db.Close()
	require.NoError(b, db.EnsureTable(ctx, t))
	base := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	const per = 4096
	src := make([]*batch.Batch, group)
	for i := range src {
		src[i] = processBatch(b, t, "src", per, base)
	}
	b.ResetTimer()
	cpu := cputime.Process()
	for i := 0; i < b.N; i++ {
		batches := make([]*batch.Batch, group)
		for k := range batches {
			c := *src[k]
			c.ID = fmt.Sprintf("b%d-%d", i, k)
			batches[k] = &c
		}
		_, err := db.Append(ctx, batches)
		require.NoError(b, err)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*per*group), "ns/row")
	b.ReportMetric(float64((cputime.Process()-cpu).Nanoseconds())/float64(b.N*per*group), "cpu-ns/row")
}
