package duckdb

import (
	"context"
	"database/sql"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/x/cputime"
)

// scanTestBatches builds count batches of n Syslog rows with strings, a long, a datetime and nulls.
func scanTestBatches(tb testing.TB, t *schema.Table, count, n int) []*batch.Batch {
	pos := func(name string) int {
		_, p, ok := t.Column(name)
		require.True(tb, ok, name)
		return p
	}
	tg, host, fac, msg, pid := pos("TimeGenerated"), pos("HostName"), pos("Facility"), pos("SyslogMessage"), pos("ProcessID")
	base := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	out := make([]*batch.Batch, count)
	for k := range out {
		b := batch.NewBuilder(t)
		for i := 0; i < n; i++ {
			b.Begin()
			b.SetInt(tg, base.Add(time.Duration(k*n+i)*time.Millisecond).UnixMicro())
			b.SetString(host, "host-"+strconv.Itoa(i%50)+".example.com")
			if i%7 != 0 {
				b.SetString(fac, "auth")
			}
			b.SetString(msg, "Accepted publickey for user"+strconv.Itoa(i%100)+" from 10.0.0."+strconv.Itoa(i%250)+" port "+strconv.Itoa(40000+i))
			if i%5 != 0 {
				b.SetInt(pid, int64(1000+i))
			}
			b.Commit()
		}
		out[k] = b.Finish("scan-"+strconv.Itoa(k), base.UnixMicro())
	}
	return out
}

// registerScanTest registers batches as a job of their table and returns its id and the job.
func registerScanTest(tb testing.TB, d *DB, t *schema.Table, batches []*batch.Batch) (int64, *scanJob) {
	var names []string
	for _, c := range batches[0].Columns {
		if c.Name != schema.ColItemID && c.Name != schema.ColTimeReceived {
			names = append(names, c.Name)
		}
	}
	j, err := newScanJob(t, batches, names)
	require.NoError(tb, err)
	id := d.scans.add(j)
	tb.Cleanup(func() { d.scans.remove(id) })
	return id, j
}

func openScanTest(tb testing.TB) (*DB, *schema.Table) {
	ctx := context.Background()
	d, err := Open(ctx, filepath.Join(tb.TempDir(), "events.duckdb"), Options{})
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = d.Close() })
	t, ok := schema.NewCatalog().Table("Syslog")
	require.True(tb, ok)
	return d, t
}

// A query reading only some of the table function's columns (projection pushdown) gets exactly those, right, and a
// column it does not read is skipped, not an error (the writer's INSERT reads them all).
func TestBatchScanProjection(t *testing.T) {
	ctx := context.Background()
	d, tb := openScanTest(t)
	batches := scanTestBatches(t, tb, 2, 3000) // more than one DuckDB vector per batch
	id, j := registerScanTest(t, d, tb, batches)
	hostCol := -1
	for i, c := range j.cols {
		if c.Name == "HostName" {
			hostCol = i
		}
	}
	require.GreaterOrEqual(t, hostCol, 0)
	q := "SELECT c" + strconv.Itoa(hostCol) + ", b, r FROM " + scanFunction + "(" + strconv.FormatInt(id, 10) + ")"
	rows, err := d.wconn.QueryContext(ctx, q)
	require.NoError(t, err)
	defer rows.Close()
	n := 0
	for rows.Next() {
		var host, bid string
		var r int32
		require.NoError(t, rows.Scan(&host, &bid, &r))
		k := n / 3000
		require.Equal(t, batches[k].ID, bid)
		require.Equal(t, int32(n%3000), r)
		require.Equal(t, batches[k].Column("HostName").Strs[r], host)
		n++
	}
	require.NoError(t, rows.Err())
	require.Equal(t, 6000, n)
}

