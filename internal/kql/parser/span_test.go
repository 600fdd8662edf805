package parser_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/kql/ast"
	"github.com/vigilsec/vigil/internal/kql/parser"
)

// TestSpans pins the exact span of nodes: for each case, the source text
// covered by every node of the named type, in traversal order.
func TestSpans(t *testing.T) {
	tests := []struct {
		src  string
		kind string // node type name, e.g. "*ast.Binary"
		want []string
	}{
		{`T | where a == 1 and b`, "*ast.Binary", []string{`a == 1 and b`, `a == 1`}},
		{`T | where a == 1 and b`, "*ast.FilterOp", []string{`where a == 1 and b`}},
		{`T | where a == 1 and b`, "*ast.Pipeline", []string{`T | where a == 1 and b`}},
		{"let x = 1;\nT | take x", "*ast.LetStmt", []string{`let x = 1`}},
		{"let x = 1;\nT | take x", "*ast.ExprStmt", []string{`T | take x`}},
		{`T | extend y = f(a, "s") * 2`, "*ast.Assign", []string{`y = f(a, "s") * 2`}},
		{`T | extend y = f(a, "s") * 2`, "*ast.Call", []string{`f(a, "s")`}},
		{`T | extend y = f(a, "s") * 2`, "*ast.Literal", []string{`"s"`, `2`}},
		{`T | extend v = d.a['b'][0]`, "*ast.Index", []string{`d.a['b'][0]`, `d.a['b']`}},
		{`T | extend v = d.a['b'][0]`, "*ast.Member", []string{`d.a`}},
		{`T | where a in ("x", 'y')`, "*ast.InExpr", []string{`a in ("x", 'y')`}},
		{`T | where a between (1 .. 2)`, "*ast.BetweenExpr", []string{`a between (1 .. 2)`}},
		{`T | project ['a b'], c`, "*ast.Ident", []string{`T`, `['a b']`, `c`}},
		{`T | summarize n = count() by bin(ts, 1h)`, "*ast.SummarizeOp", []string{`summarize n = count() by bin(ts, 1h)`}},
		{`T | join kind=inner (U) on $left.a == $right.b`, "*ast.OpParam", []string{`kind=inner`}},
		{`T | join kind=inner (U) on $left.a == $right.b`, "*ast.Member", []string{`$left.a`, `$right.b`}},
		{`T | sort by a desc nulls last`, "*ast.SortKey", []string{`a desc nulls last`}},
		{`T | parse x with * "k=" v:int`, "*ast.ColumnDecl", []string{`v:int`}},
		{`T | mv-expand d to typeof(long)`, "*ast.MvExpandItem", []string{`d to typeof(long)`}},
		{`let f = (a:string) { T | where b == a }; f("x")`, "*ast.FuncDef", []string{`(a:string) { T | where b == a }`}},
		{`let f = (a:string) { T | where b == a }; f("x")`, "*ast.Block", []string{`{ T | where b == a }`}},
		{`union Dev*, (T)`, "*ast.Wildcard", []string{`Dev*`}},
		{`print dynamic({"a": [1, -2]})`, "*ast.Dynamic", []string{`dynamic({"a": [1, -2]})`}},
		{`print dynamic({"a": [1, -2]})`, "*ast.ArrayLit", []string{`[1, -2]`}},
		{`print -x, - 1`, "*ast.Unary", []string{`-x`, `- 1`}},
		{`print mv-expand`, "*ast.Binary", []string{`mv-expand`}},
		{`print mv-expand`, "*ast.Ident", []string{`mv`, `expand`}},
		{`print graph-to-table`, "*ast.Binary", []string{`graph-to-table`, `graph-to`}},
		{"T\n| where a\n| take 1", "*ast.TakeOp", []string{`take 1`}},
		{`datatable(a:int) [1, 2]`, "*ast.DatatableOp", []string{`datatable(a:int) [1, 2]`}},
	}
	for _, tc := range tests {
		t.Run(tc.kind+" "+tc.src, func(t *testing.T) {
			q, errs := parser.Parse(tc.src)
			require.Nil(t, errs, "errors:\n%s", errs.Render(tc.src))
			var got []string
			ast.Inspect(q, func(n ast.Node) bool {
				if fmt.Sprintf("%T", n) == tc.kind {
					sp := n.Span()
					got = append(got, tc.src[sp.Start:sp.End])
				}
				return true
			})
			require.Equal(t, tc.want, got)
		})
	}
}
