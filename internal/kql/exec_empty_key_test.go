package kql_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/kql/kqltest"
)

// Reading a bag with an empty property name, constant or computed, is null rather than a DuckDB error on the JSON
// path $."" (the ASIM lookup helpers index a table with tostring(code), empty when the code is null).
func TestBagEmptyKey(t *testing.T) {
	db := kqltest.OpenStore(t)
	require.Equal(t, "v:dynamic | w:dynamic | z:dynamic\nnull | \"a\" | null", runFinished(t, db,
		`let x = int(null); let T = dynamic({"1":"a"}); print v = T[tostring(x)], w = T[tostring(1)], z = T[strcat("", "")]`))
	require.Equal(t, "k:string | v:dynamic\n\"\" | null\n\"1\" | \"a\"", runFinished(t, db,
		`datatable(k:string)["", "1"] | extend v = dynamic({"1":"a"})[k]`))
}

// iff and case whose result is dynamic convert a branch of another type to JSON (DuckDB would parse a string as
// JSON text and fail on "Unassigned").
func TestDynamicConditionalBranches(t *testing.T) {
	db := kqltest.OpenStore(t)
	require.Equal(t, "v:dynamic | w:dynamic\n\"Unassigned\" | \"a\"", runFinished(t, db,
		`let T = dynamic({"1":"a"}); print v = case(tostring(T["2"]) != "", T["2"], "Unassigned"), w = iff(true, T["1"], "U")`))
}
