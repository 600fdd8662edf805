package sema

import (
	"strings"

	"github.com/vigilsec/vigil/internal/kql/ast"
	"github.com/vigilsec/vigil/internal/kql/plan"
	"github.com/vigilsec/vigil/internal/schema"
)

// schemaMerge binds evaluate schema_merge([PreserveOrder]) over a table in the format getschema produces.
func (b *binder) schemaMerge(in plan.Node, o *ast.EvaluateOp, c *ast.Call, r *rowCtx, e *env) plan.Node {
	n := &plan.SchemaMerge{Input: in, PreserveOrder: true}
	for _, c := range n.Schema() {
		if r.schema.Index(c.Name) < 0 {
			b.errorf(o, CodeTypeError, "schema_merge needs the columns getschema produces; the input has no %s", c.Name)
			return nil
		}
	}
	if len(c.Args) > 1 {
		b.errorf(c, CodeArgCount, "schema_merge takes at most one argument, PreserveOrder")
		return nil
	}
	if len(c.Args) == 1 {
		x := c.Args[0]
		if as, ok := x.(*ast.Assign); ok && len(as.Names) == 1 {
			if !strings.EqualFold(as.Names[0].Name, "PreserveOrder") {
				b.errorf(as.Names[0], CodeTypeError, "schema_merge has no argument %s", as.Names[0].Name)
				return nil
			}
			x = as.Value
		}
		v := b.scalar(x, &rowCtx{}, e)
		l, ok := v.(*plan.Lit)
		if !ok || v.Type() != schema.TypeBool || l.V == nil {
			b.errorf(x, CodeTypeError, "schema_merge: PreserveOrder must be a constant bool")
			return nil
		}
		n.PreserveOrder = l.V.(bool)
	}
	return n
}
