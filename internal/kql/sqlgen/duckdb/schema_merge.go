package duckdb

import "github.com/vigilsec/vigil/internal/kql/plan"

// schemaMerge hands the getschema rows, in order, to the registered Go function kql_schema_merge and unnests the
// merged rows it returns.
func (g *gen) schemaMerge(v *plan.SchemaMerge) string {
	src, a := g.from(v.Input)
	b, c := g.next(), g.next()
	preserve := "FALSE"
	if v.PreserveOrder {
		preserve = "TRUE"
	}
	rows := "SELECT to_json(list(json_array(" + b + ".\"ColumnName\", " + b + ".\"ColumnOrdinal\", " + b + ".\"DataType\", " + b +
		".\"ColumnType\") ORDER BY " + b + ".\"$ord\")) AS \"$rows\" FROM (SELECT " + a + ".*, row_number() OVER () AS \"$ord\" FROM " + src + ") AS " + b
	r := c + ".\"$r\""
	return "SELECT (" + r + " ->> '$[0]') AS \"ColumnName\", CAST(" + r + " ->> '$[1]' AS INTEGER) AS \"ColumnOrdinal\", (" + r +
		" ->> '$[2]') AS \"DataType\", (" + r + " ->> '$[3]') AS \"ColumnType\" FROM (SELECT unnest(CAST(json_extract(kql_schema_merge(" +
		preserve + ", CAST(\"$rows\" AS VARCHAR)), '$[*]') AS JSON[])) AS \"$r\" FROM (" + rows + ")) AS " + c
}
