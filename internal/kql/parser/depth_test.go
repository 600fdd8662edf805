package parser_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/kql/parser"
	"github.com/vigilsec/vigil/internal/kql/token"
)

// TestDepthLimit checks that deeply nested input is rejected with
// kql_too_deep rather than exhausting the stack, for every recursive form.
func TestDepthLimit(t *testing.T) {
	n := 5000
	tests := map[string]string{
		"parens":   "print " + strings.Repeat("(", n) + "1" + strings.Repeat(")", n),
		"calls":    "print " + strings.Repeat("f(", n) + "1" + strings.Repeat(")", n),
		"unary":    "print " + strings.Repeat("-", n) + "1",
		"index":    "print " + strings.Repeat("a[", n) + "1" + strings.Repeat("]", n),
		"in":       "print " + strings.Repeat("a in (", n) + "1" + strings.Repeat(")", n),
		"dynamic":  "print dynamic(" + strings.Repeat("[", n) + strings.Repeat("]", n) + ")",
		"types":    "let f = (T:" + strings.Repeat("(a:", n) + "string" + strings.Repeat(")", n) + ") { T }; f",
		"funcs":    strings.Repeat("let f = () { ", n) + "1" + strings.Repeat(" }", n),
		"subquery": "T" + strings.Repeat(" | join (T", n) + strings.Repeat(") on a", n),
	}
	for name, src := range tests {
		t.Run(name, func(t *testing.T) {
			_, errs := parser.Parse(src)
			require.NotEmpty(t, errs)
			require.ErrorIs(t, errs.Err(), token.ErrLimit)
			require.Equal(t, token.CodeTooDeep, errs[0].Code, errs.Error())
		})
	}
	// Nesting below the limit is fine.
	ok := "print " + strings.Repeat("(", 150) + "1" + strings.Repeat(")", 150)
	_, errs := parser.Parse(ok)
	require.Nil(t, errs)
	// Long flat chains are not nesting.
	_, errs = parser.Parse("print 1" + strings.Repeat(" + 1", 50000))
	require.Nil(t, errs)
}

func TestErrorCap(t *testing.T) {
	src := strings.Repeat("T | where ;\n", 300)
	_, errs := parser.Parse(src)
	require.Len(t, errs, token.MaxErrors)
	require.Equal(t, token.CodeTooManyErrors, errs[len(errs)-1].Code)
	for i := 1; i < len(errs); i++ {
		require.LessOrEqual(t, errs[i-1].Span.Start, errs[i].Span.Start, "errors are sorted")
	}
}

func TestRecovery(t *testing.T) {
	// One error per broken operator; the good operators still parse.
	src := "T | where | extend a = 1 | project , | take 1;\nlet x = ;\nU | count"
	q, errs := parser.Parse(src)
	require.Len(t, errs, 3, errs.Error())
	require.Equal(t, []string{"1:11: expected an expression, found \"|\"", "1:36: expected an expression, found \",\"", "2:9: expected an expression, found \";\""},
		[]string{errs[0].Error(), errs[1].Error(), errs[2].Error()})
	require.Len(t, q.Stmts, 2) // the broken let is dropped
}

func TestParseExpr(t *testing.T) {
	x, errs := parser.ParseExpr(`a has "x" and b > 1`)
	require.Nil(t, errs)
	require.Equal(t, `a has "x" and b > 1`, x.String())
	_, errs = parser.ParseExpr(`let x = 1; x`)
	require.NotEmpty(t, errs)
	_, errs = parser.ParseExpr(`a >`)
	require.NotEmpty(t, errs)
}

func TestManyLexErrors(t *testing.T) {
	_, errs := parser.Parse("print " + strings.Repeat("# ", 100000))
	require.Len(t, errs, token.MaxErrors)
	require.Equal(t, token.CodeLexError, errs[0].Code)
	require.Equal(t, token.CodeTooManyErrors, errs[len(errs)-1].Code)
}

func TestInternalError(t *testing.T) {
	restore := parser.SetStmtHook(func() { panic("boom") })
	defer restore()
	q, errs := parser.Parse("T | take 1")
	require.NotNil(t, q)
	require.Len(t, errs, 1)
	require.Equal(t, token.CodeInternal, errs[0].Code)
	require.ErrorIs(t, errs.Err(), token.ErrInternal)
	require.Equal(t, "1:1: internal parser error: boom", errs[0].Error())
}
