package kql_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/kql"
	"github.com/vigilsec/vigil/internal/kql/kqltest"
	"github.com/vigilsec/vigil/internal/schema"
)

// partition runs its subquery over the rows of each key; the expected rows follow from running the subquery by
// hand on each partition.
func TestExecPartition(t *testing.T) {
	db := kqltest.OpenStore(t)
	cases := []struct{ name, kql, want string }{
		{"top-per-key", `datatable(k: string, x: long)["a", 1, "b", 5, "a", 3, "b", 2, "a", 2]
| partition by k (top 2 by x desc)
| sort by k asc, x desc`,
			"\"a\" | 3\n\"a\" | 2\n\"b\" | 5\n\"b\" | 2"},
		{"summarize-per-key", `datatable(k: long, x: long)[1, 1, 2, 5, 1, 3]
| partition hint.strategy=native by k (summarize s = sum(x), n = count())
| sort by s asc`,
			"4 | 2\n5 | 1"},
		{"serialized-per-key", `datatable(k: string, t: long)["a", 1, "b", 1, "a", 4, "b", 3, "a", 6]
| partition by k (order by t asc | extend gap = t - prev(t) | where isnotnull(gap))
| project k, t, gap | sort by k asc, t asc`,
			"\"a\" | 4 | 3\n\"a\" | 6 | 2\n\"b\" | 3 | 2"},
		{"scan-per-key", `datatable(k: string, x: long)["a", 1, "b", 10, "a", 2, "b", 20, "a", 3]
| partition by k (order by x asc | scan declare (c: long = 0) with (step s: true => c = s.c + x;))
| sort by k asc, x asc`,
			"\"a\" | 1 | 1\n\"a\" | 2 | 3\n\"a\" | 3 | 6\n\"b\" | 10 | 10\n\"b\" | 20 | 30"},
		{"null-key", `datatable(k: long, x: long)[long(null), 1, long(null), 2, 7, 3] | partition by k (count) | sort by Count asc`,
			"1\n2"},
		{"empty", `datatable(k: long, x: long)[] | partition by k (count) | count`, "0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, run(t, db, tc.kql))
		})
	}
}

func TestPartitionErrors(t *testing.T) {
	for _, c := range []struct{ kql, want string }{
		{`datatable(k: long)[] | partition by nope (count)`, `1:37: unknown column or variable "nope"`},
		{`let T = datatable(k: long)[]; T | partition by k { T | count }`, `partition with a subquery that has its own source is not supported yet`},
		{`datatable(k: long)[] | partition by k (where zz > 1)`, `unknown column or variable "zz"`},
	} {
		_, errs := kql.Compile(c.kql, schema.NewCatalog())
		require.NotEmpty(t, errs, c.kql)
		require.Contains(t, errs.Render(c.kql), c.want, c.kql)
	}
}
