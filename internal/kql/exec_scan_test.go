package kql_test

import (
	"context"

	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/kql"
	"github.com/vigilsec/vigil/internal/kql/kqltest"
	"github.com/vigilsec/vigil/internal/schema"
)

// The scan operator runs in Go inside DuckDB; the expected rows are worked by hand from the match logic of the
// scan documentation (checks from the last step to the first; a sequence moves on or repeats a step).
func TestExecScan(t *testing.T) {
	db := kqltest.OpenStore(t)
	cases := []struct{ name, kql, want string }{
		{"running-sum", `range x from 1 to 4 step 1
| scan declare (total: long = 10) with (step s: true => total = x + s.total;)`,
			"1 | 11\n2 | 13\n3 | 16\n4 | 20"},
		{"reset-at-threshold", `datatable(x: long)[3, 4, 5, 1, 2]
| scan declare (acc: long = 0) with (step s: true => acc = iff(s.acc >= 7, x, x + s.acc);)`,
			"3 | 3\n4 | 7\n5 | 5\n1 | 6\n2 | 8"},
		{"fill-forward-real", `datatable(t: long, v: real)[1, 1.5, 2, real(null), 3, real(null), 4, 2.5]
| sort by t asc
| scan declare (f: real) with (step s: true => f = iff(isnull(v), s.f, v);)
| project t, f`,
			"1 | 1.5\n2 | 1.5\n3 | 1.5\n4 | 2.5"},
		// A session lasts while rows come within 10 minutes of its first row; the step that ends it outputs nothing.
		{"sessions-match-id", `datatable(Ts: timespan, E: string)[0m, "a", 4m, "b", 12m, "c", 15m, "d", 30m, "e"]
| sort by Ts asc
| scan with_match_id = sid declare (start: timespan) with (
    step open: true => start = iff(isnull(open.start), Ts, open.start);
    step close output=none: Ts - open.start > 10m;
)`,
			"00:00:00 | \"a\" | 00:00:00 | 0\n00:04:00 | \"b\" | 00:00:00 | 0\n00:12:00 | \"c\" | 00:12:00 | 1\n00:15:00 | \"d\" | 00:12:00 | 1\n" +
				"00:30:00 | \"e\" | 00:30:00 | 2"},
		// Start, then anything within 5 minutes, then Stop: rows outside a sequence are not output.
		{"funnel", `datatable(Ts: timespan, E: string)[0m, "x", 1m, "Start", 2m, "y", 4m, "Stop", 5m, "z", 7m, "Start", 20m, "Stop"]
| sort by Ts asc
| scan with_match_id = m with (
    step s1: E == "Start";
    step s2: E != "Start" and E != "Stop" and Ts - s1.Ts <= 5m;
    step s3: E == "Stop" and Ts - s1.Ts <= 5m;
)
| project Ts, E, m`,
			"00:01:00 | \"Start\" | 0\n00:02:00 | \"y\" | 0\n00:04:00 | \"Stop\" | 0\n00:07:00 | \"Start\" | 1"},
		{"login-logout-datetimes", `datatable(ts: datetime, u: long, ev: string)[
    datetime(2024-01-01 08:00), 1, "login", datetime(2024-01-01 09:30), 1, "logout",
    datetime(2024-01-01 10:00), 1, "logout"]
| sort by ts asc
| scan declare (start: datetime, dur: timespan) with (
    step s1 output=none: ev == "login" => start = ts;
    step s2: ev == "logout" => start = s1.start, dur = ts - s1.start;
)
| project start, dur`,
			"2024-01-01T08:00:00Z | 01:30:00\n2024-01-01T08:00:00Z | 02:00:00"},
		// output=last keeps the last row of a run of repeated matches.
		{"output-last", `datatable(x: long)[1, 2, 3, 10, 4]
| scan with (step small output=last: x < 5;)`,
			"4"},
		{"partition-by", `datatable(k: string, x: long)["a", 1, "b", 10, "a", 2, "b", 20]
| scan partition by k declare (c: long = 0) with (step s: true => c = s.c + x;)
| sort by k asc, x asc`,
			"\"a\" | 1 | 1\n\"a\" | 2 | 3\n\"b\" | 10 | 10\n\"b\" | 20 | 30"},
		// A step may assign an input column: here a fill-forward of x without a declared column.
		{"assign-input-column", `datatable(t: long, x: long)[1, 5, 2, long(null), 3, 7, 4, long(null)]
| sort by t asc
| scan with (step s: true => x = iff(isnull(x), s.x, x);)`,
			"1 | 5\n2 | 5\n3 | 7\n4 | 7"},
		{"empty-input", `datatable(x: long)[] | scan declare (c: long = 0) with (step s: true => c = s.c + x;) | count`, "0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, run(t, db, tc.kql))
		})
	}
}

func TestScanErrors(t *testing.T) {
	for _, c := range []struct{ kql, want string }{
		{`datatable(x: long)[] | scan declare (c: long) with (step s: true => y = 1;)`, `1:69`},
		{`datatable(x: long)[] | scan declare (c: long) with (step s: true => y = 1;)`, `neither a declared nor an input column`},
		{`datatable(x: long)[] | scan with (step s: t.x > 1;)`, `unknown column or variable "t"`},
		{`datatable(x: long)[] | scan declare (x: long) with (step s: true;)`, `is an input column`},
		{`datatable(x: long)[] | scan with (step s: true; step s: false;)`, `defined twice`},
		{`datatable(x: long)[] | scan with_match_id = x with (step s: true;)`, `already a column`},
	} {
		_, errs := kql.Compile(c.kql, schema.NewCatalog())
		require.NotEmpty(t, errs, c.kql)
		require.Contains(t, errs.Render(c.kql), c.want, c.kql)
	}
}

// A step whose expression the row evaluator cannot run fails the query with an error naming it, not the process.
func TestScanRuntimeError(t *testing.T) {
	db := kqltest.OpenStore(t)
	q, errs := kql.Compile(`datatable(x: string)["a"] | scan declare (c: string) with (step s: true => c = base64_encode_tostring(x);)`, schema.NewCatalog())
	require.Nil(t, errs)
	sql, err := q.DuckDB()
	require.NoError(t, err)
	_, err = db.Query(context.Background(), sql, 10)
	require.ErrorContains(t, err, "base64_encode_tostring")
}

// Quotes in the steps' literals and in column names travel inside the quoted spec and identifiers: they match as
// data and never end the SQL string.
func TestScanQuoting(t *testing.T) {
	db := kqltest.OpenStore(t)
	got := run(t, db, `datatable(['we"ird']: string)["x'); DROP TABLE t; --", "y"]
| scan declare (hit: bool = false) with (step s: ['we"ird'] == "x'); DROP TABLE t; --" => hit = true;)`)
	require.Equal(t, `"x'); DROP TABLE t; --" | true`, got)
}

// BenchmarkScan measures scan's Go step: a running sum over 100,000 rows (the rows go to kql_scan as one JSON
// array and come back unnested).
func BenchmarkScan(b *testing.B) {
	db := kqltest.OpenStore(b)
	q, errs := kql.Compile(`range x from 1 to 100000 step 1 | scan declare (c: long = 0) with (step s: true => c = s.c + x;) | summarize max(c)`,
		schema.NewCatalog())
	require.Nil(b, errs)
	sql, err := q.DuckDB()
	require.NoError(b, err)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := db.Query(context.Background(), sql, 10)
		require.NoError(b, err)
		require.Equal(b, int64(5000050000), res.Rows[0][0])
	}
}
