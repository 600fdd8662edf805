package kql_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/kql"
	"github.com/vigilsec/vigil/internal/kql/kqltest"
	"github.com/vigilsec/vigil/internal/schema"
)

// series_fill_*, series_iir, series_seasonal and series_pearson_correlation over datatable inputs; the expected
// values follow from the documented definitions (worked by hand).
func TestExecSeriesFill(t *testing.T) {
	db := kqltest.OpenStore(t)
	cases := []struct{ name, kql, want string }{
		{"fill-backward", `datatable(a: dynamic)[dynamic([111, null, 36, null, null, 16, null])] | project series_fill_backward(a)`,
			`[111,36,36,16,16,16,null]`},
		{"fill-forward", `datatable(a: dynamic)[dynamic([null, 1, null, 3.5, null])] | project series_fill_forward(a)`,
			`[null,1,1,3.5,3.5]`},
		{"fill-backward-placeholder", `print a = dynamic([1, -1, 5]) | project series_fill_backward(a, -1)`, `[1,5,5]`},
		{"fill-linear-ints", `print a = dynamic([null, 10, null, 15, null]) | project series_fill_linear(a)`, `[10,10,12,15,15]`},
		{"fill-linear-reals", `print a = dynamic([null, 1.0, null, null, 4.0]) | project series_fill_linear(a, double(null), false)`,
			`[null,1,2,3,4]`},
		{"fill-linear-empty", `print a = dynamic([null, null]) | project series_fill_linear(a, double(null), true, 2.5)`, `[2.5,2.5]`},
		// y[n] = x[n] + 0.5 y[n-1]: 1, 2.5, 4.25
		{"iir", `print y = series_iir(dynamic([1, 2, 3]), dynamic([1]), dynamic([1, -0.5]))`, `[1,2.5,4.25]`},
		// a[0] = 2 divides: y[n] = (x[n] + x[n-1]) / 2
		{"iir-normalized", `print y = series_iir(dynamic([2, 4, 6]), dynamic([1, 1]), dynamic([2]))`, `[1,3,5]`},
		// period 2: the median of each phase, 1.5 (1, 2) and 11 (10, 11, 12)
		{"seasonal-period", `print s = series_seasonal(dynamic([1, 10, 2, 11, 1, 12]), 2)`, `[1,11,1,11,1,11]`},
		{"pearson", `print p = series_pearson_correlation(dynamic([1, 2, 3]), dynamic([3, 2, 1])), q = series_pearson_correlation(dynamic([1, 2]), dynamic([1]))`,
			`-1 | null`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, run(t, db, tc.kql))
		})
	}
}

func TestExecRangeReal(t *testing.T) {
	db := kqltest.OpenStore(t)
	cases := []struct{ name, kql, want string }{
		{"real-start", `print r = range(1.0, 4, 1)`, `[1,2,3,4]`},
		{"real-step", `print r = range(0, 0.3, 0.1) | project n = array_length(r), last = round(todouble(r[3]), 6)`, `4 | 0.3`},
		{"descending", `print r = range(2.5, 1, -0.5)`, `[2.5,2,1.5,1]`},
		{"empty", `print r = range(3.0, 1, 1)`, `[]`},
		{"zero-step", `print r = range(1.0, 2, 0.0) | project isnull(r)`, `true`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, run(t, db, tc.kql))
		})
	}
}

func TestExecBuildSchema(t *testing.T) {
	db := kqltest.OpenStore(t)
	cases := []struct{ name, kql, want string }{
		{"merge", `datatable(v: dynamic)[dynamic({"a": 1, "b": [true]}), dynamic({"a": "s", "b": [2.5], "c": {"d": 1}}), dynamic(null)]
| summarize buildschema(v)`,
			`{"a":["long","string"],"b":{"` + "`indexer`" + `":["bool","double"]},"c":{"d":"long"}}`},
		{"by-key", `datatable(k: long, v: dynamic)[1, dynamic(3), 2, dynamic("x"), 1, dynamic([1])]
| summarize s = buildschema(v) by k | sort by k asc`,
			`1 | ["long",{"` + "`indexer`" + `":"long"}]` + "\n" + `2 | "string"`},
		{"empty", `datatable(v: dynamic)[] | summarize buildschema(v) | project isnull(schema_v)`, `true`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, run(t, db, tc.kql))
		})
	}
}

