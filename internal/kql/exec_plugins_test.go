package kql_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/kql"
	"github.com/vigilsec/vigil/internal/kql/kqltest"
	"github.com/vigilsec/vigil/internal/schema"
)

// seqEvents: on h1 an a at 00:00 followed by b at 00:05 (within the 10m step) and at 00:30 (too late), and an a
// at 00:20 followed by that b at 00:30 (exactly the step); on h2 the b comes before the a; on h3 a, b, c where the
// first c is within the 15m span and the second is not; on h4 an a and a b at the same time, b first in the input;
// on h5 the same with a first.
const seqEvents = `datatable(t:datetime, ev:string, host:string)[
datetime(2024-01-01 00:00), "a", "h1",
datetime(2024-01-01 00:05), "b", "h1",
datetime(2024-01-01 00:30), "b", "h1",
datetime(2024-01-01 00:02), "b", "h2",
datetime(2024-01-01 00:03), "a", "h2",
datetime(2024-01-01 00:20), "a", "h1",
datetime(2024-01-01 01:00), "a", "h3",
datetime(2024-01-01 01:05), "b", "h3",
datetime(2024-01-01 01:12), "c", "h3",
datetime(2024-01-01 01:20), "c", "h3",
datetime(2024-01-01 02:00), "b", "h4",
datetime(2024-01-01 02:00), "a", "h4",
datetime(2024-01-01 03:00), "a", "h5",
datetime(2024-01-01 03:00), "b", "h5"]
`

// basketRows: user alice 4 rows, bob 3; app mail 6, web 3; n=1 in 5 rows, all of them mail; web rows all n=2.
const basketRows = `datatable(user:string, app:string, n:long)[
"alice", "mail", 1,
"alice", "mail", 1,
"alice", "mail", 2,
"alice", "web", 2,
"bob", "mail", 1,
"bob", "web", 2,
"bob", "web", 2,
"carol", "mail", 1,
"carol", "vpn", 3,
"dave", "mail", 1]
`

// clusterRows: 12 rows in five distinct kinds, weighing 4, 3, 2, 2 and 1.
const clusterRows = `datatable(err:string, host:string, region:string)[
"timeout", "h1", "eu", "timeout", "h1", "eu", "timeout", "h1", "eu", "timeout", "h1", "eu",
"timeout", "h2", "eu", "timeout", "h2", "eu", "timeout", "h2", "eu",
"denied", "h3", "us", "denied", "h3", "us",
"denied", "h4", "us", "denied", "h4", "us",
"crash", "h5", "ap"]
`

