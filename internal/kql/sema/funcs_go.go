package sema

// Functions compiled to Go functions inside DuckDB (internal/store/duckdb/udf) that have no entry elsewhere.
func init() {
	def("indexof_regex", 2, 5, fixed(tL), 0, 1)
}