// schema_merge over getschema tables; the expected rows follow the plugin's documented rules (worked by hand).
func TestExecSchemaMerge(t *testing.T) {
	db := kqltest.OpenStore(t)
	cases := []struct{ name, kql, want string }{
		{"appended", `let s1 = datatable(a: string, b: int)[] | getschema; let s2 = datatable(a: string, b: int, c: real)[] | getschema;
union s1, s2 | evaluate schema_merge()`,
			"\"a\" | 0 | \"System.String\" | \"string\"\n\"b\" | 1 | \"System.Int32\" | \"int\"\n\"c\" | 2 | \"System.Double\" | \"real\""},
		{"reordered", `let s1 = datatable(a: string, b: int)[] | getschema; let s2 = datatable(a: string, c: long, b: int)[] | getschema;
union s1, s2 | evaluate schema_merge() | project ColumnName, ColumnOrdinal, ColumnType`,
			"\"a\" | 0 | \"string\"\n\"c\" | 1 | \"long\"\n\"b\" | -1 | \"ERROR(columns are out of order)\""},
		{"reordered-not-preserved", `let s1 = datatable(a: string, b: int)[] | getschema; let s2 = datatable(a: string, c: long, b: int)[] | getschema;
union s1, s2 | evaluate schema_merge(PreserveOrder = false) | project ColumnName, ColumnOrdinal`,
			"\"a\" | 0\n\"c\" | 1\n\"b\" | 2"},
		{"widened", `let s1 = datatable(a: int)[] | getschema; let s2 = datatable(a: long)[] | getschema;
union s1, s2 | evaluate schema_merge()`, "\"a\" | 0 | \"System.Int64\" | \"long\""},
		{"empty", `datatable(ColumnName: string, ColumnOrdinal: int, DataType: string, ColumnType: string)[] | evaluate schema_merge() | count`, "0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, run(t, db, tc.kql))
		})
	}
	_, errs := kql.Compile(`datatable(x: long)[] | evaluate schema_merge()`, schema.NewCatalog())
	require.Contains(t, errs.Render(`datatable(x: long)[] | evaluate schema_merge()`), "needs the columns getschema produces")
}

