package kql_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/kql"
	"github.com/vigilsec/vigil/internal/kql/kqltest"
	"github.com/vigilsec/vigil/internal/schema"
)

// TestExecTopNested runs top-nested on DuckDB. The first case is an example of the Kusto documentation with its
// documented output; the others are small tables whose answers can be counted by hand.
func TestExecTopNested(t *testing.T) {
	db := kqltest.OpenStore(t)
	const docs = `datatable(id: string, timestamp: datetime, otherInformation: string)
[
    "Barak", datetime(2015-01-01), "1",
    "Barak", datetime(2016-01-01), "2",
    "Barak", datetime(2017-01-20), "3",
    "Donald", datetime(2017-01-20), "4",
    "Donald", datetime(2017-01-18), "5",
    "Donald", datetime(2017-01-19), "6"
]
| top-nested of id by Ignore0=max(1),
  top-nested 2 of timestamp by Ignore1=max(timestamp),
  top-nested of otherInformation by Ignore2=max(1)
| project-away Ignore0, Ignore1, Ignore2
| order by timestamp asc, id asc`
	// Sales by region and seller: West 3+4+5+1 = 13, East 6+2 = 8, North 7. Equal aggregates rank by key.
	const sales = `datatable(Region:string, Seller:string, Amount:long)[
    "West", "ann", 3, "West", "bob", 4, "West", "cy", 5, "West", "ann", 1,
    "East", "dee", 6, "East", "eve", 2,
    "North", "fay", 7]`
	cases := []struct{ name, kql, want string }{
		{"documented-example", docs, "\"Barak\" | 2016-01-01T00:00:00Z | \"2\"\n\"Donald\" | 2017-01-19T00:00:00Z | \"6\"\n" +
			"\"Barak\" | 2017-01-20T00:00:00Z | \"3\"\n\"Donald\" | 2017-01-20T00:00:00Z | \"4\""},
		{"one-level-names", sales + ` | top-nested 2 of Region by sum(Amount)`, "\"West\" | 13\n\"East\" | 8"},
		{"two-levels", sales + ` | top-nested 2 of Region by sum(Amount), top-nested 1 of Seller by sum(Amount) | project Region, aggregated_Region, Seller, aggregated_Seller`,
			"\"West\" | 13 | \"cy\" | 5\n\"East\" | 8 | \"dee\" | 6"},
		{"ascending", sales + ` | top-nested 1 of Region by Total = sum(Amount) asc`, "\"North\" | 7"},
		{"with-others", sales + ` | top-nested 1 of Region with others = "Other" by sum(Amount), top-nested 1 of Seller with others = "rest" by n = count()`,
			"\"Other\" | 15 | \"rest\" | 2\n\"Other\" | 15 | \"dee\" | 1\n\"West\" | 13 | \"ann\" | 2\n\"West\" | 13 | \"rest\" | 2"},
		// dcount of the others group counts over its rows, not the sum of the groups' counts.
		{"others-dcount", `datatable(k:string, v:long)["a", 1, "a", 2, "b", 1, "c", 1, "c", 3] | top-nested 1 of k with others = "z" by dcount(v)`,
			"\"a\" | 2\n\"z\" | 2"},
		{"computed-key", sales + ` | top-nested of Initial = substring(Seller, 0, 1) by count() | order by Initial asc | take 2`, "\"a\" | 2\n\"b\" | 1"},
		{"algebraic-aggregation", sales + ` | top-nested 1 of Region by Avg = sum(Amount) * 1.0 / count()`, "\"North\" | 7"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, run(t, db, c.kql))
		})
	}
}

// TestTopNestedErrors checks the clause errors.
func TestTopNestedErrors(t *testing.T) {
	const src = `datatable(k:string, v:long)[] | `
	cases := []struct{ name, op, want string }{
		{"not-an-aggregation", `top-nested 2 of k by v`, "1:54: top-nested needs an aggregation after by, such as count() or sum(x)"},
		{"others-type", `top-nested 2 of k with others = 1 by count()`, "1:65: with others needs a string value like the key, got long"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, errs := kql.Compile(src+c.op, schema.NewCatalog())
			require.NotEmpty(t, errs)
			require.Equal(t, c.want, errs[0].Error())
		})
	}
}
