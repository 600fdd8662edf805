// Package sqlgen holds what the SQL dialects of the KQL compiler share: the
// error a dialect returns for a construct it cannot express. Each dialect is
// a sub-package (sqlgen/duckdb) turning an internal/kql/plan tree into one
// SQL statement in which every identifier and literal is quoted by the
// generator.
package sqlgen

import "fmt"

// CodeUnsupported is the diagnostic code of a construct a dialect cannot express.
const CodeUnsupported = "kql_unsupported"

// UnsupportedError reports a plan construct the dialect cannot express.
type UnsupportedError struct {
	Dialect string
	What    string
}

func (e *UnsupportedError) Error() string {
	return fmt.Sprintf("%s is not supported by the %s back end yet", e.What, e.Dialect)
}

// Unsupported returns an [UnsupportedError].
func Unsupported(dialect, format string, args ...any) error {
	return &UnsupportedError{Dialect: dialect, What: fmt.Sprintf(format, args...)}
}
