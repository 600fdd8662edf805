package duckdb

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/vigilsec/vigil/internal/kql/plan"
	"github.com/vigilsec/vigil/internal/schema"
)

// scanSteps runs the scan operator in Go: the rows of each partition, in order, go as one JSON array (datetimes
// and timespans as microseconds) to the registered function kql_scan with the serialized steps
// (plan.ScanSpec); it returns the output rows as a JSON array, unnested here into typed columns.
func (g *gen) scanSteps(v *plan.ScanSteps) string {
	spec, err := v.Spec()
	if err != nil {
		g.fail("scan: %v", err)
	}
	js, err := json.Marshal(spec)
	if err != nil {
		g.fail("scan: %v", err)
	}
	src, a := g.from(v.Input)
	in := v.Input.Schema()
	b := g.next()
	enc := make([]string, len(in))
	for i, c := range in {
		x := b + "." + quoteIdent(c.Name)
		switch c.Type {
		case schema.TypeDatetime:
			x = "epoch_us(" + x + ")"
		case schema.TypeTimespan:
			x = ivUS(x)
		}
		enc[i] = x
	}
	order := make([]string, 0, len(v.OrderBy)+1)
	for _, k := range v.OrderBy {
		o := g.expr(k.X, b+".")
		if k.Desc {
			o += " DESC"
		} else {
			o += " ASC"
		}
		if k.NullsFirst {
			o += " NULLS FIRST"
		} else {
			o += " NULLS LAST"
		}
		order = append(order, o)
	}
	order = append(order, b+".\"$ord\"")
	rows := "SELECT to_json(list(json_array(" + strings.Join(enc, ", ") + ") ORDER BY " + strings.Join(order, ", ") + ")) AS \"$rows\" FROM (SELECT " +
		a + ".*, row_number() OVER () AS \"$ord\" FROM " + src + ") AS " + b
	if len(v.PartitionBy) > 0 {
		keys := make([]string, len(v.PartitionBy))
		for i, k := range v.PartitionBy {
			keys[i] = g.expr(k.X, b+".")
		}
		rows += " GROUP BY " + strings.Join(keys, ", ")
	}
	c, d := g.next(), g.next()
	out := v.Schema()
	cols := make([]string, len(out))
	for i, col := range out {
		cell := d + ".\"$r\" -> '$[" + strconv.Itoa(i) + "]'"
		switch col.Type {
		case schema.TypeDatetime:
			cols[i] = "make_timestamp(CAST((" + cell + ") ->> '$' AS BIGINT))"
		case schema.TypeTimespan:
			cols[i] = "to_microseconds(CAST((" + cell + ") ->> '$' AS BIGINT))"
		default:
			cols[i] = fromJSON("("+cell+")", col.Type)
		}
		cols[i] += " AS " + quoteIdent(col.Name)
	}
	return "SELECT " + strings.Join(cols, ", ") + " FROM (SELECT unnest(CAST(json_extract(kql_scan(" + quoteString(string(js)) +
		", CAST(" + c + ".\"$rows\" AS VARCHAR)), '$[*]') AS JSON[])) AS \"$r\" FROM (" + rows + ") AS " + c + ") AS " + d
}
