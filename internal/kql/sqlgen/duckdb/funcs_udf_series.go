package duckdb

// The series functions that fill, filter or correlate series, run by registered Go functions
// (internal/store/duckdb/udf/series_fill.go).
func init() {
	for _, n := range []string{"series_fill_backward", "series_fill_forward", "series_fill_linear", "series_iir",
		"series_seasonal", "series_pearson_correlation"} {
		udfFuncs[n] = udfCall{name: "kql_" + n}
	}
}