// BenchmarkBatchScan measures the table function alone: the CPU per row of filling DuckDB's vectors from 8 batches
// of 4,096 Syslog rows, read by a query that counts every column (so none is pruned).
func BenchmarkBatchScan(b *testing.B) {
	ctx := context.Background()
	d, tb := openScanTest(b)
	batches := scanTestBatches(b, tb, 8, 4096)
	id, j := registerScanTest(b, d, tb, batches)
	var sel []string
	for i := range j.cols {
		sel = append(sel, "count(c"+strconv.Itoa(i)+")")
	}
	q := "SELECT " + strings.Join(sel, ", ") + ", count(b), count(r), count(t) FROM " + scanFunction + "(" + strconv.FormatInt(id, 10) + ")"
	b.ResetTimer()
	cpu := cputime.Process()
	for i := 0; i < b.N; i++ {
		_, err := d.wconn.ExecContext(ctx, q)
		require.NoError(b, err)
	}
	rows := float64(b.N * 8 * 4096)
	b.ReportMetric(float64((cputime.Process()-cpu).Nanoseconds())/rows, "cpu-ns/row")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/rows, "ns/row")
}

// DuckDB's insert copies the strings of each of the scan's chunks into the table's storage before it asks for the
// next chunk: the writer's INSERT reuses one arena block for every chunk, so each chunk overwrites the strings of
// the one before, and the rows read back equal. The block is back in the store's pool when the INSERT returns, and
// overwriting it then changes none of the rows either, read inside the transaction and after COMMIT.
func TestFillArenaNotReadAfterInsert(t *testing.T) {
	ctx := context.Background()
	d, tb := openScanTest(t)
	require.NoError(t, d.EnsureTable(ctx, tb))
	batches := scanTestBatches(t, tb, 12, 3000)
	var long int // bytes of strings longer than 12
	for _, b := range batches {
		for _, c := range b.Columns {
			for _, s := range c.Strs {
				if len(s) > fillInlined {
					long += len(s)
				}
			}
		}
	}
	require.Greater(t, long, 2*fillBlockSize, "enough strings to fill several arena blocks")
	_, err := d.wconn.ExecContext(ctx, "BEGIN TRANSACTION")
	require.NoError(t, err)
	require.NoError(t, d.appendTable(ctx, tb.Name, batches))

	d.fillPool.mu.Lock()
	require.Equal(t, 1, d.fillPool.gets, "the INSERT's scan reused one block from chunk to chunk")
	require.Len(t, d.fillPool.free, 1, "the scan's arena block is back in the pool when the INSERT returns")
	for _, b := range d.fillPool.free {
		s := unsafe.Slice((*byte)(b), fillBlockSize)
		for i := range s {
			s[i] = 0xAA
		}
	}
	d.fillPool.mu.Unlock()

	check := func(q interface {
		QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	}) {
		rows, err := q.QueryContext(ctx, `SELECT "_BatchId", "_Row", HostName, SyslogMessage, Facility FROM "_t_Syslog" ORDER BY length("_BatchId"), "_BatchId", "_Row"`)
		require.NoError(t, err)
		defer rows.Close()
		n := 0
		for rows.Next() {
			var id string
			var r int
			var host, msg string
			var fac sql.NullString
			require.NoError(t, rows.Scan(&id, &r, &host, &msg, &fac))
			b := batches[n/3000]
			require.Equal(t, b.ID, id)
			require.Equal(t, n%3000, r)
			require.Equal(t, b.Column("HostName").Strs[r], host)
			require.Equal(t, b.Column("SyslogMessage").Strs[r], msg)
			fc := b.Column("Facility")
			require.Equal(t, !fc.IsNull(r), fac.Valid)
			if fac.Valid {
				require.Equal(t, fc.Strs[r], fac.String)
			}
			n++
		}
		require.NoError(t, rows.Err())
		require.Equal(t, 12*3000, n)
	}
	check(d.wconn)
	_, err = d.wconn.ExecContext(ctx, "COMMIT")
	require.NoError(t, err)
	check(d.db)
}

// A query that reads no column of the scan, or only the system columns, gets every row.
func TestBatchScanCountsRows(t *testing.T) {
	ctx := context.Background()
	d, tb := openScanTest(t)
	batches := scanTestBatches(t, tb, 3, 2500)
	id, _ := registerScanTest(t, d, tb, batches)
	var n, r int64
	require.NoError(t, d.wconn.QueryRowContext(ctx, "SELECT count(*), sum(r) FROM "+scanFunction+"("+strconv.FormatInt(id, 10)+")").Scan(&n, &r))
	require.Equal(t, int64(7500), n)
	require.Equal(t, int64(3*2499*2500/2), r)
}
