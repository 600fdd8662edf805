package sema

import (
	"strconv"

	"github.com/vigilsec/vigil/internal/kql/ast"
	"github.com/vigilsec/vigil/internal/kql/plan"
	"github.com/vigilsec/vigil/internal/schema"
)

// tupleElem is one element of a function's tuple result.
type tupleElem struct {
	Name string
	T    schema.Type
}

// tupleFuncs are the functions that return a tuple: `extend (a, b) = f(x)` names the elements, and a bare `extend
// f(x)` makes one column per element called f_x_element, as Kusto names them. The element names and types follow
// the Kusto documentation of each function.
var tupleFuncs = map[string][]tupleElem{
	"series_fit_line": {{"rsquare", tR}, {"slope", tR}, {"variance", tR}, {"rvariance", tR}, {"interception", tR},
		{"line_fit", tY}},
	"series_stats": {{"min", tR}, {"min_idx", tL}, {"max", tR}, {"max_idx", tL}, {"avg", tR}, {"stdev", tR},
		{"variance", tR}},
	"series_decompose":           {{"baseline", tY}, {"seasonal", tY}, {"trend", tY}, {"residual", tY}},
	"series_decompose_anomalies": {{"ad_flag", tY}, {"ad_score", tY}, {"baseline", tY}},
}

// TupleElems returns the element names and types of a tuple-returning function (nil for other functions).
func TupleElems(fn string) (names []string, types []schema.Type) {
	for _, el := range tupleFuncs[canonical(fn)] {
		names = append(names, el.Name)
		types = append(types, el.T)
	}
	return names, types
}

// tupleCall reports the tuple function x calls, if any.
func tupleCall(x ast.Expr) (*ast.Call, []tupleElem) {
	c, ok := x.(*ast.Call)
	if !ok {
		return nil, nil
	}
	id, ok := c.Func.(*ast.Ident)
	if !ok {
		return nil, nil
	}
	el := tupleFuncs[canonical(id.Name)]
	if el == nil {
		return nil, nil
	}
	return c, el
}

// tupleItems binds `(a, b, ...) = f(...)` (names given) or a bare `f(x)` (names made from f and x) to one column
// per element of f's tuple result.
func tupleItems(v plan.Expr, fn string, elems []tupleElem, names []string, arg ast.Expr) []plan.NamedExpr {
	var out []plan.NamedExpr
	for i, el := range elems {
		var name string
		switch {
		case names != nil && i < len(names):
			name = names[i]
		case names != nil:
			continue
		default:
			name = fn + "_"
			if a := exprName(arg); a != "" {
				name += a + "_"
			}
			name += el.Name
		}
		out = append(out, plan.NamedExpr{Name: name, X: &plan.Call{Fn: "tuple_item", Args: []plan.Expr{v, plan.Long(int64(i))}, T: el.T}})
	}
	return out
}

// takeAnyMany expands take_any(*) and take_any(a, b, ...) to one column per argument (all columns for *), named
// after the columns and leaving out the by keys, as arg_max(x, *) does. It returns nil for take_any(x).
func (b *binder) takeAnyMany(c *ast.Call, r *rowCtx, e *env, keys []plan.NamedExpr) []plan.NamedExpr {
	star := false
	for _, a := range c.Args {
		if _, ok := a.(*ast.Star); ok {
			star = true
		}
	}
	if len(c.Args) < 2 && !star {
		return nil
	}
	used := map[string]bool{}
	for _, k := range keys {
		used[k.Name] = true
	}
	var out []plan.NamedExpr
	add := func(name string, v plan.Expr) {
		if used[name] {
			return
		}
		used[name] = true
		out = append(out, plan.NamedExpr{Name: name, X: &plan.AggCall{Fn: "take_any", Args: []plan.Expr{v}, T: v.Type()}})
	}
	row := &rowCtx{schema: r.schema}
	for i, a := range c.Args {
		switch v := a.(type) {
		case *ast.Star:
			for _, col := range r.schema {
				add(col.Name, &plan.ColRef{Name: col.Name, T: col.Type})
			}
		case *ast.Assign:
			add(v.Names[0].Name, b.scalar(v.Value, row, e))
		default:
			name := exprName(a)
			if name == "" {
				name = "any_" + strconv.Itoa(i+1)
			}
			add(name, b.scalar(a, row, e))
		}
	}
	return out
}
