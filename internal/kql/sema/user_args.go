package sema

import (
	"github.com/vigilsec/vigil/internal/kql/ast"
	"github.com/vigilsec/vigil/internal/kql/plan"
	"github.com/vigilsec/vigil/internal/schema"
)

// tabularArgument binds a tabular argument a passed to parameter p of a user function, which declares a scalar
// type. Kusto lets user functions coerce their arguments to the declared parameter types (built-in functions do
// not), and the one documented conversion of a tabular value to a scalar is toscalar(): the first column of the
// first row. So _Im_WebSession(srcipaddr_has_any_prefix=IPs), with IPs a one-column tabular let, reads the first
// value of IPs, converted to the declared type (a dynamic parameter takes the value as it is).
func (b *binder) tabularArgument(p *ast.ColumnDecl, a ast.Expr, e *env) plan.Expr {
	n := b.tabular(a, e)
	if n == nil || len(n.Schema()) == 0 {
		return nullDyn
	}
	var x plan.Expr = &plan.Subquery{Table: n, T: n.Schema()[0].Type}
	if t := b.typeRef(p.Type); t != x.Type() && t != schema.TypeDynamic {
		x = convert(x, t)
	}
	return x
}
