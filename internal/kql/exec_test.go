package kql_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/kql"
	"github.com/vigilsec/vigil/internal/kql/kqltest"
	"github.com/vigilsec/vigil/internal/kql/sema"
	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/store/duckdb"
)

// run compiles src, executes it on db and renders the rows, one per line,
// cells separated by " | ".
func run(t *testing.T, db *duckdb.DB, src string) string {
	t.Helper()
	q, errs := kql.Compile(src, schema.NewCatalog(), kql.WithNow(goldenNow))
	require.Nil(t, errs, "compile: %s", errs.Render(src))
	sql, err := q.DuckDB()
	require.NoError(t, err)
	res, err := db.Query(context.Background(), sql, 1000)
	require.NoError(t, err, "sql: %s", sql)
	var lines []string
	for _, row := range res.Rows {
		cells := make([]string, len(row))
		for i, v := range row {
			cells[i] = render(v)
		}
		lines = append(lines, strings.Join(cells, " | "))
	}
	return strings.Join(lines, "\n")
}

// runFinished is run through Query.Run, with the Go steps after the SQL;
// the first line holds the column names.
func runFinished(t *testing.T, db *duckdb.DB, src string) string {
	t.Helper()
	q, errs := kql.Compile(src, schema.NewCatalog(), kql.WithNow(goldenNow))
	require.Nil(t, errs, "compile: %s", errs.Render(src))
	res, err := q.Run(context.Background(), db, 1000)
	if err != nil {
		return "error: " + err.Error()
	}
	var names []string
	for _, c := range res.Columns {
		names = append(names, c.Name+":"+c.Type.String())
	}
	lines := []string{strings.Join(names, " | ")}
	for _, row := range res.Rows {
		cells := make([]string, len(row))
		for i, v := range row {
			cells[i] = render(v)
		}
		lines = append(lines, strings.Join(cells, " | "))
	}
	return strings.Join(lines, "\n")
}

func TestFinishBags(t *testing.T) {
	db := kqltest.OpenStore(t)
	const people = `datatable(Name:string, d:dynamic)["James", dynamic({"Name":"John","Age":20}), "David", dynamic({"Age":40.5,"Height":170})]`
	cases := []struct{ name, kql, want string }{
		{"unpack", `print d = dynamic({"b":1,"a":"x"}) | evaluate bag_unpack(d)`, "a:string | b:long\n\"x\" | 1"},
		{"prefix-ignored", people + ` | evaluate bag_unpack(d, "P_", ignoredProperties=dynamic(["Height"]))`,
			"Name:string | P_Age:real | P_Name:string\n\"James\" | 20 | \"John\"\n\"David\" | 40.5 | null"},
		{"conflict-error", people + ` | evaluate bag_unpack(d)`, "error: 1:1: bag_unpack: the property \"Name\" names an existing column; use columnsConflict='replace_source' or 'keep_source'"},
		{"conflict-replace", people + ` | evaluate bag_unpack(d, columnsConflict='replace_source')`,
			"Name:string | Age:real | Height:long\n\"John\" | 20 | null\n\"\" | 40.5 | 170"},
		{"conflict-keep", people + ` | evaluate bag_unpack(d, columnsConflict='keep_source')`,
			"Name:string | Age:real | Height:long\n\"James\" | 20 | null\n\"David\" | 40.5 | 170"},
		{"declared-schema", people + ` | evaluate bag_unpack(d, columnsConflict='keep_source') : (*, Age:long)`,
			"Name:string | Age:long\n\"James\" | 20\n\"David\" | 40"},
		{"pivot", `datatable(g:string, k:string)["a","x", "a","y", "a","x", "b","y"] | evaluate pivot(k, count(), g) | order by g asc`,
			"g:string | x:long | y:long\n\"a\" | 2 | 1\n\"b\" | null | 1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, runFinished(t, db, c.kql))
		})
	}
}

