package duckdb_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/store/duckdb"
)

func open(t testing.TB, path string) *duckdb.DB {
	t.Helper()
	db, err := duckdb.Open(context.Background(), path, duckdb.Options{Threads: 2})
	require.NoError(t, err)
	return db
}

func syslogBatch(t *testing.T, tb *schema.Table, id string, base time.Time, msgs ...string) *batch.Batch {
	b := batch.NewBuilder(tb)
	_, tpos, _ := tb.Column("TimeGenerated")
	_, mpos, _ := tb.Column("SyslogMessage")
	for i, m := range msgs {
		b.Begin()
		b.SetInt(tpos, base.Add(time.Duration(i)*time.Second).UnixMicro())
		b.SetString(mpos, m)
		b.Commit()
	}
	return b.Finish(id, base.UnixMicro())
}

func TestAppendQueryAndReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "events.duckdb")
	cat := schema.NewCatalog()
	tb, _ := cat.Table("Syslog")
	db := open(t, path)
	require.NoError(t, db.EnsureTable(ctx, tb))
	require.NoError(t, db.EnsureTable(ctx, tb), "idempotent")

	base := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	b1 := syslogBatch(t, tb, "b1", base, "one", "two")
	skipped, err := db.Append(ctx, []*batch.Batch{b1})
	require.NoError(t, err)
	require.Empty(t, skipped)

	res, err := db.Query(ctx, `SELECT TimeGenerated, SyslogMessage, _ItemId, _TimeReceived, ProcessID FROM Syslog ORDER BY TimeGenerated`, 0)
	require.NoError(t, err)
	require.Equal(t, schema.TypeDatetime, res.Columns[0].Type)
	require.Equal(t, schema.TypeString, res.Columns[1].Type)
	require.Equal(t, [][]any{
		{base, "one", "b1-0", base, nil},
		{base.Add(time.Second), "two", "b1-1", base, nil},
	}, res.Rows)

	res, err = db.Query(ctx, `SELECT SyslogMessage FROM Syslog ORDER BY 1`, 1)
	require.NoError(t, err)
	require.True(t, res.Truncated)
	require.Len(t, res.Rows, 1)
	require.NoError(t, db.Close())

	db = open(t, path)
	defer db.Close()
	require.NoError(t, db.EnsureTable(ctx, tb))
	// A replay of the same batch after a reopen is skipped, even beside a new one.
	skipped, err = db.Append(ctx, []*batch.Batch{b1, syslogBatch(t, tb, "b2", base, "three")})
	require.NoError(t, err)
	require.Equal(t, []*batch.Batch{b1}, skipped)
	res, err = db.Query(ctx, `SELECT count(*) FROM Syslog`, 0)
	require.NoError(t, err)
	require.Equal(t, int64(3), res.Rows[0][0])
	n, err := db.DeleteBefore(ctx, tb, base.Add(500*time.Millisecond))
	require.NoError(t, err)
	require.Equal(t, int64(2), n, "one and three are before the cutoff")
}

func TestAppendIsAtomic(t *testing.T) {
	ctx := context.Background()
	db := open(t, filepath.Join(t.TempDir(), "events.duckdb"))
	defer db.Close()
	cat := schema.NewCatalog()
	tb, _ := cat.Table("Syslog")
	require.NoError(t, db.EnsureTable(ctx, tb))
	good := syslogBatch(t, tb, "g", time.Now(), "a", "b")
	bad := &batch.Batch{ID: "x", Table: "NoSuchTable", Len: 1, Columns: good.Columns}
	_, err := db.Append(ctx, []*batch.Batch{good, bad})
	require.Error(t, err)
	res, err := db.Query(ctx, `SELECT count(*) FROM Syslog`, 0)
	require.NoError(t, err)
	require.Equal(t, int64(0), res.Rows[0][0], "a failed append leaves nothing behind")
	skipped, err := db.Append(ctx, []*batch.Batch{good})
	require.NoError(t, err)
	require.Empty(t, skipped, "the failed append did not record the batch id")
}

