// Package sqlgen holds what the SQL dialects of the KQL compiler share: the
// error a dialect returns for a construct it cannot express. Each dialect is
// a sub-package (sqlgen/duckdb) turning an internal/kql/plan tree into one
// SQL statement in which every identifier and literal is quoted by the
// generator.
package sqlgen

import (
	"errors"
	"fmt"

	"github.com/vigilsec/vigil/internal/kql/token"
)

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

// CodeRefused is the diagnostic code of a construct no back end runs
// because it would reach outside the store (the network, the file system).
const CodeRefused = "kql_refused"

// ErrRefused is matched (errors.Is) by the error a dialect returns for a
// refused construct such as externaldata.
var ErrRefused = errors.New("refused")

// RefusedError reports a plan construct that reaches outside the store.
type RefusedError struct {
	What string
	Span token.Span
	// Reason, when set, says why (e.g. the externaldata policy refuses the URL, naming the setting).
	Reason string
}

func (e *RefusedError) Error() string {
	if e.Reason != "" {
		return e.What + " is refused: " + e.Reason
	}
	return e.What + " reads from the network or the file system and is not allowed"
}

// Is reports whether target is [ErrRefused].
func (e *RefusedError) Is(target error) bool { return target == ErrRefused }

// CodeInternal is the diagnostic code of a bug in a dialect's generator: the query is refused instead of the
// process failing, and the code lets tests and conformance runs find such bugs.
const CodeInternal = "kql_internal"

// InternalError reports a generator bug met while compiling one query.
type InternalError struct {
	Dialect string
	Cause   any
}

func (e *InternalError) Error() string {
	return fmt.Sprintf("internal error in the %s SQL generator: %v", e.Dialect, e.Cause)
}
