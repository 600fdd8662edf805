package kql_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/kql"
	"github.com/vigilsec/vigil/internal/kql/kqltest"
	"github.com/vigilsec/vigil/internal/schema"
)

// TestExecRowWindowSession runs row_window_session on DuckDB. The first case is the example of the Kusto
// documentation with its documented output; the others follow the documented rules one at a time.
func TestExecRowWindowSession(t *testing.T) {
	db := kqltest.OpenStore(t)
	const docs = `datatable (ID:string, Timestamp:datetime) [
    "1", datetime(2024-04-11 10:00:00),
    "2", datetime(2024-04-11 10:18:00),
    "1", datetime(2024-04-11 11:00:00),
    "3", datetime(2024-04-11 11:30:00),
    "2", datetime(2024-04-11 13:30:00),
    "2", datetime(2024-04-11 10:16:00)
]
| sort by ID asc, Timestamp asc
| extend SessionStarted = row_window_session(Timestamp, 1h, 5m, ID != prev(ID))`
	// Minutes after 10:00 as times of one day.
	const mins = `datatable(m:long)[0, 4, 8, 12, 30, 31, 50, 52, 54, 56, 58, 60, 70] | extend t = datetime(2024-01-01 10:00) + m * 1m | serialize`
	cases := []struct{ name, kql, want string }{
		{"documented-example", docs, "\"1\" | 2024-04-11T10:00:00Z | 2024-04-11T10:00:00Z\n" +
			"\"1\" | 2024-04-11T11:00:00Z | 2024-04-11T11:00:00Z\n" +
			"\"2\" | 2024-04-11T10:16:00Z | 2024-04-11T10:16:00Z\n" +
			"\"2\" | 2024-04-11T10:18:00Z | 2024-04-11T10:16:00Z\n" +
			"\"2\" | 2024-04-11T13:30:00Z | 2024-04-11T13:30:00Z\n" +
			"\"3\" | 2024-04-11T11:30:00Z | 2024-04-11T11:30:00Z"},
		// Neighbours 4m apart stay in a session of at most 10m from its first value: 0,4,8 | 12 | 30,31 | 50,52,54,56,58 | 60 | 70.
		{"from-first-and-neighbours", mins + ` | extend s = row_window_session(t, 10m, 5m) | project m, d = (s - datetime(2024-01-01 10:00)) / 1m`,
			"0 | 0\n4 | 0\n8 | 0\n12 | 12\n30 | 30\n31 | 30\n50 | 50\n52 | 50\n54 | 50\n56 | 50\n58 | 50\n60 | 60\n70 | 70"},
		// A gap equal to the neighbour distance starts a session (equals or exceeds).
		{"gap-equal-starts", `datatable(t:datetime)[datetime(2024-01-01 10:00), datetime(2024-01-01 10:05), datetime(2024-01-01 10:09)] | serialize | extend s = row_window_session(t, 1h, 5m) | project s`,
			"2024-01-01T10:00:00Z\n2024-01-01T10:05:00Z\n2024-01-01T10:05:00Z"},
		// A null value has no session, and the next value starts one.
		{"null-value", `datatable(t:datetime)[datetime(2024-01-01 10:00), datetime(null), datetime(2024-01-01 10:01), datetime(2024-01-01 10:02)] | serialize | extend s = row_window_session(t, 1h, 5m) | project s`,
			"2024-01-01T10:00:00Z\nnull\n2024-01-01T10:01:00Z\n2024-01-01T10:01:00Z"},
		{"restart", `datatable(t:datetime, r:bool)[datetime(2024-01-01 10:00), false, datetime(2024-01-01 10:01), true, datetime(2024-01-01 10:02), false] | serialize | extend s = row_window_session(t, 1h, 5m, r) | project s`,
			"2024-01-01T10:00:00Z\n2024-01-01T10:01:00Z\n2024-01-01T10:01:00Z"},
		// The session column works with the other window functions, and in an expression, and grouped on.
		{"with-other-window-functions", mins + ` | extend s = row_window_session(t, 10m, 5m), n = row_number(), p = prev(m), c = row_cumsum(m) | summarize count(), max(n), sum(p), max(c) by s | order by s asc | take 3`,
			"2024-01-01T10:00:00Z | 3 | 3 | 4 | 12\n2024-01-01T10:12:00Z | 1 | 4 | 8 | 24\n2024-01-01T10:30:00Z | 2 | 6 | 42 | 85"},
		{"in-an-expression", mins + ` | extend d = datetime_diff('minute', t, row_window_session(t, 10m, 5m)) | summarize max(d)`, "8"},
		{"let-distance", `let w = 10m; ` + mins + ` | extend s = row_window_session(t, w, w / 2) | summarize dcount(s)`, "6"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, run(t, db, c.kql))
		})
	}
}

// TestRowWindowSessionErrors checks the arguments the documentation requires: a datetime and constant timespans.
func TestRowWindowSessionErrors(t *testing.T) {
	const src = `datatable(t:datetime, n:long, d:timespan)[] | serialize | extend `
	cases := []struct{ name, call, want string }{
		{"not-a-datetime", `row_window_session(n, 1h, 5m)`, "1:85: row_window_session() expects a datetime, got long"},
		{"not-a-timespan", `row_window_session(t, 1, 5m)`, "1:88: row_window_session() expects a timespan distance, got long"},
		{"column-distance", `row_window_session(t, 1h, d)`, "1:92: row_window_session() needs a constant distance"},
		{"arguments", `row_window_session(t, 1h)`, "1:66: row_window_session() takes 3 to 4 arguments, got 2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, errs := kql.Compile(src+c.call, schema.NewCatalog())
			require.NotEmpty(t, errs)
			require.Equal(t, c.want, errs[0].Error())
		})
	}
}

// TestExecPrevNextDefault checks prev() and next() with a default of another type than the value, as the public
// "Device uptime calculation" query writes next(Timestamp, 1, 0).
func TestExecPrevNextDefault(t *testing.T) {
	db := kqltest.OpenStore(t)
	got := run(t, db, `datatable(t:datetime)[datetime(2024-01-01), datetime(2024-01-02)] | serialize | extend n = next(t, 1, 0), p = prev(t, 1, 1) | project n, p`)
	require.Equal(t, "2024-01-02T00:00:00Z | 0001-01-01T00:00:00Z\n0001-01-01T00:00:00Z | 2024-01-01T00:00:00Z", got)
}

// TestExecRowRankAlias checks row_rank, the earlier name of row_rank_dense that a public hunting query uses, on the
// documentation's row_rank_dense example (ranks 1, 2, 2, 2, 3).
func TestExecRowRankAlias(t *testing.T) {
	db := kqltest.OpenStore(t)
	got := run(t, db, `datatable(Departures:long)[3, 100, 3, 2, 3] | sort by Departures asc | extend Rank = row_rank(Departures), Dense = row_rank_dense(Departures) | summarize make_list(Rank), make_list(Dense)`)
	require.Equal(t, "[1,2,2,2,3] | [1,2,2,2,3]", got)
}