func TestEnsureTableAddsNewColumns(t *testing.T) {
	ctx := context.Background()
	db := open(t, filepath.Join(t.TempDir(), "events.duckdb"))
	defer db.Close()
	cat := schema.NewCatalog()
	_, err := cat.AddCustom("App_CL", []schema.Column{{Name: "Msg", Type: schema.TypeString}})
	require.NoError(t, err)
	tb, _ := cat.Table("App_CL")
	require.NoError(t, db.EnsureTable(ctx, tb))

	cat2 := schema.NewCatalog()
	tb2, err := cat2.AddCustom("App_CL", []schema.Column{{Name: "Msg", Type: schema.TypeString}, {Name: "Count", Type: schema.TypeLong}, {Name: "Span", Type: schema.TypeTimespan}})
	require.NoError(t, err)
	db2 := db
	require.NoError(t, db2.EnsureTable(ctx, tb2))
	b := batch.NewBuilder(tb2)
	_, tp, _ := tb2.Column("TimeGenerated")
	_, cp, _ := tb2.Column("Count")
	_, sp, _ := tb2.Column("Span")
	b.Begin()
	b.SetInt(tp, 0)
	b.SetInt(cp, 5)
	b.SetInt(sp, 1500)
	b.Commit()
	_, err = db.Append(ctx, []*batch.Batch{b.Finish("c", 0)})
	require.NoError(t, err)
	res, err := db.Query(ctx, `SELECT "Count", Span FROM App_CL`, 0)
	require.NoError(t, err)
	require.Equal(t, []any{int64(5), 1500 * time.Microsecond}, res.Rows[0])
	require.Equal(t, schema.TypeTimespan, res.Columns[1].Type)
}

func TestSparseColumnsBehindTheView(t *testing.T) {
	ctx := context.Background()
	db := open(t, filepath.Join(t.TempDir(), "events.duckdb"))
	defer db.Close()
	tb, _ := schema.NewCatalog().Table("DeviceEvents")
	require.NoError(t, db.EnsureTable(ctx, tb))
	mk := func(id, col, val string) *batch.Batch {
		b := batch.NewBuilder(tb)
		_, tp, _ := tb.Column("Timestamp")
		_, cp, _ := tb.Column(col)
		b.Begin()
		b.SetInt(tp, 1_700_000_000_000_000)
		b.SetString(cp, val)
		b.Commit()
		return b.Finish(id, 1_700_000_000_000_000)
	}
	_, err := db.Append(ctx, []*batch.Batch{mk("a", "DeviceName", "ws-1")})
	require.NoError(t, err)
	_, err = db.Append(ctx, []*batch.Batch{mk("b", "ActionType", "ServiceInstalled"), mk("c", "DeviceName", "ws-3")})
	require.NoError(t, err)

	res, err := db.Query(ctx, `SELECT DeviceName, ActionType, FileName, _ItemId FROM DeviceEvents ORDER BY _ItemId`, 0)
	require.NoError(t, err)
	require.Equal(t, [][]any{{"ws-1", nil, nil, "a-0"}, {nil, "ServiceInstalled", nil, "b-0"}, {"ws-3", nil, nil, "c-0"}}, res.Rows)
	res, err = db.Query(ctx, `SELECT count(*) FROM information_schema.columns WHERE table_name = 'DeviceEvents'`, 0)
	require.NoError(t, err)
	require.Equal(t, int64(len(tb.Columns)), res.Rows[0][0], "the view shows every catalogue column")
	res, err = db.Query(ctx, `SELECT count(*) FROM information_schema.columns WHERE table_name = '_t_DeviceEvents'`, 0)
	require.NoError(t, err)
	require.Equal(t, int64(6), res.Rows[0][0], "the base table holds time, the two set columns and three system columns")

	// A failed transaction that added a column leaves the store consistent.
	bad := mk("d", "FileName", "x.exe")
	bad2 := &batch.Batch{ID: "e", Table: "NoSuchTable", Len: 1, Columns: bad.Columns}
	_, err = db.Append(ctx, []*batch.Batch{bad, bad2})
	require.Error(t, err)
	_, err = db.Append(ctx, []*batch.Batch{bad})
	require.NoError(t, err)
	res, err = db.Query(ctx, `SELECT FileName FROM DeviceEvents WHERE _ItemId = 'd-0'`, 0)
	require.NoError(t, err)
	require.Equal(t, [][]any{{"x.exe"}}, res.Rows)
}
