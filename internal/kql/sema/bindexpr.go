package sema

import (
	"fmt"
	"time"

	"github.com/vigilsec/vigil/internal/kql/ast"
	"github.com/vigilsec/vigil/internal/kql/parser"
	"github.com/vigilsec/vigil/internal/kql/plan"
	"github.com/vigilsec/vigil/internal/kql/token"
)

// BindExpr binds a scalar KQL expression over a row with the given columns
// (for the row evaluator and automation conditions).
func BindExpr(src string, cols plan.Schema, cat Catalog, opts Options) (x plan.Expr, errs token.ErrorList) {
	e, perrs := parser.ParseExpr(src)
	if len(perrs) > 0 {
		perrs.Resolve(src)
		return nil, perrs
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now().UTC()
	}
	b := &binder{cat: cat, opts: opts, global: &env{names: map[string]*binding{}}, expanding: map[string]bool{}}
	func() {
		defer func() {
			if r := recover(); r != nil {
				b.errs.Add(token.CodeInternal, e.Span(), fmt.Sprintf("internal error in semantic check: %v", r))
			}
		}()
		x = b.scalar(e, &rowCtx{schema: cols}, b.global)
	}()
	if _, ok := e.(*ast.Pipeline); ok {
		b.errorf(e, CodeTypeError, "expected a scalar expression")
	}
	if len(b.errs) > 0 {
		errs = b.errs.Sort()
		errs.Resolve(src)
		return nil, errs
	}
	return x, nil
}
