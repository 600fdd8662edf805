package duckdb

import (
	"github.com/vigilsec/vigil/internal/kql/plan"
	"github.com/vigilsec/vigil/internal/schema"
)

// examplesRealRange reports whether a range() call has a real argument: DuckDB's generate_series takes integers
// only, so such a range is built from the element indexes (examplesRealSeries).
func examplesRealRange(a []plan.Expr) bool {
	for _, x := range a {
		if t := x.Type(); t == schema.TypeReal || t == schema.TypeDecimal {
			return true
		}
	}
	return false
}

// examplesRealSeries is range(start, stop, step) over reals: start + i*step for i = 0 .. (stop-start)/step (a
// rounding error of the quotient does not drop the last element), capped at 1,048,576 elements as KQL documents.
func examplesRealSeries(start, stop, step string) string {
	st := "CAST(" + step + " AS DOUBLE)"
	n := "least(CAST(floor((CAST(" + stop + " AS DOUBLE) - CAST(" + start + " AS DOUBLE)) / " + st + " + 1e-9) AS BIGINT), 1048575)"
	return "(CASE WHEN " + st + " <> 0 THEN to_json(list_transform(generate_series(0, " + n + "), i -> CAST(" + start + " AS DOUBLE) + i * " + st + ")) END)"
}
