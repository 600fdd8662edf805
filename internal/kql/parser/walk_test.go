package parser_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/kql/ast"
	"github.com/vigilsec/vigil/internal/kql/parser"
)

var nodeType = reflect.TypeFor[ast.Node]()

// fieldNodes returns, by reflection, every non-nil node held in the fields
// of n (directly or in slices).
func fieldNodes(n ast.Node) []ast.Node {
	var out []ast.Node
	v := reflect.ValueOf(n).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		switch {
		case f.Kind() == reflect.Slice && f.Type().Elem().Implements(nodeType):
			for j := range f.Len() {
				out = append(out, f.Index(j).Interface().(ast.Node))
			}
		case f.Type().Implements(nodeType) && !f.IsNil():
			out = append(out, f.Interface().(ast.Node))
		}
	}
	return out
}

// TestChildrenComplete checks that ast.Children (and so Walk and Inspect)
// reaches every node held in a field, for every node of the syntax test
// queries.
func TestChildrenComplete(t *testing.T) {
	seen := map[string]bool{}
	for _, src := range validQueries {
		q, errs := parser.Parse(src)
		require.Nil(t, errs)
		ast.Inspect(q, func(n ast.Node) bool {
			seen[fmt.Sprintf("%T", n)] = true
			require.Equal(t, fieldNodes(n), ast.Children(n), "%T in %s", n, src)
			return true
		})
	}
	t.Logf("%d node types checked", len(seen))
	require.GreaterOrEqual(t, len(seen), 60)
}

type countVisitor struct{ enter, leave *int }

func (v countVisitor) Visit(n ast.Node) ast.Visitor {
	if n == nil {
		*v.leave++
		return nil
	}
	*v.enter++
	return v
}

func TestWalk(t *testing.T) {
	q, errs := parser.Parse(`T | where a == 1 | project b`)
	require.Nil(t, errs)
	var enter, leave int
	ast.Walk(countVisitor{&enter, &leave}, q)
	// Query, ExprStmt, Pipeline, T, FilterOp, Binary, a, 1, ProjectOp, b
	require.Equal(t, 10, enter)
	require.Equal(t, enter, leave)

	var idents []string
	ast.Inspect(q, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			idents = append(idents, id.Name)
		}
		_, isFilter := n.(*ast.FilterOp)
		return !isFilter // do not descend into where
	})
	require.Equal(t, []string{"T", "b"}, idents)
}

func TestFormat(t *testing.T) {
	tests := map[string]string{
		`T|where a==1|project b`:                 "T\n| where a == 1\n| project b",
		`let x=1;T|take x`:                       "let x = 1;\nT\n| take x",
		`print ['a b']`:                          `print ["a b"]`,
		`print "\u0001\ttab"`:                    `print "\u0001\ttab"`,
		`T | extend x=- -1`:                      "T\n| extend x = - -1",
		`T | mv-apply x on (take 1 | count)`:     "T\n| mv-apply x on (take 1 | count)",
		`let f=(a:string="x"){T|where b==a};f()`: "let f = (a:string = \"x\") {\nT\n| where b == a\n};\nf()",
	}
	for src, want := range tests {
		q, errs := parser.Parse(src)
		require.Nil(t, errs, src)
		require.Equal(t, want, q.String(), src)
		require.Equal(t, want, ast.Format(q), src)
	}
	require.Equal(t, `"a\"b\\c\n\u0000"`, ast.QuoteString("a\"b\\c\n\x00"))
}
