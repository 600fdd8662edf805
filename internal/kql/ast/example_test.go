package ast_test

import (
	"fmt"

	"github.com/vigilsec/vigil/internal/kql/ast"
	"github.com/vigilsec/vigil/internal/kql/parser"
	"github.com/vigilsec/vigil/internal/kql/token"
)

func ExampleInspect() {
	q, _ := parser.Parse(`SecurityEvent | where EventID == 4625 | summarize n = count() by Account`)
	ast.Inspect(q, func(n ast.Node) bool {
		if op, ok := n.(ast.Operator); ok {
			fmt.Println(op.Name())
		}
		return true
	})
	// Output:
	// where
	// summarize
}

func ExampleFormat() {
	x := &ast.Binary{
		Op: "has",
		X:  &ast.Ident{Name: "CommandLine"},
		Y:  &ast.Literal{Kind: ast.LitString, Raw: ast.QuoteString(`-enc`), Value: `-enc`},
	}
	op := &ast.FilterOp{Keyword: "where", Pred: x}
	fmt.Println(ast.Format(&ast.Pipeline{Source: &ast.Ident{Name: "DeviceProcessEvents"}, Ops: []ast.Operator{op}}))
	// Output:
	// DeviceProcessEvents
	// | where CommandLine has "-enc"
}

func ExampleLoc() {
	src := "T\n| take 10"
	q, _ := parser.Parse(src)
	ast.Inspect(q, func(n ast.Node) bool {
		if t, ok := n.(*ast.TakeOp); ok {
			line, col := token.Position(src, t.Span().Start)
			fmt.Printf("%d:%d %s\n", line, col, src[t.Span().Start:t.Span().End])
		}
		return true
	})
	// Output:
	// 2:3 take 10
}
