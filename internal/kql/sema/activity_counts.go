package sema

import (
	"github.com/vigilsec/vigil/internal/kql/ast"
	"github.com/vigilsec/vigil/internal/kql/plan"
	"github.com/vigilsec/vigil/internal/schema"
)

// activityCounts binds evaluate activity_counts_metrics(IdColumn, TimelineColumn, Start, End, Step [, Dimension,
// ...]): for each Step-long window from Start (and each combination of the dimensions), the rows of the window
// (count), their distinct ids (dcount), the ids not seen in an earlier window since Start (new_dcount) and the ids
// seen since Start (aggregated_dcount). Rows after End's window are left out. It is planned with relational nodes:
// the distinct (id, window) pairs are copied into every window from theirs to End's (mv-expand of a range), so each
// window counts the ids seen up to it; the windows start at the first one holding rows.
func (b *binder) activityCounts(in plan.Node, c *ast.Call, r *rowCtx, e *env) plan.Node {
	if len(c.Args) < 5 {
		b.errorf(c, CodeArgCount, "activity_counts_metrics needs IdColumn, TimelineColumn, Start, End and Step")
		return nil
	}
	id := b.scalar(c.Args[0], r, e)
	t := b.scalar(c.Args[1], r, e)
	start := b.scalar(c.Args[2], &rowCtx{}, e)
	end := b.scalar(c.Args[3], &rowCtx{}, e)
	step := b.scalar(c.Args[4], &rowCtx{}, e)
	tName := exprName(c.Args[1])
	if tName == "" || t.Type() != schema.TypeDatetime {
		b.errorf(c.Args[1], CodeTypeError, "activity_counts_metrics: TimelineColumn must be a datetime column")
		return nil
	}
	if start.Type() != schema.TypeDatetime || end.Type() != schema.TypeDatetime || step.Type() != schema.TypeTimespan {
		b.errorf(c, CodeTypeError, "activity_counts_metrics: Start and End must be datetimes and Step a timespan")
		return nil
	}
	const idCol, wCol, nCol, tCol = "$id", "$window", "$rows", "$target"
	window := func(x plan.Expr) plan.Expr {
		return &plan.Call{Fn: "bin_at", Args: []plan.Expr{x, step, start}, T: schema.TypeDatetime}
	}
	lastWindow := window(end)
	items := []plan.NamedExpr{{Name: idCol, X: id}, {Name: wCol, X: window(t)}}
	var dims []plan.NamedExpr
	for _, d := range c.Args[5:] {
		name := exprName(d)
		if name == "" {
			b.errorf(d, CodeTypeError, "activity_counts_metrics takes the dimensions as columns")
			return nil
		}
		x := b.scalar(d, r, e)
		items = append(items, plan.NamedExpr{Name: name, X: x})
		dims = append(dims, plan.NamedExpr{Name: name, X: &plan.ColRef{Name: name, T: x.Type()}})
	}
	bool2 := func(fn string, a, b plan.Expr) plan.Expr {
		return &plan.Call{Fn: fn, Args: []plan.Expr{a, b}, T: schema.TypeBool}
	}
	inRange := &plan.Call{Fn: "and", Args: []plan.Expr{bool2(">=", t, start), bool2("<=", window(t), lastWindow)}, T: schema.TypeBool}
	rows := &plan.Project{Input: &plan.Filter{Input: in, Pred: inRange}, Items: items}
	idRef := &plan.ColRef{Name: idCol, T: id.Type()}
	w := &plan.ColRef{Name: wCol, T: schema.TypeDatetime}
	pairs := &plan.Aggregate{Input: rows, Keys: append([]plan.NamedExpr{{Name: idCol, X: idRef}, {Name: wCol, X: w}}, dims...),
		Aggs: []plan.NamedExpr{{Name: nCol, X: &plan.AggCall{Fn: "count", T: schema.TypeLong}}}}
	spread := &plan.Project{Input: pairs, Items: append(passthrough(pairs.Schema()),
		plan.NamedExpr{Name: tCol, X: &plan.Call{Fn: "range", Args: []plan.Expr{w, lastWindow, step}, T: schema.TypeDynamic}})}
	expanded := &plan.MvExpand{Input: spread, Cols: []string{tCol}, Types: []schema.Type{schema.TypeDatetime}}
	target := &plan.ColRef{Name: tCol, T: schema.TypeDatetime}
	own := bool2("==", w, target)
	dcount := &plan.AggCall{Fn: "dcount", Args: []plan.Expr{idRef}, T: schema.TypeLong}
	return &plan.Aggregate{Input: expanded, Keys: append([]plan.NamedExpr{{Name: tName, X: target}}, dims...),
		Aggs: []plan.NamedExpr{
			{Name: "count", X: &plan.Call{Fn: "coalesce", Args: []plan.Expr{
				&plan.AggCall{Fn: "sumif", Args: []plan.Expr{&plan.ColRef{Name: nCol, T: schema.TypeLong}, own}, T: schema.TypeLong}, plan.Long(0)}, T: schema.TypeLong}},
			{Name: "dcount", X: &plan.AggCall{Fn: "dcountif", Args: []plan.Expr{idRef, own}, T: schema.TypeLong}},
			{Name: "new_dcount", X: &plan.Call{Fn: "-", Args: []plan.Expr{dcount,
				&plan.AggCall{Fn: "dcountif", Args: []plan.Expr{idRef, bool2("<", w, target)}, T: schema.TypeLong}}, T: schema.TypeLong}},
			{Name: "aggregated_dcount", X: dcount},
		}}
}
