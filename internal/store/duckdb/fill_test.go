package duckdb_test

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/store/duckdb"
)

// fillStrings are the strings the fill tests store: empty, short, exactly 12 bytes (the longest DuckDB keeps
// inside its string_t) and 13, multi-byte UTF-8 on both sides of that boundary, NUL bytes and long ones. fillRows
// adds a string longer than the scan's 1 MiB arena blocks on two rows, and text that is not UTF-8.
var fillStrings = []string{
	"",
	"a",
	"abcdefghijkl",  // 12 bytes
	"abcdefghijklm", // 13 bytes
	"éééééé",        // 12 bytes, 6 runes
	"aéééééé",       // 13 bytes, the last rune across the boundary
	"🙂🙂🙂",           // 12 bytes
	"🙂🙂🙂🙂",          // 16 bytes
	"日本語のテキスト、少し長め",
	"a\x00b",
	"nul in a longer string:\x00 after it",
	strings.Repeat("long ✓ ", 700),
}

// fillHuge is longer than an arena block.
var fillHuge = strings.Repeat("x", 1<<20+17)

// fillInvalidUTF8 are texts that are not UTF-8; DuckDB stores them as NULL in a VARCHAR column.
var fillInvalidUTF8 = []string{"\xff", "abc\xc3", "\xed\xa0\x80 a surrogate", "\xc0\xaf overlong and long enough"}

// fillDynamics are dynamic values with the JSON text stored for each (what the appender path stores too).
var fillDynamics = []struct{ in, want string }{
	{`{"k":1,"a":[1,"x"]}`, `{"k":1,"a":[1,"x"]}`},
	{`{not json`, `"{not json"`},
	{`"a string of thirteen+"`, `"a string of thirteen+"`},
	{`12`, `12`},
	{``, `""`},
	{`"é"`, `"é"`},
	{`[` + strings.Repeat(`"élan",`, 300) + `1]`, `[` + strings.Repeat(`"élan",`, 300) + `1]`},
}

// fillRow is one row of the typed table as the test writes it; a nil field is a null.
type fillRow struct {
	s, g, j *string
	i, l    *int64
	r       *float64
	b       *bool
	d, t    *int64
}

func ptr[T any](v T) *T { return &v }

// fillRows makes n rows cycling through the edge values, each column null on a different row of every 7.
func fillRows(n int, base time.Time) ([]fillRow, []any) {
	ints := []int64{0, -1, math.MaxInt32, math.MinInt32, 42}
	longs := []int64{0, math.MaxInt64, math.MinInt64, -7, 1 << 40}
	reals := []float64{0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), math.MaxFloat64, -1.5e-300}
	times := []int64{0, -1, base.UnixMicro(), time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro(),
		time.Date(2200, 12, 31, 23, 59, 59, 999999000, time.UTC).UnixMicro()}
	spans := []int64{0, -1, 1, 86_400_000_000 * 400, -3_600_000_001}
	rows := make([]fillRow, n)
	wantJ := make([]any, n)
	for i := range rows {
		r := &rows[i]
		s := fillStrings[i%len(fillStrings)]
		if i%5 == 4 {
			s = fillInvalidUTF8[(i/5)%len(fillInvalidUTF8)]
		}
		dyn := fillDynamics[i%len(fillDynamics)]
		g := fillStrings[(i+3)%len(fillStrings)]
		switch i {
		case 100:
			s = fillHuge
		case 2100:
			g = fillHuge
		}
		r.s, r.g, r.j = ptr(s), ptr(g), ptr(dyn.in)
		wantJ[i] = dyn.want
		r.i, r.l, r.r = ptr(ints[i%len(ints)]), ptr(longs[i%len(longs)]), ptr(reals[i%len(reals)])
		r.b, r.d, r.t = ptr(i%3 == 0), ptr(times[i%len(times)]), ptr(spans[i%len(spans)])
		switch i % 7 {
		case 0:
			r.s = nil
		case 1:
			r.i, r.j, wantJ[i] = nil, nil, nil
		case 2:
			r.l, r.g = nil, nil
		case 3:
			r.r, r.b = nil, nil
		case 4:
			r.d = nil
		case 5:
			r.t = nil
		}
	}
	return rows, wantJ
}