func TestExecArrayIffAndBagPackColumns(t *testing.T) {
	db := kqltest.OpenStore(t)
	cases := []struct{ name, kql, want string }{
		{"iff-numbers-scalars", `print r = array_iff(dynamic([1, 0, 50, true, "x"]), "yes", "no")`, `["yes","no","yes","yes",null]`},
		{"iff-arrays", `print r = array_iff(dynamic([true, false]), dynamic([1, 2]), dynamic([3, 4]))`, `[1,4]`},
		{"bag-pack-columns", `datatable(Id: string, V: long, O: long)["A", 1, 9] | project b = bag_pack_columns(Id, V)`, `{"Id":"A","V":1}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, run(t, db, tc.kql))
		})
	}
	_, errs := kql.Compile(`print bag_pack_columns("x")`, schema.NewCatalog())
	require.Contains(t, errs.Render(`print bag_pack_columns("x")`), "takes column names")
}

func TestExecWithItemIndex(t *testing.T) {
	db := kqltest.OpenStore(t)
	cases := []struct{ name, kql, want string }{
		{"mv-expand", `datatable(r: long, a: dynamic)[1, dynamic(["x", "y"]), 2, dynamic(["z"])] | mv-expand with_itemindex = i a | project r, a, i`,
			"1 | \"x\" | 0\n1 | \"y\" | 1\n2 | \"z\" | 0"},
		// two lists advance together; the index runs as long as the longer one
		{"mv-expand-two", `print a = dynamic([1, 2, 3]), b = dynamic([4]) | mv-expand with_itemindex = i a, b | project i, a, b`,
			"0 | 1 | 4\n1 | 2 | null\n2 | 3 | null"},
		{"mv-apply", `datatable(r: int, a: dynamic)[0, dynamic([5, 1, 3]), 1, dynamic([4, 10, 8, 7])]
| mv-apply with_itemindex = idx v = a to typeof(long) on (where idx >= 2) | project r, v, idx | sort by r asc, idx asc`,
			"0 | 3 | 2\n1 | 8 | 2\n1 | 7 | 3"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, run(t, db, tc.kql))
		})
	}
	_, errs := kql.Compile(`print a = dynamic([1]) | mv-expand with_itemindex = a a`, schema.NewCatalog())
	require.Contains(t, errs.Render(`print a = dynamic([1]) | mv-expand with_itemindex = a a`), "already a column")
}

// rolling_percentile: each bin's percentile covers its own rows and those of the lookback bins before it.
func TestExecRollingPercentile(t *testing.T) {
	db := kqltest.OpenStore(t)
	cases := []struct{ name, kql, want string }{
		// bins of 10: [0,10) holds 1..5, [10,20) 11..15, [20,30) 21..25; a lookback of 2 bins
		{"numeric", `range x from 1 to 25 step 1 | where x % 10 between (1 .. 5)
| evaluate rolling_percentile(x, 50, x, 10, 2) | sort by x asc`,
			"0 | 3\n10 | 5\n20 | 15"},
		{"datetime-dims", `datatable(t: datetime, v: long, k: string)[datetime(2020-01-01 01:00), 1, "a", datetime(2020-01-01 02:00), 3, "b",
    datetime(2020-01-02 01:00), 5, "a", datetime(2020-01-04 01:00), 7, "a"]
| evaluate rolling_percentile(v, 100, t, 1d, 2, k) | sort by t asc, k asc`,
			"2020-01-01T00:00:00Z | \"a\" | 1\n2020-01-01T00:00:00Z | \"b\" | 3\n2020-01-02T00:00:00Z | \"a\" | 5\n2020-01-04T00:00:00Z | \"a\" | 7"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, run(t, db, tc.kql))
		})
	}
	q, errs := kql.Compile(`range x from 1 to 3 step 1 | evaluate rolling_percentile(x, 50, x, 1, 2)`, schema.NewCatalog())
	require.Nil(t, errs)
	var names []string
	for _, c := range q.Schema() {
		names = append(names, c.Name)
	}
	require.Equal(t, []string{"x", "rolling_2_percentile_x_50"}, names)
	_, errs = kql.Compile(`range x from 1 to 3 step 1 | evaluate rolling_percentile(x, 50, x, 1, 0)`, schema.NewCatalog())
	require.Contains(t, errs.Render(`range x from 1 to 3 step 1 | evaluate rolling_percentile(x, 50, x, 1, 0)`), "BinsToLookback")
}

// array_sort_asc/desc over several arrays make one column per array, named after it.
func TestExecArraySortColumns(t *testing.T) {
	db := kqltest.OpenStore(t)
	require.Equal(t, `[1,2,3] | ["a","c","b"]`, run(t, db, `let k = dynamic([1, 3, 2]); let v = dynamic(["a", "b", "c"]); print array_sort_asc(k, v)`))
	require.Equal(t, `[3,2,1] | ["b","c","a"]`, run(t, db, `let k = dynamic([1, 3, 2]); let v = dynamic(["a", "b", "c"]); print array_sort_desc(k, v, false)`))
	q, errs := kql.Compile(`let k = dynamic([1, 3, 2]); let v = dynamic(["a", "b", "c"]); print array_sort_asc(k, v)`, schema.NewCatalog())
	require.Nil(t, errs)
	require.Equal(t, "k_sorted", q.Schema()[0].Name)
	require.Equal(t, "v_sorted", q.Schema()[1].Name)
}

// activity_counts_metrics: per day, the rows, distinct ids, ids new since the start and ids seen since the start
// (worked by hand: day 1 a, b; day 2 b, c, c; day 3 nothing; day 4 a).
func TestExecActivityCounts(t *testing.T) {
	db := kqltest.OpenStore(t)
	q := `datatable(u: string, ts: datetime)["a", datetime(2020-01-01 10:00), "b", datetime(2020-01-01 11:00), "b", datetime(2020-01-02),
    "c", datetime(2020-01-02 05:00), "c", datetime(2020-01-02 06:00), "a", datetime(2020-01-04), "z", datetime(2019-12-31), "z", datetime(2020-01-05)]
| evaluate activity_counts_metrics(u, ts, datetime(2020-01-01), datetime(2020-01-04), 1d) | sort by ts asc`
	require.Equal(t, "2020-01-01T00:00:00Z | 2 | 2 | 2 | 2\n2020-01-02T00:00:00Z | 3 | 2 | 1 | 3\n"+
		"2020-01-03T00:00:00Z | 0 | 0 | 0 | 3\n2020-01-04T00:00:00Z | 1 | 1 | 0 | 3", run(t, db, q))
	dims := `datatable(u: string, ts: datetime, k: long)["a", datetime(2020-01-01), 1, "a", datetime(2020-01-02), 2, "b", datetime(2020-01-02), 1]
| evaluate activity_counts_metrics(u, ts, datetime(2020-01-01), datetime(2020-01-02), 1d, k) | sort by k asc, ts asc`
	require.Equal(t, "2020-01-01T00:00:00Z | 1 | 1 | 1 | 1 | 1\n2020-01-02T00:00:00Z | 1 | 1 | 1 | 1 | 2\n2020-01-02T00:00:00Z | 2 | 1 | 1 | 1 | 1",
		run(t, db, dims))
}

// active_users_count: an appearance is active when the id appears on at least 2 distinct days within the 3 days
// before it (the window's start excluded); worked by hand: x on 01-02 and 01-03, y on 01-04 and 01-05, w on 01-01
// (with 12-31 before Start) are active; x on 01-10 and z on 01-11 (01-08 is just outside the window) are not.
func TestExecActiveUsersCount(t *testing.T) {
	db := kqltest.OpenStore(t)
	q := `datatable(u: string, ts: datetime)["x", datetime(2020-01-01), "x", datetime(2020-01-02), "x", datetime(2020-01-03),
    "x", datetime(2020-01-10), "y", datetime(2020-01-02), "y", datetime(2020-01-04), "y", datetime(2020-01-05),
    "z", datetime(2020-01-08), "z", datetime(2020-01-11), "w", datetime(2019-12-31), "w", datetime(2020-01-01)]
| evaluate active_users_count(u, ts, datetime(2020-01-01), datetime(2020-01-14), 3d, 1d, 2, 7d)`
	require.Equal(t, "2020-01-01T00:00:00Z | 3", run(t, db, q))
}
