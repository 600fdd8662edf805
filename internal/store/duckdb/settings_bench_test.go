package duckdb

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/x/cputime"
)

// BenchmarkSettings measures DuckDB settings on the store's whole write cost: one op writes 16 transactions of
// 8 batches of 4,096 DeviceProcessEvents rows (or 4 of 32) through the columnar path, then checkpoints. It reports
// write-cpu-ns/row, checkpoint-cpu-ns/row and file-MB (docs/ingest-performance.md, "DuckDB settings").
//
//	go test -run '^$' -bench Settings -benchtime 1x ./internal/store/duckdb
func BenchmarkSettings(b *testing.B) {
	cases := []struct {
		name  string
		set   []string
		group int
	}{
		{"shipped", nil, 8},
		{"checkpoint_threshold=16MB", []string{"SET checkpoint_threshold = '16MB'"}, 8},
		{"transactions=32x4096", nil, 32},
		{"no-fsst", []string{"SET disabled_compression_methods = 'fsst'"}, 8},
		{"preserve_insertion_order=false", []string{"SET preserve_insertion_order = false"}, 8},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				benchmarkSettings(b, c.set, c.group)
			}
		})
	}
}

func benchmarkSettings(b *testing.B, set []string, group int) {
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "events.duckdb")
	d, err := Open(ctx, path, Options{Threads: 2})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	for _, q := range set {
		if _, err := d.db.ExecContext(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	tb, _ := schema.NewCatalog().Table("DeviceProcessEvents")
	if err := d.EnsureTable(ctx, tb); err != nil {
		b.Fatal(err)
	}
	const per, rows = 4096, 16 * 8 * 4096
	base := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	src := make([]*batch.Batch, 16)
	for i := range src {
		src[i] = settingsBatch(tb, per, base, i)
	}
	c0 := cputime.Process()
	for i := 0; i < rows/(group*per); i++ {
		bs := make([]*batch.Batch, group)
		for k := range bs {
			c := *src[(i*group+k)%len(src)]
			c.ID = fmt.Sprintf("b%d-%d", i, k)
			bs[k] = &c
		}
		if _, err := d.Append(ctx, bs); err != nil {
			b.Fatal(err)
		}
	}
	c1 := cputime.Process()
	if err := d.Checkpoint(ctx); err != nil {
		b.Fatal(err)
	}
	c2 := cputime.Process()
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64((c1-c0).Nanoseconds())/rows, "write-cpu-ns/row")
	b.ReportMetric(float64((c2-c1).Nanoseconds())/rows, "checkpoint-cpu-ns/row")
	b.ReportMetric(float64(st.Size())/1e6, "file-MB")
}

// settingsBatch builds n DeviceProcessEvents rows shaped like the ingest benchmark's, the seed-th such batch.
func settingsBatch(t *schema.Table, n int, base time.Time, seed int) *batch.Batch {
	b := batch.NewBuilder(t)
	p := func(name string) int { _, pos, _ := t.Column(name); return pos }
	ts, devID, dev, act, file, folder := p("Timestamp"), p("DeviceId"), p("DeviceName"), p("ActionType"), p("FileName"), p("FolderPath")
	pid, cmd, sha, acct, ipf, rep := p("ProcessId"), p("ProcessCommandLine"), p("SHA256"), p("AccountName"), p("InitiatingProcessFileName"), p("ReportId")
	procs := [...]string{"powershell.exe", "cmd.exe", "svchost.exe", "chrome.exe", "outlook.exe"}
	for k := 0; k < n; k++ {
		i := seed*n + k
		pr := procs[i%len(procs)]
		b.Begin()
		b.SetInt(ts, base.Add(time.Duration(i)*time.Millisecond).UnixMicro())
		b.SetString(devID, strconv.FormatInt(int64(1_000_000_000+(i%500)*7919), 16))
		b.SetString(dev, "ws-"+strconv.Itoa(i%500)+".corp.example.com")
		b.SetString(act, "ProcessCreated")
		b.SetString(file, pr)
		b.SetString(folder, `C:\Windows\System32\`+pr)
		b.SetInt(pid, int64(i%60000))
		b.SetString(cmd, pr+` -NoProfile -File C:\Users\user`+strconv.Itoa(i%100)+`\AppData\Local\Temp\script`+strconv.Itoa(i)+".ps1")
		b.SetString(sha, fmt.Sprintf("%016x%016x%016x%016x", uint64(i)*2654435761|1<<63, uint64(i)*40503|1<<63, uint64(i)*97|1<<63, uint64(i)|1<<63))
		b.SetString(acct, "user"+strconv.Itoa(i%100))
		b.SetString(ipf, "explorer.exe")
		b.SetInt(rep, int64(i))
		b.Commit()
	}
	return b.Finish("x", base.UnixMicro())
}