// TestExecPlugins runs sequence_detect, basket and autocluster on DuckDB. The expected rows are derived by hand:
// for sequence_detect from its documented semantics, for basket and autocluster from the algorithms that
// internal/kql/patterns documents (the comments give the arithmetic).
func TestExecPlugins(t *testing.T) {
	db := kqltest.OpenStore(t)
	cases := []struct{ name, kql, want string }{
		{"sequence-two-steps", seqEvents + `| evaluate sequence_detect(t, 10m, 1h, first=(ev == "a"), second=(ev == "b"), host) | order by host asc, first_t asc`,
			"host:string | first_t:datetime | second_t:datetime | Duration:timespan\n" +
				`"h1" | 2024-01-01T00:00:00Z | 2024-01-01T00:05:00Z | 00:05:00` + "\n" +
				`"h1" | 2024-01-01T00:20:00Z | 2024-01-01T00:30:00Z | 00:10:00` + "\n" +
				`"h3" | 2024-01-01T01:00:00Z | 2024-01-01T01:05:00Z | 00:05:00` + "\n" +
				`"h5" | 2024-01-01T03:00:00Z | 2024-01-01T03:00:00Z | 00:00:00`},
		{"sequence-three-steps-span", seqEvents + `| evaluate sequence_detect(t, 10m, 15m, (ev == "a"), (ev == "b"), (ev == "c"), host)`,
			"host:string | Expr1_t:datetime | Expr2_t:datetime | Expr3_t:datetime | Duration:timespan\n" +
				`"h3" | 2024-01-01T01:00:00Z | 2024-01-01T01:05:00Z | 2024-01-01T01:12:00Z | 00:12:00`},
		// Without dimensions every host joins: the a of h2 at 00:03 precedes the b of h1 at 00:05 too.
		{"sequence-no-dims-let-window", `let w = 3m;` + seqEvents + `| evaluate sequence_detect(t, w, w, x=(ev == "a"), y=(ev == "b")) | summarize n = count()`,
			"n:long\n3"},
		{"sequence-then-summarize", seqEvents + `| evaluate sequence_detect(t, 10m, 1h, first=(ev == "a"), second=(ev == "b"), host) | summarize n = count(), longest = max(Duration) by host | order by host asc`,
			"host:string | n:long | longest:timespan\n" + `"h1" | 2 | 00:10:00` + "\n" + `"h3" | 1 | 00:05:00` + "\n" + `"h5" | 1 | 00:00:00`},
		// Frequent itemsets with weight >= 3 of 10, each reported as its closure: {n=1} is always mail and {web}
		// always n=2, so neither appears alone; heaviest first, then fewer fixed columns, then first row.
		{"basket", basketRows + `| evaluate basket(0.3)`,
			"SegmentId:long | Count:long | Percent:real | user:string | app:string | n:long\n" +
				`0 | 6 | 60 | "" | "mail" | null` + "\n" +
				`1 | 5 | 50 | "" | "mail" | 1` + "\n" +
				`2 | 4 | 40 | "alice" | "" | null` + "\n" +
				`3 | 4 | 40 | "" | "" | 2` + "\n" +
				`4 | 3 | 30 | "bob" | "" | null` + "\n" +
				`5 | 3 | 30 | "alice" | "mail" | null` + "\n" +
				`6 | 3 | 30 | "" | "web" | 2`},
		// MaxDimensions=1 drops {alice, mail}, the one pattern that needs two items; custom wildcards.
		{"basket-max-dims-wildcards", basketRows + `| evaluate basket(0.3, '~', 1, '*', long(-1))`,
			"SegmentId:long | Count:long | Percent:real | user:string | app:string | n:long\n" +
				`0 | 6 | 60 | "*" | "mail" | -1` + "\n" +
				`1 | 5 | 50 | "*" | "mail" | 1` + "\n" +
				`2 | 4 | 40 | "alice" | "*" | -1` + "\n" +
				`3 | 4 | 40 | "*" | "*" | 2` + "\n" +
				`4 | 3 | 30 | "bob" | "*" | -1` + "\n" +
				`5 | 3 | 30 | "*" | "web" | 2`},
		// Weighted: a weighs 3+1 of 6; the weight column is not a dimension.
		{"basket-weight", `datatable(user:string, w:long)["a", 3, "b", 1, "a", 1, "c", 1] | evaluate basket(0.5, w) | project SegmentId, Count, user, P = round(Percent, 2)`,
			"SegmentId:long | Count:long | user:string | P:real\n0 | 4 | \"a\" | 66.67"},
		{"basket-then-filter", basketRows + `| evaluate basket(0.3) | where isnotempty(user) | project user, Percent | order by Percent desc, user asc`,
			"user:string | Percent:real\n\"alice\" | 40\n\"alice\" | 30\n\"bob\" | 30"},
		{"basket-empty-input", basketRows + `| where user == "nobody" | evaluate basket()`,
			"SegmentId:long | Count:long | Percent:real | user:string | app:string | n:long"},
		// score = sqrt(coverage * fixed/3). Seed (timeout,h1,eu): 4/12 -> 0.577; dropping host gives (timeout,eu)
		// 7/12*2/3 -> 0.624, and no further drop helps. Seed (denied,h3,us): 0.408 -> (denied,us) 4/12*2/3 ->
		// 0.471. Seed (crash,h5,ap): 0.289, and every drop lowers it. The three do not overlap.
		{"autocluster", clusterRows + `| evaluate autocluster() | extend Percent = round(Percent, 2)`,
			"SegmentId:long | Count:long | Percent:real | err:string | host:string | region:string\n" +
				`0 | 7 | 58.33 | "timeout" | "" | "eu"` + "\n" +
				`1 | 4 | 33.33 | "denied" | "" | "us"` + "\n" +
				`2 | 1 | 8.33 | "crash" | "h5" | "ap"`},
		// SizeWeight 0 scores specificity only: each seed stays a whole row; NumSeeds=2 keeps the two heaviest.
		{"autocluster-specific-seeds", clusterRows + `| evaluate autocluster(0, '~', 2, '*') | project SegmentId, Count, err, host, region`,
			"SegmentId:long | Count:long | err:string | host:string | region:string\n" +
				`0 | 4 | "timeout" | "h1" | "eu"` + "\n" + `1 | 3 | "timeout" | "h2" | "eu"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, runFinished(t, db, c.kql))
		})
	}
}

func TestPluginErrors(t *testing.T) {
	for _, c := range []struct{ kql, want string }{
		{seqEvents + `| evaluate sequence_detect(ev, 10m, 1h, a=(ev == "a"), b=(ev == "b"), host)`, "1:" + "not datetime"},
		{seqEvents + `| evaluate sequence_detect(t, 10m, 1h, a=(ev == "a"), host)`, "at least two boolean step predicates"},
		{seqEvents + `| evaluate sequence_detect(t, host, 1h, a=(ev == "a"), b=(ev == "b"), host)`, "constant, non-negative timespan as MaxSequenceStepWindow"},
		{seqEvents + `| evaluate sequence_detect(t, 10m, -1h, a=(ev == "a"), b=(ev == "b"), host)`, "MaxSequenceSpan"},
		{seqEvents + `| evaluate sequence_detect(t, 10m)`, "needs a timeline column"},
		{basketRows + `| evaluate basket(2)`, "Threshold to be a constant number between 0 and 1"},
		{basketRows + `| evaluate basket(0)`, "Threshold to be a constant number between 0 and 1"},
		{basketRows + `| evaluate autocluster(-0.1)`, "SizeWeight to be a constant number between 0 and 1"},
		{basketRows + `| evaluate basket(0.1, nope)`, "unknown column"},
		{basketRows + `| evaluate autocluster(0.5, user)`, "not a number"},
		{basketRows + `| evaluate basket(0.1, '~', 0)`, "MaxDimensions to be a constant whole number"},
		{basketRows + `| extend Count = 1 | evaluate basket()`, "outputs a column Count"},
		{basketRows + `| evaluate basket() | where Nope > 1`, "unknown column"},
	} {
		_, errs := kql.Compile(c.kql, schema.NewCatalog())
		require.NotNil(t, errs, "%s", c.kql)
		require.Contains(t, errs[0].Error(), strings.TrimPrefix(c.want, "1:"))
	}
}

// BenchmarkPlugins runs each plugin over rows that KQL's range makes inside DuckDB (200,000; VIGIL_PLUGINS_BENCH_ROWS
// changes it): 100 hosts, one event per second, steps a and b every 7th and 5th row.
func BenchmarkPlugins(b *testing.B) {
	n := 200000
	if s := os.Getenv("VIGIL_PLUGINS_BENCH_ROWS"); s != "" {
		v, err := strconv.Atoi(s)
		require.NoError(b, err)
		n = v
	}
	rows := fmt.Sprintf(`range i from 1 to %d step 1
| extend t = datetime(2024-01-01) + i * 1s, host = strcat("h", i %% 100), user = strcat("u", i %% 50),
  app = strcat("app", i %% 7), code = i %% 3, ev = case(i %% 7 == 0, "a", i %% 5 == 0, "b", "c")
`, n)
	db := kqltest.OpenStore(b)
	for _, c := range []struct{ name, kql string }{
		{"sequence_detect", rows + `| evaluate sequence_detect(t, 10m, 30m, a=(ev == "a"), b=(ev == "b"), host) | count`},
		{"basket", rows + `| project user, app, code, host | evaluate basket(0.01) | count`},
		{"autocluster", rows + `| project user, app, code, host | evaluate autocluster() | count`},
	} {
		q, errs := kql.Compile(c.kql, schema.NewCatalog())
		require.Nil(b, errs)
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				_, err := q.Run(context.Background(), db, 10)
				require.NoError(b, err)
			}
		})
	}
}

// FuzzCompilePlugins compiles mutations of plugin queries: every refusal must carry a position, and SQL generation
// must never hit a generator bug (kql_internal).
func FuzzCompilePlugins(f *testing.F) {
	for _, s := range []string{
		seqEvents + `| evaluate sequence_detect(t, 10m, 1h, first=(ev == "a"), second=(ev == "b"), host)`,
		seqEvents + `| evaluate sequence_detect(t, 10m, 15m, (ev == "a"), (ev == "b"), (ev == "c"), h=strcat(host, "x"))`,
		basketRows + `| evaluate basket(0.3, '~', 1, '*', long(-1))`,
		basketRows + `| evaluate basket(0.5, n) | where Percent > 1`,
		clusterRows + `| evaluate autocluster(0.2, '~', 3, '*') | join (print x = 1) on $left.SegmentId == $right.x`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		q, errs := kql.Compile(src, schema.NewCatalog(), kql.WithNow(goldenNow))
		if errs != nil {
			for _, e := range errs {
				require.Positive(t, e.Line, "%s", e.Message)
			}
			return
		}
		_, err := q.DuckDB()
		var ke *kql.Error
		if errors.As(err, &ke) {
			require.NotEqual(t, "kql_internal", ke.Code, ke.Message)
		}
	})
}
