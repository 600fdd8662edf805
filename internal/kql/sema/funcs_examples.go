package sema

func init() {
	// series_pearson_correlation(series1, series2) is a real number, not a series.
	def("series_pearson_correlation", 2, 2, fixed(tR))
	// buildschema(DynamicExpr) is the schema that admits every value; its column is schema_X.
	agg("buildschema", 1, 1, fixed(tY))
	aggPrefix["buildschema"] = "schema"
}
