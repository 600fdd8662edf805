package sema

import (
	"github.com/vigilsec/vigil/internal/kql/ast"
	"github.com/vigilsec/vigil/internal/kql/plan"
)

// partition binds T | partition by Column (SubQuery): the subquery runs over the rows of each value of Column.
// Hints (hint.strategy, hint.materialized, ...) do not change the result and are accepted.
func (b *binder) partition(in plan.Node, o *ast.PartitionOp, e *env) plan.Node {
	id, ok := o.By.(*ast.Ident)
	if !ok {
		b.errorf(o.By, CodeTypeError, "partition by needs a column name")
		return nil
	}
	s := in.Schema()
	if s.Index(id.Name) < 0 {
		b.unknownColumn(id, s)
		return nil
	}
	body := o.Body
	if p, ok := body.(*ast.Paren); ok {
		body = p.X
	}
	pl, ok := body.(*ast.Pipeline)
	if !ok || pl.Source != nil {
		b.errorf(o.Body, CodeUnsupported, "partition with a subquery that has its own source is not supported yet")
		return nil
	}
	rows := &plan.PartitionRows{Cols: append(plan.Schema{}, s...), Key: id.Name}
	var n plan.Node = rows
	for _, op := range pl.Ops {
		if n = b.op(n, op, e); n == nil {
			return nil
		}
	}
	return &plan.Partition{Input: in, Key: id.Name, Rows: rows, Body: n}
}
