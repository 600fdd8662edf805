package sema

import (
	"fmt"
	"strings"

	"github.com/vigilsec/vigil/internal/kql/ast"
	"github.com/vigilsec/vigil/internal/kql/plan"
	"github.com/vigilsec/vigil/internal/schema"
)

// rollingPercentile binds evaluate rolling_percentile(ValueColumn, Percentile, IndexColumn, BinSize,
// BinsToLookback [, Dimension, ...]): for each bin of IndexColumn that holds rows (and each combination of the
// dimensions), the percentile of the values in that bin and the BinsToLookback-1 bins before it. It is planned with
// the relational nodes: each row is copied into the BinsToLookback bins whose window holds it (mv-expand of a
// range), the copies are summarized per bin, and bins without rows of their own are dropped.
func (b *binder) rollingPercentile(in plan.Node, c *ast.Call, r *rowCtx, e *env) plan.Node {
	if len(c.Args) < 5 {
		b.errorf(c, CodeArgCount, "rolling_percentile needs ValueColumn, Percentile, IndexColumn, BinSize and BinsToLookback")
		return nil
	}
	val := b.scalar(c.Args[0], r, e)
	pct := b.scalar(c.Args[1], &rowCtx{}, e)
	idx := b.scalar(c.Args[2], r, e)
	size := b.scalar(c.Args[3], &rowCtx{}, e)
	look := b.scalar(c.Args[4], &rowCtx{}, e)
	valName, idxName := exprName(c.Args[0]), exprName(c.Args[2])
	if valName == "" || idxName == "" {
		b.errorf(c, CodeTypeError, "rolling_percentile takes the value and index as columns")
		return nil
	}
	pl, ok := pct.(*plan.Lit)
	if !ok || !isNumeric(pct.Type()) || pl.V == nil {
		b.errorf(c.Args[1], CodeTypeError, "rolling_percentile: Percentile must be a constant number")
		return nil
	}
	ll, ok := look.(*plan.Lit)
	n, isLong := int64(0), false
	if ok && ll.V != nil {
		n, isLong = ll.V.(int64)
	}
	if !isLong || n < 1 {
		b.errorf(c.Args[4], CodeTypeError, "rolling_percentile: BinsToLookback must be a constant positive integer")
		return nil
	}
	switch {
	case idx.Type() == schema.TypeDatetime && size.Type() == schema.TypeTimespan:
	case isNumeric(idx.Type()) && isNumeric(size.Type()):
	default:
		b.errorf(c.Args[3], CodeTypeError, "rolling_percentile: BinSize must be a timespan for a datetime index, a number for a numeric index")
		return nil
	}
	const vCol, binCol, binsCol, ownCol, pctCol = "$value", "$bin", "$bins", "$own", "$pct"
	items := []plan.NamedExpr{{Name: vCol, X: val}, {Name: binCol, X: &plan.Call{Fn: "bin", Args: []plan.Expr{idx, size}, T: idx.Type()}}}
	var dims []plan.NamedExpr
	for _, d := range c.Args[5:] {
		name := exprName(d)
		if name == "" {
			b.errorf(d, CodeTypeError, "rolling_percentile takes the dimensions as columns")
			return nil
		}
		items = append(items, plan.NamedExpr{Name: name, X: b.scalar(d, r, e)})
		dims = append(dims, plan.NamedExpr{Name: name, X: &plan.ColRef{Name: name, T: items[len(items)-1].X.Type()}})
	}
	binned := &plan.Project{Input: in, Items: items}
	bin := &plan.ColRef{Name: binCol, T: idx.Type()}
	last := &plan.Call{Fn: "+", Args: []plan.Expr{bin, &plan.Call{Fn: "*", Args: []plan.Expr{size, plan.Long(n - 1)}, T: size.Type()}}, T: idx.Type()}
	windows := &plan.Project{Input: binned, Items: append(passthrough(binned.Schema()),
		plan.NamedExpr{Name: binsCol, X: &plan.Call{Fn: "range", Args: []plan.Expr{bin, last, size}, T: schema.TypeDynamic}})}
	expanded := &plan.MvExpand{Input: windows, Cols: []string{binsCol}, Types: []schema.Type{idx.Type()}}
	target := &plan.ColRef{Name: binsCol, T: idx.Type()}
	v := &plan.ColRef{Name: vCol, T: val.Type()}
	agg := &plan.Aggregate{Input: expanded, Keys: append([]plan.NamedExpr{{Name: idxName, X: target}}, dims...),
		Aggs: []plan.NamedExpr{
			{Name: pctCol, X: &plan.AggCall{Fn: "percentile", Args: []plan.Expr{v, pct}, T: val.Type()}},
			{Name: ownCol, X: &plan.AggCall{Fn: "countif", Args: []plan.Expr{&plan.Call{Fn: "==", Args: []plan.Expr{bin, target}, T: schema.TypeBool}}, T: schema.TypeLong}},
		}}
	kept := &plan.Filter{Input: agg, Pred: &plan.Call{Fn: ">", Args: []plan.Expr{&plan.ColRef{Name: ownCol, T: schema.TypeLong}, plan.Long(0)}, T: schema.TypeBool}}
	out := []plan.NamedExpr{{Name: idxName, X: &plan.ColRef{Name: idxName, T: idx.Type()}}}
	out = append(out, dims...)
	name := fmt.Sprintf("rolling_%d_percentile_%s_%s", n, valName, strings.ReplaceAll(ast.Format(c.Args[1]), ".", "_"))
	out = append(out, plan.NamedExpr{Name: name, X: &plan.ColRef{Name: pctCol, T: val.Type()}})
	return &plan.Project{Input: kept, Items: out}
}
