package parser_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/kql/parser"
)

// validQueries cover the syntax of every statement, operator and scalar
// form; each must parse without errors and survive a print/parse round
// trip.
var validQueries = []string{
	// statements
	`let x = 5; let y = "a"; T | where a == x`,
	`let T2 = T | where a > 1; T2 | count`,
	`let f = (a:string, b:int = 5, T:(*)) { T | where c == a | take b }; f("x", 2, T)`,
	`let g = (T:(a:string, b:long), n:long) { T | take n }; g(T, 1)`,
	`let h = () { 1 }; print h()`,
	`let v = view () { T | take 1 }; v`,
	`let m = materialize(T | summarize count() by a); m | join (m) on a`,
	`declare query_parameters(start:datetime = datetime(2024-01-01), n:long = 10); T | take n`,
	`set querytrace; set truncationmaxrecords = 1000; T`,
	`alias database db = cluster('https://help.kusto.windows.net').database('Samples'); T`,
	`restrict access to (T1, Dev*); T1`,
	`let ['my table'] = T; ['my table'] | project ['a b'], ["c"]`,
	// literals
	`print 1, 1.5, 1e3, 2.5E-3, 0x1F, -1, +2, 1d, 2h, 30m, 10s, 100ms, 5microsecond, 1tick, 1.5h, 3days`,
	`print time(1d), timespan(1.02:03:04), datetime(2024-01-01 10:00:00), datetime(null), guid(74be27de-1e4e-49d9-b579-fe0b331d3642)`,
	`print 'a', "b", @'c\d', @"e""f", h'secret', H@'x', ` + "```multi\nline```" + `, 'con' "cat"`,
	`print "esc \" \\ \n \t \u0041", 'it\'s'`,
	`print true, false, True, int(null), long(1), real(nan), bool(true), decimal(1.5), string(null)`,
	`print dynamic([1, "a", {"k": [true, null]}]), dynamic({"a": -1.5}), dynamic(null), dynamic([])`,
	`print typeof(long), typeof(string)`,
	// scalar expressions
	`T | where a + b * c - d / e % f > 1 and not(x) or y != z`,
	`T | where a <> b and a =~ "x" and a !~ "y" and a <= 1 and a >= 2 and a < 3`,
	`T | where a has "x" and a !has "x" and a has_cs "x" and a !has_cs "x"`,
	`T | where a hasprefix "x" and a !hasprefix "x" and a hasprefix_cs "x" and a !hasprefix_cs "x"`,
	`T | where a hassuffix "x" and a !hassuffix "x" and a hassuffix_cs "x" and a !hassuffix_cs "x"`,
	`T | where a contains "x" and a !contains "x" and a contains_cs "x" and a !contains_cs "x"`,
	`T | where a startswith "x" and a !startswith "x" and a startswith_cs "x" and a !startswith_cs "x"`,
	`T | where a endswith "x" and a !endswith "x" and a endswith_cs "x" and a !endswith_cs "x"`,
	`T | where a matches regex "[a-z]+" and a has_any ("x", "y") and a has_all (l)`,
	`T | where a in ("x", "y") and a !in (1, 2) and a in~ ("X") and a !in~ ("Y") and a in (T2 | project b)`,
	`T | where a between (1 .. 10) and b !between (ago(1d) .. now())`,
	`T | where a = "legacy equality"`,
	`T | extend x = d.a.b, y = d['k'][0], z = d.['k'], w = $left.c, v = T.col, u = geo_point_to_s2cell(1, 2)`,
	`T | extend (a, b) = f(x), c = iif(x > 1, "a", "b"), d = iff(y, 1, 2), e = case(a, 1, 2)`,
	`T | extend s = toscalar(T2 | count), t = table('x'), 5MinuteBin = bin(ts, 5m)`,
	`T | where * has "x"`,
	`T | extend d = mv-expand, e = project-away * 2, f = a-b`,
	// tabular operators
	`T | filter a > 1 | where b`,
	`T | project a, b = c + 1, ['d e'] | project-away c*, d | project-keep a, *b | project-rename x = a, y = b`,
	`T | project-reorder a, b* asc, c desc`,
	`T | summarize count(), n = dcount(a), make_set(b, 10) by bin(TimeGenerated, 1h), c`,
	`T | summarize hint.strategy=shuffle hint.shufflekey=a count() by a`,
	`T | summarize by a, b`,
	`T | summarize makeset(a), makelist(b), arg_max(ts, *) by c`,
	`T | join kind=leftouter hint.remote=left (T2 | where a) on a, $left.b == $right.c and $left.d == $right.e`,
	`T | join kind=inner T2 on a | join kind=leftanti T3 on b | join kind=rightsemi (T4) on c`,
	`T | lookup kind=leftouter (T2) on a | lookup T3 on $left.x == $right.y`,
	`union withsource=Src kind=outer isfuzzy=true Device*, (T | where a), T2, workspace("w").T3`,
	`T | union T2, *_CL`,
	`T | distinct a, b | distinct *`,
	`T | sort by a asc nulls first, b desc nulls last | order by c`,
	`T | top 10 by a desc nulls last | top 5 by b`,
	`T | top-nested 3 of a by count() desc, top-nested 2 of b with others = "other" by sum(c), top-nested of d by max(e) asc`,
	`T | top-hitters 5 of a by b`,
	`T | take 10 | limit 5 | count`,
	`T | mv-expand a, b to typeof(long) limit 100 | mvexpand c`,
	`T | mv-expand bagexpansion=array with_itemindex=i kind=bag d = dyn to typeof(string)`,
	`T | mv-apply x = arr to typeof(long) on (top 1 by x | extend y = x * 2)`,
	`T | mv-apply with_itemindex=i a, b limit 10 on (summarize count())`,
	`T | parse a with * "user=" user:string " id=" id:int *`,
	`T | parse kind=regex flags=Ui a with "(?<k>[a-z]+)=" k:string`,
	`T | parse kind=relaxed a with "x" b | parse-where a with * "y" c:long`,
	`T | parse-kv a as (k1:string, k2:long) with (pair_delimiter=",", kv_delimiter="=", quote='"', greedy=true)`,
	`T | make-series n = count() default = 0, avg(x) on ts from ago(7d) to now() step 1h by a`,
	`T | make-series kind=nonempty sum(x) on ts in range(ago(1d), now(), 1h)`,
	`T | make-series max(y) on ts step 1d`,
	`range x from 1 to 10 step 1 | extend y = x * 2`,
	`datatable(a:string, b:int, c:dynamic) ["x", 1, dynamic([1]), "y", -2, dynamic({})] | where b > 0`,
	`print x = 1, y = "a"`,
	`search "error"`,
	`search kind=case_sensitive in (T1, T2*) "error" and a > 1`,
	`T | search * has "x"`,
	`find in (T1, Dev*) where a == 1 project a, b`,
	`find withsource=S where b > 2 project-smart`,
	`T | evaluate bag_unpack(d) | evaluate pivot(a, sum(b)) | evaluate autocluster()`,
	`evaluate hint.remote=local ipv4_lookup(T, ip, net, return_unmatched = true)`,
	`T | evaluate bag_unpack(d, columnsConflict='replace_source')`,
	`T | evaluate bag_unpack(d) : (*, a:string, b:long) | evaluate bag_unpack(e, "p_") : (x:int)`,
	`T | as hint.materialized=true X | as Y`,
	`T | serialize | serialize n = row_number()`,
	`T | getschema`,
	`T | render timechart with (title="t", xcolumn=ts, ycolumns=a, b, kind=stacked)`,
	`T | render piechart`,
	`T | sample 10 | sample-distinct 5 of a`,
	`T | invoke f(1) | invoke g()`,
	`externaldata(a:string, b:long) ["https://example.com/x.csv", h@"https://example.com/y.csv"] with (format="csv", ignoreFirstRecord=true)`,
	`T | fork (where a > 1 | take 1) (summarize count()) named = (project a)`,
	`T | facet by a, b with (top 1 by c)`,
	`T | facet by a`,
	`T | scan with_match_id=m declare (s:long = 0) with (step s1: a > 1 => s = a; step s2 output=last: b < 2;)`,
	`T | scan order by ts partition by a with (step x: true;)`,
	`T | consume | consume decodeblocks=true`,
	`T | reduce by a with threshold=0.1, characters="."`,
	`T | reduce kind=source by a`,
	`T | partition hint.strategy=native by a (top 3 by b)`,
	`T | partition by a { T | take 1 }`,
	`T | where a == 1;`,
	`// comment only before
T // trailing
| take 1 // end`,
}

