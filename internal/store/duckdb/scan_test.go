package duckdb_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/store/duckdb"
)

// typedTable is a custom table with a column of every KQL type.
func typedTable(t testing.TB) *schema.Table {
	cat := schema.NewCatalog()
	tb, err := cat.AddCustom("Typed_CL", []schema.Column{
		{Name: "S", Type: schema.TypeString}, {Name: "I", Type: schema.TypeInt}, {Name: "L", Type: schema.TypeLong},
		{Name: "R", Type: schema.TypeReal}, {Name: "B", Type: schema.TypeBool}, {Name: "D", Type: schema.TypeDatetime},
		{Name: "T", Type: schema.TypeTimespan}, {Name: "J", Type: schema.TypeDynamic}, {Name: "G", Type: schema.TypeGUID},
	})
	require.NoError(t, err)
	return tb
}

// typedBatch has n rows; row i sets every column except the one numbered i % 10 (10: none left out), so every
// column has nulls and values, and the dynamic column alternates between an object, invalid JSON and a string.
func typedBatch(t *testing.T, tb *schema.Table, id string, n int, base time.Time) *batch.Batch {
	b := batch.NewBuilder(tb)
	pos := func(name string) int {
		_, p, ok := tb.Column(name)
		require.True(t, ok, name)
		return p
	}
	tp := pos("TimeGenerated")
	for i := 0; i < n; i++ {
		b.Begin()
		b.SetInt(tp, base.Add(time.Duration(i)*time.Second).UnixMicro())
		skip := i % 10
		if skip != 0 {
			b.SetString(pos("S"), fmt.Sprintf("text %d with a tail longer than twelve bytes", i))
		}
		if skip != 1 {
			b.SetInt(pos("I"), int64(-i))
		}
		if skip != 2 {
			b.SetInt(pos("L"), int64(i)<<33)
		}
		if skip != 3 {
			b.SetFloat(pos("R"), float64(i)+0.25)
		}
		if skip != 4 {
			b.SetBool(pos("B"), i%3 == 0)
		}
		if skip != 5 {
			b.SetInt(pos("D"), base.Add(time.Duration(i)*time.Millisecond).UnixMicro())
		}
		if skip != 6 {
			b.SetInt(pos("T"), int64(i)*1500)
		}
		if skip != 7 {
			switch i % 3 {
			case 0:
				b.SetString(pos("J"), fmt.Sprintf(`{"k":%d,"a":[1,"x"]}`, i))
			case 1:
				b.SetString(pos("J"), `{not json`)
			default:
				b.SetString(pos("J"), `"a string"`)
			}
		}
		if skip != 8 {
			b.SetString(pos("G"), fmt.Sprintf("00000000-0000-0000-0000-%012d", i))
		}
		b.Commit()
	}
	return b.Finish(id, base.UnixMicro())
}

const typedQuery = `SELECT _ItemId, TimeGenerated, S, I, L, R, B, D, T, CAST(J AS VARCHAR), J.k, G, _TimeReceived FROM Typed_CL ORDER BY _ItemId`

// The columnar path stores exactly what DuckDB's appender stores, for every type, null and value, across batches
// longer than one DuckDB vector (2,048 rows) and in one transaction with several batches.
func TestColumnarPathStoresWhatTheAppenderStores(t *testing.T) {
	ctx := context.Background()
	base := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	read := func(opts duckdb.Options) [][]any {
		tb := typedTable(t)
		db, err := duckdb.Open(ctx, filepath.Join(t.TempDir(), "events.duckdb"), opts)
		require.NoError(t, err)
		defer db.Close()
		require.NoError(t, db.EnsureTable(ctx, tb))
		batches := []*batch.Batch{typedBatch(t, tb, "a", 5000, base), typedBatch(t, tb, "b", 3, base.Add(time.Hour)), typedBatch(t, tb, "c", 2049, base)}
		skipped, err := db.Append(ctx, batches)
		require.NoError(t, err)
		require.Empty(t, skipped)
		res, err := db.Query(ctx, typedQuery, 0)
		require.NoError(t, err)
		return res.Rows
	}
	columnar := read(duckdb.Options{Threads: 2})
	appender := read(duckdb.Options{Threads: 2, RowAppender: true})
	require.Len(t, columnar, 5000+3+2049)
	require.Equal(t, appender, columnar)

	// Spot checks against the values written, so equality above is not equality of two wrong answers.
	byID := map[string][]any{}
	for _, r := range columnar {
		byID[r[0].(string)] = r
	}
	r := byID["a-4095"] // 4095 % 10 == 5: D is null; 4095 % 3 == 0: J is an object
	require.Equal(t, []any{"a-4095", base.Add(4095 * time.Second), "text 4095 with a tail longer than twelve bytes",
		int64(-4095), int64(4095) << 33, 4095.25, true, nil, 4095 * 1500 * time.Microsecond, `{"k":4095,"a":[1,"x"]}`,
		float64(4095), "00000000-0000-0000-0000-000000004095", base}, r)
	r = byID["a-4"] // B is null; J was not JSON, so it is stored as a JSON string
	require.Nil(t, r[6])
	require.Equal(t, `"{not json"`, r[9])
	require.Nil(t, r[10])
	require.Equal(t, base.Add(time.Hour), byID["b-2"][12], "the receive time is the batch's")
	require.Equal(t, `"a string"`, byID["c-2048"][9])
}