func render(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("%q", x)
	case time.Time:
		return x.Format(time.RFC3339Nano)
	case time.Duration:
		return sema.FormatTimespan(x)
	case map[string]any, []any:
		b, _ := json.Marshal(x)
		return string(b)
	}
	return fmt.Sprint(v)
}

const events = `datatable(Name:string, Cmd:string, N:long, T:datetime, D:dynamic)[
"a", "cmd.exe /c whoami", 1, datetime(2024-05-01 10:00), dynamic({"k":"v","arr":[1,2,3]}),
"b", "powershell -enc AAA", 2, datetime(2024-05-01 11:30), dynamic({"k":"w","arr":[]}),
"a", "", 3, datetime(2024-04-30 23:59), dynamic(null),
"c", "Invoke-Mimikatz.ps1", 4, datetime(null), dynamic({"k":5})]`

func TestExec(t *testing.T) {
	db := kqltest.OpenStore(t)
	cases := []struct{ name, kql, want string }{
		{"where", events + `| where N > 2 | project Name`, `"a"` + "\n" + `"c"`},
		{"where-string-eq", events + `| where Cmd == "" | project N`, `3`},
		{"where-ne-empty", events + `| where Cmd != "" | count`, `3`},
		{"equals-ci", events + `| where Name =~ "A" | count`, `2`},
		{"not-equals-ci", events + `| where Name !~ "A" | count`, `2`},
		{"has-term", events + `| where Cmd has "whoami" | project N`, `1`},
		{"has-not-substring", events + `| where Cmd has "who" | count`, `0`},
		{"has-case-insensitive", events + `| where Cmd has "CMD" | project N`, `1`},
		{"has_cs", events + `| where Cmd has_cs "CMD" | count`, `0`},
		{"has-punctuated", events + `| where Cmd has "cmd.exe" | project N`, `1`},
		{"hasprefix", events + `| where Cmd hasprefix "Mimi" | project N`, `4`},
		{"hasprefix-not-inside", events + `| where Cmd hasprefix "katz" | count`, `0`},
		{"hasprefix-term", events + `| where Cmd hasprefix "who" | project N`, `1`},
		{"contains", events + `| where Cmd contains "MIMI" | project N`, `4`},
		{"contains_cs", events + `| where Cmd contains_cs "MIMI" | count`, `0`},
		{"startswith", events + `| where Cmd startswith "POWER" | project N`, `2`},
		{"endswith", events + `| where Cmd endswith ".PS1" | project N`, `4`},
		{"not-contains", events + `| where Cmd !contains "e" | project N`, `3`},
		{"in", events + `| where Name in ("a", "c") | count`, `3`},
		{"in-ci", events + `| where Name in~ ("A") | count`, `2`},
		{"not-in", events + `| where Name !in ("a") | project Name`, `"b"` + "\n" + `"c"`},
		{"has_any", events + `| where Cmd has_any ("whoami", "enc") | count`, `2`},
		{"has_all", events + `| where Cmd has_all ("powershell", "enc") | project N`, `2`},
		{"matches-regex", events + `| where Cmd matches regex @"^[a-z]+\.exe" | project N`, `1`},
		{"between", events + `| where N between (2 .. 3) | count`, `2`},
		{"isempty", events + `| where isempty(Cmd) | project N`, `3`},
		{"isnull-datetime", events + `| where isnull(T) | project N`, `4`},
		{"dynamic-member", events + `| where D.k == "v" | project N`, `1`},
		{"dynamic-index", events + `| project x = D.arr[1] | where isnotnull(x)`, `2`},
		{"tostring-dynamic", events + `| extend s = tostring(D.k) | project s`, `"v"` + "\n" + `"w"` + "\n" + `""` + "\n" + `"5"`},
		{"array_length", events + `| project n = array_length(D.arr)`, "3\n0\nnull\nnull"},
		{"extend-replace", events + `| extend N = N * 10 | project N | take 1`, `10`},
		{"summarize-naming", events + `| summarize count(), max(N), dcount(Name), sum(N), avg(N) by Name | order by Name asc`,
			`"a" | 2 | 3 | 1 | 4 | 2` + "\n" + `"b" | 1 | 2 | 1 | 2 | 2` + "\n" + `"c" | 1 | 4 | 1 | 4 | 4`},
		{"countif", events + `| summarize c = countif(N > 1)`, `3`},
		{"make_set", events + `| summarize s = make_set(Name) | project n = array_length(s)`, `3`},
		{"make_list-limit", events + `| summarize s = make_list(N, 2) | project n = array_length(s)`, `2`},
		{"arg_max", events + `| summarize arg_max(N, Cmd) by Name | order by Name asc`,
			`"a" | 3 | ""` + "\n" + `"b" | 2 | "powershell -enc AAA"` + "\n" + `"c" | 4 | "Invoke-Mimikatz.ps1"`},
		// The chosen row's value is returned even when it is null, not another row's.
		{"arg_max-null-value", `datatable(G:string, N:long, X:long)["a", 1, 10, "a", 3, long(null)] | summarize arg_max(N, X) by G`,
			`"a" | 3 | null`},
		{"arg_min-null-value", `datatable(G:string, N:long, X:long)["a", 1, long(null), "a", 3, 30] | summarize arg_min(N, X) by G`,
			`"a" | 1 | null`},
		{"bin-datetime", events + `| where isnotnull(T) | summarize count() by bin(T, 1d) | order by T asc`,
			"2024-04-30T00:00:00Z | 1\n2024-05-01T00:00:00Z | 2"},
		{"bin-number", `print b = bin(7, 5), f = floor(-1.5, 1)`, `5 | -2`},
		{"sort-default-desc", events + `| sort by N | project N`, "4\n3\n2\n1"},
		{"sort-nulls", events + `| sort by T asc | project N`, "4\n3\n1\n2"},
		{"top", events + `| top 2 by N | project N`, "4\n3"},
		{"distinct", events + `| distinct Name | order by Name asc`, `"a"` + "\n" + `"b"` + "\n" + `"c"`},
		{"count", events + `| count`, `4`},
		{"project-away", events + `| project-away Cmd, T, D | take 1`, `"a" | 1`},
		{"project-rename", events + `| project-rename Who = Name | project Who | take 1`, `"a"`},
		{"project-reorder", events + `| project-reorder N | project-keep N, Name | take 1`, `1 | "a"`},
		{"mv-expand", events + `| mv-expand x = D.arr | project N, x`, "1 | 1\n1 | 2\n1 | 3"},
		{"mv-expand-typed", `datatable(a:dynamic)[dynamic(["1","2"])] | mv-expand a to typeof(long) | extend b = a + 1`, "1 | 2\n2 | 3"},
		{"parse", `print s = "user=bob port=22 end" | parse s with "user=" U " port=" P:long " end" | project U, P`, `"bob" | 22`},
		{"union", `union (print a = 1), (print b = "x")`, "1 | null\nnull | \"x\""},
		{"join-innerunique", `let L = datatable(k:long, l:string)[1, "a", 1, "b", 2, "c"];
let R = datatable(k:long, r:string)[1, "x", 1, "y"];
L | join R on k | count`, `2`},
		{"join-inner", `let L = datatable(k:long, l:string)[1, "a", 1, "b", 2, "c"];
let R = datatable(k:long, r:string)[1, "x", 1, "y"];
L | join kind=inner R on k | count`, `4`},
		{"join-leftouter", `let L = datatable(k:long, l:string)[1, "a", 2, "c"];
let R = datatable(k:long, r:string)[1, "x"];
L | join kind=leftouter R on k | order by k asc | project k, l, k1, r`, "1 | \"a\" | 1 | \"x\"\n2 | \"c\" | null | null"},
		{"join-leftanti", `let L = datatable(k:long)[1, 2];
let R = datatable(k:long)[1];
L | join kind=leftanti R on k`, `2`},
		{"join-rightsemi", `let L = datatable(k:long)[1];
let R = datatable(k:long, v:string)[1, "x", 2, "y"];
L | join kind=rightsemi R on k`, `1 | "x"`},
		{"join-fullouter", `let L = datatable(k:long)[1, 2];
let R = datatable(k2:long)[2, 3];
L | join kind=fullouter R on $left.k == $right.k2 | count`, `3`},
		{"let-scalar-tabular-function", `let x = 2; let T = range i from 1 to 5 step 1; let f = (n:long, m:long = 1) { n * m + x };
T | where i > x | project v = f(i)`, "5\n6\n7"},
		{"toscalar", `let m = toscalar(range i from 1 to 5 step 1 | summarize max(i)); print m`, `5`},
		{"strings", `print a = strcat("a", 1, true), b = tolower("AbC"), c = toupper("x"), d = strlen("héllo"), e = substring("abcdef", 2, 3), f = indexof("abc", "c"), g = replace_string("a-b", "-", "+"), h = trim(" ", "  x  "), i = split("a,b,c", ",")[1]`,
			`"a1true" | "abc" | "X" | 5 | "cde" | 2 | "a+b" | "x" | "b"`},
		{"extract", `print a = extract(@"(\d+)", 1, "abc 123 def"), b = extract("x(y)", 1, "zzz"), c = extract(@"(\d+)", 1, "n=42", typeof(long))`, `"123" | "" | 42`},
		{"iff-case-coalesce", `print a = iff(1 > 2, "yes", "no"), b = case(false, 1, true, 2, 3), c = coalesce("", "x"), d = coalesce(long(null), 5)`, `"no" | 2 | "x" | 5`},
		{"conversions", `print a = toint("12"), b = tolong(2.7), c = toreal("1.5"), d = tobool("true"), e = todatetime("2024-01-02"), f = tostring(1.0), g = tostring(datetime(2024-01-02))`,
			`12 | 2 | 1.5 | true | 2024-01-02T00:00:00Z | "1" | "2024-01-02T00:00:00.0000000Z"`},
		{"parse_json", `print a = parse_json('{"x":[1,{"y":"z"}]}').x[1].y, b = todynamic("nojson"), c = tostring(dynamic([1,2]))`, `"z" | "nojson" | "[1,2]"`},
		{"datetime", `print a = ago(1h), b = now(), c = startofday(datetime(2024-05-03 10:11)), d = datetime_diff("day", datetime(2024-05-03), datetime(2024-05-01)), e = datetime(2024-05-01) + 1d, f = format_datetime(datetime(2024-05-01 08:09:10), "yyyy-MM-dd HH:mm:ss"), g = dayofweek(datetime(2024-05-01))`,
			`2024-05-01T11:00:00Z | 2024-05-01T12:00:00Z | 2024-05-03T00:00:00Z | 2 | 2024-05-02T00:00:00Z | "2024-05-01 08:09:10" | 3.00:00:00`},
		{"timespan", `print a = 1h / 1m, b = 2 * 1h, c = datetime(2024-05-02) - datetime(2024-05-01), d = totimespan("01:30:00")`, `60 | 02:00:00 | 1.00:00:00 | 01:30:00`},
		{"arithmetic", `print a = 7 / 2, b = 7.0 / 2, c = -7 % 3, d = 2 + 3 * 4`, `3 | 3.5 | 2 | 14`},
		{"dynamic-funcs", `print a = array_length(dynamic([1,2])), b = bag_keys(dynamic({"a":1})), c = pack_array(1, "x"), d = bag_pack("k", 1), e = set_union(dynamic([1,2]), dynamic([2,3])), f = array_concat(dynamic([1]), dynamic([2]))`,
			`2 | ["a"] | [1,"x"] | {"k":1} | [1,2,3] | [1,2]`},
		{"ipv4", `print a = ipv4_is_private("10.1.2.3"), b = ipv4_is_private("8.8.8.8"), c = ipv4_is_in_range("192.168.1.7", "192.168.1.0/24")`, `true | false | true`},
		{"in-dynamic-let", `let l = dynamic(["a", "b"]); print x = "a" in (l), y = "c" in (l)`, `true | false`},
		{"in-tabular", `let L = datatable(k:string)["a"]; datatable(x:string)["a", "b"] | where x in (L)`, `"a"`},
		{"getschema", `datatable(a:string, b:long)[] | getschema | project ColumnName, ColumnType`, `"a" | "string"` + "\n" + `"b" | "long"`},
		{"range-datetime", `range t from datetime(2024-01-01) to datetime(2024-01-03) step 1d | count`, `3`},
		{"extract_all", `print a = extract_all(@"(\w)(\d)", "a1 b2"), b = extract_all(@"\d+", "1 22")`, `[["a","1"],["b","2"]] | ["1","22"]`},
		{"extract_all-named", `print a = extract_all(@"(?P<key>\w+)=(?P<value>\w+)", dynamic(["value","key"]), "a=1 b=2")`, `[["1","a"],["2","b"]]`},
		{"extract_all-class-paren", `print a = extract_all(@"[(](\d)[)](\w)", dynamic([2]), "(1)x (2)y")`, `[["x"],["y"]]`},
		{"pivot", `datatable(g:string, k:string, n:long)["a","x",1, "a","y",2, "a","x",3, "b","x",4] | evaluate pivot(k, sum(n), g) | project g, x = tolong(x), y = tolong(y) | order by g asc`, "\"a\" | 4 | 2\n\"b\" | 4 | null"},
		{"pivot-count", `datatable(k:string)["x", "y", "x"] | evaluate pivot(k) | project x = tolong(x), y = tolong(y)`, "2 | 1"},
		{"print-let-name", `let l = dynamic([1, 2]); print l | mv-expand x = print_0 to typeof(long) | summarize sum(x)`, `3`},
		{"project-conversion-name", `datatable(S:long)[1, 2] | project tostring(S) | summarize by S | count`, `2`},
		{"distinct-conversion-name", `datatable(S:long)[1, 1] | distinct tostring(S) | project S`, `"1"`},
		{"by-format_datetime-name", `datatable(T:datetime)[datetime(2024-01-01 10:00)] | summarize count() by format_datetime(T, "yyyy-M-d") | project T`, `"2024-1-1"`},
		{"bin-week-monday", `print a = bin(datetime(2024-05-01 10:00), 7d), b = bin(datetime(1969-12-31 23:00), 1h), c = bin(datetime(2024-05-01 10:20), 1h * 2), d = bin(datetime(2024-05-01 10:20), 7m), e = bin(datetime(1601-03-01 00:00:10), 7d)`,
			`2024-04-29T00:00:00Z | 1969-12-31T23:00:00Z | 2024-05-01T10:00:00Z | 2024-05-01T10:20:00Z | 1601-02-26T00:00:00Z`},
		{"filter-null-string", `datatable(d:dynamic)[dynamic({"a":"x"}), dynamic({}), dynamic(null)] | extend s = tostring(d.a)
| summarize eq = countif(s == "x"), ne = countif(not(s == "x")), ci = countif(s =~ "X"), nci = countif(not(s =~ "X")), c = countif(s contains "X" or s == "")`,
			`1 | 2 | 1 | 2 | 3`},
		{"where-null-string-not", `datatable(d:dynamic)[dynamic({"a":"x"}), dynamic({}), dynamic(null)] | where not(tostring(d.a) =~ "X") and not(tostring(d.a) has "x") | count`, `2`},
		{"where-null-string-or", `datatable(d:dynamic)[dynamic({"a":"x"}), dynamic({}), dynamic(null)] | where tostring(d.a) == "x" or tostring(d.a) startswith "" | count`, `3`},
		{"bin_at", `print a = bin_at(6.5, 2.5, 7), b = bin_at(datetime(2017-05-15 10:20), 1d, datetime(1970-01-01 12:00)), c = bin_at(7, 5, 1)`,
			`4.5 | 2017-05-14T12:00:00Z | 6`},
		{"codepoints", `print a = unicode_codepoints_to_string(75, 117, 115, 116, 111), b = unicode_codepoints_to_string(dynamic([79, 75])), c = unicode_codepoints_from_string("Kü")`,
			`"Kusto" | "OK" | [75,252]`},
		{"array_sort", `print a = array_sort_asc(dynamic([10, 9, null, "b", 1.5])), b = array_sort_desc(dynamic([1, 3, 2])), c = array_sort_asc(dynamic([2, null, 1]), false)`,
			`[1.5,9,10,"b",null] | [3,2,1] | [null,1,2]`},
		// A numeric condition is true when not 0, as documented.
		{"array_iff", `print a = array_iff(dynamic([true, false, true, 5]), dynamic([1, 2, 3, 4]), dynamic([4, 5, 6]))`, `[1,5,3,4]`},
		{"array_shift_rotate", `print a = array_shift_left(dynamic([1,2,3,4,5]), 2), b = array_shift_right(dynamic([1,2,3,4,5]), 2, -1), c = array_rotate_left(dynamic([1,2,3,4,5]), 2), d = array_rotate_right(dynamic([1,2,3,4,5]), 7)`,
			`[3,4,5,null,null] | [-1,-1,1,2,3] | [3,4,5,1,2] | [4,5,1,2,3]`},
		{"array_split", `print a = array_split(dynamic([1,2,3,4,5]), 2), b = array_split(dynamic([1,2,3,4,5]), dynamic([1,3])), c = array_split(dynamic([1,2,3]), -1)`,
			`[[1,2],[3,4,5]] | [[1],[2,3],[4,5]] | [[1,2],[3]]`},
		{"zip", `print a = zip(dynamic([1,3,5]), dynamic([2,4,6])), b = zip(dynamic(["a"]), dynamic([1, 2]))`, `[[1,2],[3,4],[5,6]] | [["a",1],[null,2]]`},
		{"bags", `print a = bag_zip(dynamic(["a","b","c"]), dynamic([1, "2"])), b = bag_has_key(dynamic({"k":1}), "k"), c = bag_has_key(dynamic({"k":1}), "x"), d = bag_remove_keys(dynamic({"a":1,"b":2}), dynamic(["b","z"]))`,
			`{"a":1,"b":"2","c":null} | true | false | {"a":1}`},
		{"has_ipv4", `print a = has_ipv4("05:04:54 127.0.0.1 GET", "127.0.0.1"), b = has_ipv4("127.0.0.10", "127.0.0.1"), c = has_ipv4("a1.2.3.4", "1.2.3.4"), d = has_ipv4_prefix("x 127.0.0.1:80", "127.0."), e = has_ipv4_prefix("x 127.0.0.1", "127.0"), f = has_any_ipv4("x 10.0.0.1 y", dynamic(["1.1.1.1", "10.0.0.1"])), g = has_any_ipv4_prefix("x 10.0.0.1 y", "1.", "10.0.")`,
			`true | false | false | true | false | true | true`},
		{"ipv4_is_in_any_range", `print a = ipv4_is_in_any_range("192.168.1.6", "192.168.1.1/24", "10.0.0.1/8"), b = ipv4_is_in_any_range("8.8.8.8", dynamic(["10.0.0.0/8", "192.168.0.0/16"])), c = ipv4_is_in_any_range("x", "10.0.0.0/8")`,
			`true | false | null`},
		{"containscs-set_has_element", `print a = "Mozilla/5" containscs "Moz", b = "Mozilla/5" containscs "moz", c = set_has_element(dynamic(["a", "b"]), "b")`, `true | false | true`},
		{"ipv4_lookup", `let R = datatable(network:string, name:string)["10.0.0.0/8", "ten", "10.1.0.0/16", "ten-one", "192.168.1.0/24", "home"];
datatable(ip:string)["10.1.2.3", "192.168.1.9", "8.8.8.8"] | evaluate ipv4_lookup(R, ip, network) | order by ip asc, network asc`,
			"\"10.1.2.3\" | \"10.0.0.0/8\" | \"ten\"\n\"10.1.2.3\" | \"10.1.0.0/16\" | \"ten-one\"\n\"192.168.1.9\" | \"192.168.1.0/24\" | \"home\""},
		{"ipv4_lookup-unmatched", `let R = datatable(network:string, name:string)["10.0.0.0/8", "ten"];
datatable(ip:string)["10.1.2.3", "8.8.8.8"] | evaluate ipv4_lookup(R, ip, network, return_unmatched = true) | order by ip asc`,
			"\"10.1.2.3\" | \"10.0.0.0/8\" | \"ten\"\n\"8.8.8.8\" | null | null"},
		{"pack_all", `datatable(S:string, T:string, N:long)["a", "", 1] | extend P = pack_all(), Q = pack_all(true) | project P, Q`,
			`{"N":1,"S":"a","T":""} | {"N":1,"S":"a"}`},
		{"ipv4_compare", `print a = ipv4_compare("192.168.1.1/24", "192.168.1.255"), b = ipv4_compare("192.168.1.1", "192.168.1.0", 31), c = ipv4_compare("10.0.0.2", "10.0.0.1"), d = ipv4_compare("10.0.0.1", "10.0.0.2")`,
			`0 | 0 | 1 | -1`},
		{"format_ipv4", `print a = format_ipv4("192.168.1.1", 24), b = format_ipv4_mask("192.168.1.1/24", 32), c = format_ipv4("192.168.1.1/24", -1), d = format_ipv4(3232235777)`,
			`"192.168.1.0" | "192.168.1.0/24" | "" | "192.168.1.1"`},
		{"covariance", `datatable(x:real, y:real)[1.0, 14.0, 2.0, 10.0, 3.0, 17.0, 4.0, 20.0, 5.0, 50.0]
| summarize covariance(x, y), covariancep(x, y), covarianceif(x, y, x > 1), covariancepif(x, y, x > 1)
| project covariance_x_y, covariancep_x_y, round(covarianceif_x_y, 4), round(covariancepif_x_y, 4)`,
			`20.5 | 16.4 | 20.5 | 15.375`},
		{"make_bag", `datatable(d:dynamic)[dynamic({"a":1}), dynamic({"b":2})] | summarize b = make_bag(d)`, `{"a":1,"b":2}`},
		{"parse_url", `print u = parse_url("https://host.com:8080/p?x=1#f") | project h = tostring(u.Host), q = tostring(u["Query Parameters"].x)`, `"host.com" | "1"`},
		{"make-series", `datatable(T:datetime, k:string, v:long)[datetime(2024-01-01 00:10), "a", 1, datetime(2024-01-01 02:30), "a", 5, datetime(2024-01-01 01:00), "b", 2]
| make-series total = sum(v) default = 0 on T from datetime(2024-01-01) to datetime(2024-01-01 03:00) step 1h by k | order by k asc | project k, total`,
			`"a" | [1,0,5]` + "\n" + `"b" | [0,2,0]`},
		{"bag_unpack-lazy", `print d = dynamic({"Name":"x","Age":3}) | evaluate bag_unpack(d) | project Name, Age`, `"x" | 3`},
		{"between-span", `print t = datetime(2024-01-01 05:00) | where t between (datetime(2024-01-01) .. 6h) | count`, `1`},
		{"mv-apply", `datatable(id:long, xs:dynamic)[1, dynamic([3,1,2]), 2, dynamic([5])] | mv-apply xs to typeof(long) on (summarize s = sum(xs)) | order by id asc`, "1 | 6\n2 | 5"},
		{"column_ifexists", `datatable(a:long)[1] | project x = column_ifexists("a", 0), y = column_ifexists("zz", 7)`, `1 | 7`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, run(t, db, c.kql))
		})
	}
}