// fillBatch builds a batch of tb from rows; cols limits the columns it sets (nil: all).
func fillBatch(t *testing.T, tb *schema.Table, id string, received time.Time, base time.Time, rows []fillRow, cols map[string]bool) *batch.Batch {
	b := batch.NewBuilder(tb)
	pos := func(name string) int {
		_, p, ok := tb.Column(name)
		require.True(t, ok, name)
		return p
	}
	use := func(name string) bool { return cols == nil || cols[name] }
	tg := pos("TimeGenerated")
	for i, r := range rows {
		b.Begin()
		b.SetInt(tg, base.Add(time.Duration(i)*time.Millisecond).UnixMicro())
		for name, v := range map[string]*string{"S": r.s, "G": r.g, "J": r.j} {
			if v != nil && use(name) {
				b.SetString(pos(name), *v)
			}
		}
		for name, v := range map[string]*int64{"I": r.i, "L": r.l, "D": r.d, "T": r.t} {
			if v != nil && use(name) {
				b.SetInt(pos(name), *v)
			}
		}
		if r.r != nil && use("R") {
			b.SetFloat(pos("R"), *r.r)
		}
		if r.b != nil && use("B") {
			b.SetBool(pos("B"), *r.b)
		}
		b.Commit()
	}
	return b.Finish(id, received.UnixMicro())
}

// fillWant is the row the typed query (see fillQuery) must return for r, row i of batch id.
func fillWant(id string, i int, r fillRow, wantJ any, received, base time.Time, cols map[string]bool) []any {
	use := func(name string) bool { return cols == nil || cols[name] }
	str := func(name string, v *string) any {
		if v == nil || !use(name) {
			return nil
		}
		for _, bad := range fillInvalidUTF8 {
			if *v == bad {
				return nil
			}
		}
		return *v
	}
	num := func(name string, v *int64, conv func(int64) any) any {
		if v == nil || !use(name) {
			return nil
		}
		return conv(*v)
	}
	row := []any{fmt.Sprintf("%s-%d", id, i), base.Add(time.Duration(i) * time.Millisecond), str("S", r.s),
		num("I", r.i, func(x int64) any { return x }), num("L", r.l, func(x int64) any { return x })}
	if r.r != nil && use("R") {
		row = append(row, *r.r)
	} else {
		row = append(row, nil)
	}
	if r.b != nil && use("B") {
		row = append(row, *r.b)
	} else {
		row = append(row, nil)
	}
	row = append(row, num("D", r.d, func(x int64) any { return time.UnixMicro(x).UTC() }),
		num("T", r.t, func(x int64) any { return time.Duration(x) * time.Microsecond }))
	if use("J") {
		row = append(row, wantJ)
	} else {
		row = append(row, nil)
	}
	return append(row, str("G", r.g), received)
}

// fillQuery reads the base table, whose hidden _BatchId and _Row order the rows as written.
const fillQuery = `SELECT "_BatchId" || '-' || CAST("_Row" AS VARCHAR), TimeGenerated, S, I, L, R, B, D, T, CAST(J AS VARCHAR), G, ` +
	`_TimeReceived FROM "_t_Typed_CL" ORDER BY "_BatchId", "_Row"`

