package sema

import (
	"github.com/vigilsec/vigil/internal/kql/ast"
	"github.com/vigilsec/vigil/internal/kql/plan"
	"github.com/vigilsec/vigil/internal/schema"
)

// activeUsers binds evaluate active_users_count(IdColumn, TimelineColumn, Start, End, LookbackWindow, Period,
// ActivePeriodsCount, Bin [, Dimension, ...]). An appearance of an id at time t (Start <= t <= End) is active when
// the id appears in at least ActivePeriodsCount distinct Periods within the lookback window (t - LookbackWindow, t];
// each Bin from Start counts the distinct ids with an active appearance in it (column dcount). Bins without one are
// not output. It is planned as a join of each appearance with the id's appearances in its lookback window.
func (b *binder) activeUsers(in plan.Node, c *ast.Call, r *rowCtx, e *env) plan.Node {
	if len(c.Args) < 8 {
		b.errorf(c, CodeArgCount, "active_users_count needs IdColumn, TimelineColumn, Start, End, LookbackWindow, Period, ActivePeriodsCount and Bin")
		return nil
	}
	id := b.scalar(c.Args[0], r, e)
	t := b.scalar(c.Args[1], r, e)
	consts := make([]plan.Expr, 6)
	for i := range consts {
		consts[i] = b.scalar(c.Args[2+i], &rowCtx{}, e)
	}
	start, end, look, period, count, bin := consts[0], consts[1], consts[2], consts[3], consts[4], consts[5]
	tName := exprName(c.Args[1])
	if tName == "" || t.Type() != schema.TypeDatetime {
		b.errorf(c.Args[1], CodeTypeError, "active_users_count: TimelineColumn must be a datetime column")
		return nil
	}
	if start.Type() != schema.TypeDatetime || end.Type() != schema.TypeDatetime || look.Type() != schema.TypeTimespan ||
		period.Type() != schema.TypeTimespan || bin.Type() != schema.TypeTimespan || !isNumeric(count.Type()) {
		b.errorf(c, CodeTypeError, "active_users_count: Start and End must be datetimes, LookbackWindow, Period and Bin timespans, ActivePeriodsCount a number")
		return nil
	}
	const idCol, tCol, rid, rt, rp, nCol = "$id", "$t", "$rid", "$rt", "$rperiod", "$periods"
	call := func(fn string, tp schema.Type, args ...plan.Expr) plan.Expr {
		return &plan.Call{Fn: fn, Args: args, T: tp}
	}
	items := []plan.NamedExpr{{Name: idCol, X: id}, {Name: tCol, X: t}}
	var dimRefs []plan.NamedExpr
	for _, d := range c.Args[8:] {
		name := exprName(d)
		if name == "" {
			b.errorf(d, CodeTypeError, "active_users_count takes the dimensions as columns")
			return nil
		}
		x := b.scalar(d, r, e)
		items = append(items, plan.NamedExpr{Name: name, X: x})
		dimRefs = append(dimRefs, plan.NamedExpr{Name: name, X: &plan.ColRef{Name: name, T: x.Type()}})
	}
	tRef := &plan.ColRef{Name: tCol, T: schema.TypeDatetime}
	left := &plan.Filter{Input: &plan.Project{Input: in, Items: items},
		Pred: call("and", schema.TypeBool, call(">=", schema.TypeBool, tRef, start), call("<=", schema.TypeBool, tRef, end))}
	right := &plan.Project{Input: in, Items: []plan.NamedExpr{{Name: rid, X: id}, {Name: rt, X: t},
		{Name: rp, X: call("bin", schema.TypeDatetime, t, period)}}}
	j := &plan.Join{Kind: "inner", Left: left, Right: right, On: []plan.JoinKey{{Left: idCol, Right: rid}}}
	for _, col := range left.Schema() {
		j.Out = append(j.Out, col)
		j.Sources = append(j.Sources, plan.JoinSource{Col: col.Name})
	}
	for _, col := range right.Schema() {
		j.Out = append(j.Out, col)
		j.Sources = append(j.Sources, plan.JoinSource{Right: true, Col: col.Name})
	}
	rtRef := &plan.ColRef{Name: rt, T: schema.TypeDatetime}
	inWindow := &plan.Filter{Input: j, Pred: call("and", schema.TypeBool,
		call(">", schema.TypeBool, rtRef, call("-", schema.TypeDatetime, tRef, look)), call("<=", schema.TypeBool, rtRef, tRef))}
	idRef := &plan.ColRef{Name: idCol, T: id.Type()}
	perAppearance := &plan.Aggregate{Input: inWindow,
		Keys: append([]plan.NamedExpr{{Name: idCol, X: idRef}, {Name: tCol, X: tRef}}, dimRefs...),
		Aggs: []plan.NamedExpr{{Name: nCol, X: &plan.AggCall{Fn: "dcount", Args: []plan.Expr{&plan.ColRef{Name: rp, T: schema.TypeDatetime}}, T: schema.TypeLong}}}}
	active := &plan.Filter{Input: perAppearance, Pred: call(">=", schema.TypeBool, &plan.ColRef{Name: nCol, T: schema.TypeLong}, count)}
	return &plan.Aggregate{Input: active,
		Keys: append([]plan.NamedExpr{{Name: tName, X: call("bin_at", schema.TypeDatetime, tRef, bin, start)}}, dimRefs...),
		Aggs: []plan.NamedExpr{{Name: "dcount", X: &plan.AggCall{Fn: "dcount", Args: []plan.Expr{idRef}, T: schema.TypeLong}}}}
}