func TestValidSyntax(t *testing.T) {
	for _, src := range validQueries {
		t.Run(src, func(t *testing.T) {
			q, errs := parser.Parse(src)
			require.Nil(t, errs, "errors:\n%s", errs.Render(src))
			printed := q.String()
			again, errs := parser.Parse(printed)
			require.Nil(t, errs, "printed query does not re-parse:\n%s\n---\n%s", errs.Render(printed), printed)
			if d := cmp.Diff(q, again, ignoreSpans); d != "" {
				t.Fatalf("round trip changed the tree (-parsed +reparsed):\n%s\n--- printed:\n%s", d, printed)
			}
		})
	}
}

// invalidQueries must be rejected.
var invalidQueries = []string{
	`|`,
	`T |`,
	`T | where`,
	`T | project a,`,
	`T | extend a = `,
	`T | where a has ("x", "y")`,
	`T | where a b`,
	`T | nosuchop`,
	`T | take 1 )`,
	`(T | take 1`,
	`T | where a == 'unterminated`,
	`T | where a == "bad \q escape"`,
	`let f = () { <body> }; f()`,
	`T | summarize count() by`,
	`T | join kind=inner (T2) on`,
	`T | where x in`,
	`T | where x between (1, 2)`,
	`T | sort a`,
	`T | top by a`,
	`T | mv-expand`,
	`T | parse a with`,
	`string`,
	`T | where a == 1 | | take 1`,
	`print @x`,
	`print dynamic({1: 2})`,
	`let = 1; T`,
	`T | project-away`,
}

func TestInvalidSyntax(t *testing.T) {
	for _, src := range invalidQueries {
		t.Run(src, func(t *testing.T) {
			_, errs := parser.Parse(src)
			require.NotEmpty(t, errs)
			for _, e := range errs {
				require.Positive(t, e.Line)
				require.Positive(t, e.Col)
				require.NotEqual(t, "kql_internal_error", e.Code, e.Detail)
			}
		})
	}
}
