package kql_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/kql"
	"github.com/vigilsec/vigil/internal/kql/kqltest"
	"github.com/vigilsec/vigil/internal/schema"
)

// TestInjection feeds hostile literals and identifiers through the
// compiler: each must come back as data, and a canary table must survive.
func TestInjection(t *testing.T) {
	db := kqltest.OpenStore(t)
	ctx := context.Background()
	_, err := db.Query(ctx, `CREATE TABLE canary AS SELECT 42 AS x`, 0)
	require.NoError(t, err)
	payloads := []string{
		`'); DROP TABLE canary; --`,
		`' OR 1=1 --`,
		`\'; DROP TABLE canary; --`,
		`"; DROP TABLE canary; --`,
		`$$; DROP TABLE canary; $$`,
		"line\nbreak; DROP TABLE canary",
		`/* comment */ DROP TABLE canary`,
		`%_[]^$.*+?(){}|\`,
	}
	for _, p := range payloads {
		lit := `"` + escapeKQL(p) + `"`
		queries := []string{
			`print x = ` + lit,
			`datatable(s:string)[` + lit + `] | where s == ` + lit + ` | project x = s`,
			`datatable(s:string)[` + lit + `] | where s has ` + lit + ` or s contains ` + lit + ` or s startswith ` + lit + ` | project x = s`,
			`datatable(s:string)[` + lit + `] | where s in~ (` + lit + `) and s has_any (` + lit + `) | project x = s`,
			`print d = dynamic({"k": 1}) | project x = tostring(d[` + lit + `]), y = ` + lit + ` | project x = y`,
			`datatable(['` + escapeKQL(p) + `']:string)[` + lit + `] | project x = ['` + escapeKQL(p) + `']`,
			`datatable(s:string)[` + lit + `] | summarize x = take_any(s) by ['` + escapeKQL(p) + `'] = s | project x`,
		}
		for _, src := range queries {
			q, errs := kql.Compile(src, schema.NewCatalog())
			require.Nil(t, errs, "%s\n%s", src, errs.Render(src))
			sql, err := q.DuckDB()
			require.NoError(t, err)
			res, err := db.Query(ctx, sql, 10)
			require.NoError(t, err, "query %s\nsql %s", src, sql)
			require.Len(t, res.Rows, 1, src)
			require.Equal(t, p, res.Rows[0][0], "query %s\nsql %s", src, sql)
		}
	}
	res, err := db.Query(ctx, `SELECT x FROM canary`, 0)
	require.NoError(t, err)
	require.EqualValues(t, 42, res.Rows[0][0])
}

func TestInjectionMatchesRegex(t *testing.T) {
	db := kqltest.OpenStore(t)
	src := `print s = "a'b" | where s matches regex "a'b" and s !has "'); DROP TABLE x; --"`
	q, errs := kql.Compile(src, schema.NewCatalog())
	require.Nil(t, errs)
	sql, err := q.DuckDB()
	require.NoError(t, err)
	res, err := db.Query(context.Background(), sql, 10)
	require.NoError(t, err)
	require.Len(t, res.Rows, 1)
}

func escapeKQL(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		switch r {
		case '\\', '"', '\'':
			out = append(out, '\\', r)
		case '\n':
			out = append(out, '\\', 'n')
		default:
			out = append(out, r)
		}
	}
	return string(out)
}