func fillOpen(t *testing.T, opts duckdb.Options) (*duckdb.DB, *schema.Table) {
	ctx := context.Background()
	tb := typedTable(t)
	db, err := duckdb.Open(ctx, filepath.Join(t.TempDir(), "events.duckdb"), opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	require.NoError(t, db.EnsureTable(ctx, tb))
	return db, tb
}

// Every column type is stored and read back equal to what was written, through the columnar path: nulls in every
// column, edge numbers, and strings inlined (at most 12 bytes) or not, multi-byte, with NUL bytes, long and longer
// than an arena block; text that is not UTF-8 is stored as NULL, as DuckDB's appender stores it.
func TestFillStoresEveryTypeAndEdgeStrings(t *testing.T) {
	ctx := context.Background()
	base := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	received := base.Add(time.Minute)
	rows, wantJ := fillRows(2*2048+91, base) // three chunks; the long strings repeat every 13 rows
	var want [][]any
	for i, r := range rows {
		want = append(want, fillWant("e", i, r, wantJ[i], received, base, nil))
	}
	read := func(opts duckdb.Options) [][]any {
		db, tb := fillOpen(t, opts)
		skipped, err := db.Append(ctx, []*batch.Batch{fillBatch(t, tb, "e", received, base, rows, nil)})
		require.NoError(t, err)
		require.Empty(t, skipped)
		res, err := db.Query(ctx, fillQuery, 0)
		require.NoError(t, err)
		return res.Rows
	}
	got := read(duckdb.Options{Threads: 2})
	require.Len(t, got, len(want))
	for i := range want {
		require.Equal(t, want[i], got[i], "row %d", i)
	}
	// DuckDB's own appender agrees, including on which texts are not UTF-8.
	appender := read(duckdb.Options{Threads: 2, RowAppender: true})
	for i := range want {
		require.Equal(t, appender[i], got[i], "row %d", i)
	}
}

// Batches whose columns differ go into one statement over the union of their columns: a batch's missing columns
// are null, and a chunk that spans two batches takes each row's batch id, row and receive time from its own batch.
func TestFillBatchesWhoseColumnsDiffer(t *testing.T) {
	ctx := context.Background()
	db, tb := fillOpen(t, duckdb.Options{Threads: 2})
	base := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	type part struct {
		id   string
		n    int
		cols map[string]bool
	}
	parts := []part{
		{"a", 1500, map[string]bool{"S": true, "I": true, "D": true}},
		{"b", 1, map[string]bool{"L": true, "J": true}},
		{"c", 600, map[string]bool{"R": true, "B": true, "T": true, "G": true, "J": true}},
		{"d", 3000, nil},
		{"e", 7, map[string]bool{}},
	}
	var batches []*batch.Batch
	var want [][]any
	for k, p := range parts {
		received := base.Add(time.Duration(k+1) * time.Hour)
		rows, wantJ := fillRows(p.n, base)
		batches = append(batches, fillBatch(t, tb, p.id, received, base, rows, p.cols))
		for i, r := range rows {
			want = append(want, fillWant(p.id, i, r, wantJ[i], received, base, p.cols))
		}
	}
	skipped, err := db.Append(ctx, batches)
	require.NoError(t, err)
	require.Empty(t, skipped)
	res, err := db.Query(ctx, fillQuery, 0)
	require.NoError(t, err)
	require.Len(t, res.Rows, len(want))
	for i := range want {
		require.Equal(t, want[i], res.Rows[i], "row %d", i)
	}
	// Per-column counts agree: batch a set S (null on some rows) and neither L nor R.
	res, err = db.Query(ctx, `SELECT count(S), count(L), count(R), count(*) FROM "_t_Typed_CL" WHERE "_BatchId" = 'a'`, 0)
	require.NoError(t, err)
	require.Equal(t, []any{int64(countSet(want[:1500], 2)), int64(0), int64(0), int64(1500)}, res.Rows[0])
}

// countSet counts the rows whose column k is not null.
func countSet(rows [][]any, k int) int {
	n := 0
	for _, r := range rows {
		if r[k] != nil {
			n++
		}
	}
	return n
}

// FuzzFillStringsAsTheAppender stores arbitrary bytes as a string, a guid and a dynamic value through the columnar
// path and through DuckDB's appender, and requires the same rows back: the scan's own UTF-8 check and string_t
// layout agree with DuckDB's assignment for any input.
func FuzzFillStringsAsTheAppender(f *testing.F) {
	for _, s := range append(append([]string{}, fillStrings...), fillInvalidUTF8...) {
		f.Add(s, s)
	}
	for _, d := range fillDynamics {
		f.Add(d.in, "abcdefghijkl\xf0\x9f\x99")
	}
	f.Add("\xf4\x90\x80\x80 beyond U+10FFFF", "\xef\xbf\xbe")
	ctx := context.Background()
	base := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	tb := typedTable(f)
	dbs := make([]*duckdb.DB, 2)
	for i, opts := range []duckdb.Options{{Threads: 1}, {Threads: 1, RowAppender: true}} {
		db, err := duckdb.Open(ctx, filepath.Join(f.TempDir(), fmt.Sprint(i), "events.duckdb"), opts)
		require.NoError(f, err)
		f.Cleanup(func() { _ = db.Close() })
		require.NoError(f, db.EnsureTable(ctx, tb))
		dbs[i] = db
	}
	n := 0
	f.Fuzz(func(t *testing.T, s, other string) {
		n++
		id := fmt.Sprintf("f%d", n)
		rows := []fillRow{{s: ptr(s), g: ptr(other), j: ptr(s)}, {s: ptr(other), g: ptr(s), j: ptr(other)}, {s: ptr(s)}}
		var got [][]any
		for _, db := range dbs {
			_, err := db.Append(ctx, []*batch.Batch{fillBatch(t, tb, id, base, base, rows, nil)})
			require.NoError(t, err)
			res, err := db.Query(ctx, `SELECT S, G, CAST(J AS VARCHAR), strlen(S) FROM "_t_Typed_CL" WHERE "_BatchId" = '`+id+`' ORDER BY "_Row"`, 0)
			require.NoError(t, err)
			got = append(got, flatten(res.Rows))
		}
		require.Equal(t, got[1], got[0])
	})
}

func flatten(rows [][]any) []any {
	var out []any
	for _, r := range rows {
		out = append(out, r...)
	}
	return out
}