// A replay of batches already written through the columnar path is skipped, in the same transaction as new ones.
func TestColumnarPathReplayIsSkipped(t *testing.T) {
	ctx := context.Background()
	tb := typedTable(t)
	db := open(t, filepath.Join(t.TempDir(), "events.duckdb"))
	defer db.Close()
	require.NoError(t, db.EnsureTable(ctx, tb))
	base := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	a, b := typedBatch(t, tb, "a", 3000, base), typedBatch(t, tb, "b", 10, base)
	_, err := db.Append(ctx, []*batch.Batch{a})
	require.NoError(t, err)
	skipped, err := db.Append(ctx, []*batch.Batch{a, b, a})
	require.NoError(t, err)
	require.Equal(t, []*batch.Batch{a, a}, skipped)
	res, err := db.Query(ctx, `SELECT count(*), count(DISTINCT _ItemId) FROM Typed_CL`, 0)
	require.NoError(t, err)
	require.Equal(t, []any{int64(3010), int64(3010)}, res.Rows[0])
}

// A batch whose column type disagrees with the table's is refused with a clear error, and nothing of its
// transaction is kept.
func TestColumnarPathRefusesMistypedColumn(t *testing.T) {
	ctx := context.Background()
	tb := typedTable(t)
	db := open(t, filepath.Join(t.TempDir(), "events.duckdb"))
	defer db.Close()
	require.NoError(t, db.EnsureTable(ctx, tb))
	base := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	good := typedBatch(t, tb, "good", 5, base)
	bad := typedBatch(t, tb, "bad", 5, base)
	for _, c := range bad.Columns {
		if c.Name == "S" {
			c.Type = schema.TypeBool
			c.Bools = make([]bool, bad.Len)
		}
	}
	_, err := db.Append(ctx, []*batch.Batch{good, bad})
	require.ErrorContains(t, err, "batch bad: column S is bool, the table's is string")
	res, err := db.Query(ctx, `SELECT count(*) FROM Typed_CL`, 0)
	require.NoError(t, err)
	require.Equal(t, int64(0), res.Rows[0][0])
}

// The table function serves only the writer's registered jobs: called from a query with any other id, it fails
// with an error naming it, and the store goes on working.
func TestBatchScanUnknownJob(t *testing.T) {
	ctx := context.Background()
	db := open(t, filepath.Join(t.TempDir(), "events.duckdb"))
	defer db.Close()
	for _, id := range []string{"0", "7", "-1", "9223372036854775807", "NULL"} {
		_, err := db.Query(ctx, `SELECT * FROM vigil_batch_scan(`+id+`)`, 0)
		require.ErrorContains(t, err, "vigil_batch_scan: no batches registered as "+id)
	}
	res, err := db.Query(ctx, `SELECT 1`, 0)
	require.NoError(t, err)
	require.Equal(t, int64(1), res.Rows[0][0])
}

// The ledger records every batch a transaction wrote, in one statement, once: a batch repeated in the same call and
// batches of two tables are recorded, and a later replay of any of them is skipped.
func TestLedgerRecordsEachWrittenBatchOnce(t *testing.T) {
	ctx := context.Background()
	tb := typedTable(t)
	sys, ok := schema.NewCatalog().Table("Syslog")
	require.True(t, ok)
	db := open(t, filepath.Join(t.TempDir(), "events.duckdb"))
	defer db.Close()
	require.NoError(t, db.EnsureTable(ctx, tb))
	require.NoError(t, db.EnsureTable(ctx, sys))
	base := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	a, b, c := typedBatch(t, tb, "a", 20, base), typedBatch(t, tb, "b", 10, base), syslogBatch(t, sys, "c", base, "one")
	skipped, err := db.Append(ctx, []*batch.Batch{a, c, a, b})
	require.NoError(t, err)
	require.Equal(t, []*batch.Batch{a}, skipped)
	res, err := db.Query(ctx, `SELECT id, table_name, row_count FROM "_vigil_batches" ORDER BY id`, 0)
	require.NoError(t, err)
	require.Equal(t, [][]any{{"a", "Typed_CL", int64(20)}, {"b", "Typed_CL", int64(10)}, {"c", "Syslog", int64(1)}}, res.Rows)
	skipped, err = db.Append(ctx, []*batch.Batch{c, b, a})
	require.NoError(t, err)
	require.Equal(t, []*batch.Batch{c, b, a}, skipped)
	res, err = db.Query(ctx, `SELECT count(*) FROM Typed_CL`, 0)
	require.NoError(t, err)
	require.Equal(t, int64(30), res.Rows[0][0])
}
