package udf_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestPatternsFunction calls kql_patterns directly: a result per pattern with its number, weight, percentage, row
// and fixed columns; no rows (NULL) give no patterns; bad input and bad arguments fail the query with an error.
func TestPatternsFunction(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	var out string
	// Rows: (a, x), (a, y), (b, y), (a, null) with weights 1, 1, 1, 3: a weighs 5 of 6, y 2, x 1.
	require.NoError(t, db.QueryRowContext(ctx, `SELECT kql_patterns('basket', '[["a","x"],["a","y"],["b","y"],["a",null]]',
		'[1,1,1,3]', 0.3, 5)`).Scan(&out))
	require.JSONEq(t, `[{"s":0,"w":5,"p":83.33333333333333,"r":0,"f":"10"},{"s":1,"w":2,"p":33.333333333333336,"r":1,"f":"01"}]`, out)

	require.NoError(t, db.QueryRowContext(ctx, `SELECT kql_patterns('autocluster', NULL, NULL, 0.5, 25)`).Scan(&out))
	require.Equal(t, "[]", out)

	for _, q := range []string{
		`SELECT kql_patterns('basket', 'not json', NULL, 0.5, 5)`,
		`SELECT kql_patterns('basket', '[["a"]]', '[1,2]', 0.5, 5)`,
		`SELECT kql_patterns('basket', '[["a"]]', NULL, 0, 5)`,
		`SELECT kql_patterns('nope', '[["a"]]', NULL, 0.5, 5)`,
	} {
		require.Error(t, db.QueryRowContext(ctx, q).Scan(&out), q)
	}
}
