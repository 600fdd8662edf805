package sema

import (
	"github.com/vigilsec/vigil/internal/kql/ast"
	"github.com/vigilsec/vigil/internal/kql/plan"
	"github.com/vigilsec/vigil/internal/schema"
)

func init() {
	// series_pearson_correlation(series1, series2) is a real number, not a series.
	def("series_pearson_correlation", 2, 2, fixed(tR))
	// buildschema(DynamicExpr) is the schema that admits every value; its column is schema_X.
	agg("buildschema", 1, 1, fixed(tY))
	aggPrefix["buildschema"] = "schema"
}

// bagPackColumns binds bag_pack_columns(Column1, Column2, ...): a bag whose keys are the column names, like
// bag_pack("Column1", Column1, ...).
func (b *binder) bagPackColumns(c *ast.Call, r *rowCtx, e *env) plan.Expr {
	if len(c.Args) == 0 {
		b.errorf(c, CodeArgCount, "bag_pack_columns needs at least one column")
		return nullDyn
	}
	args := make([]plan.Expr, 0, 2*len(c.Args))
	for _, a := range c.Args {
		id, ok := a.(*ast.Ident)
		if !ok {
			b.errorf(a, CodeTypeError, "bag_pack_columns takes column names")
			return nullDyn
		}
		args = append(args, plan.String(id.Name), b.scalar(id, r, e))
	}
	return &plan.Call{Fn: "bag_pack", Args: args, T: schema.TypeDynamic}
}

// arraySortColumns names the results of array_sort_asc and array_sort_desc over several arrays, written without
// names (print array_sort_asc(a, b)): one column per array, called after it with "_sorted", as the documentation
// shows. It returns nil for any other expression, or when an array argument has no name.
func arraySortColumns(x ast.Expr, v plan.Expr) []plan.NamedExpr {
	c, ok := x.(*ast.Call)
	if !ok {
		return nil
	}
	id, ok := c.Func.(*ast.Ident)
	if !ok {
		return nil
	}
	fn := canonical(id.Name)
	call, ok := v.(*plan.Call)
	if (fn != "array_sort_asc" && fn != "array_sort_desc") || !ok || len(call.Args) != len(c.Args) {
		return nil
	}
	arrays := c.Args
	if n := len(arrays); n > 0 && call.Args[n-1].Type() == schema.TypeBool {
		arrays = arrays[:n-1]
	}
	if len(arrays) < 2 {
		return nil
	}
	out := make([]plan.NamedExpr, len(arrays))
	for i, a := range arrays {
		name := exprName(a)
		if name == "" {
			return nil
		}
		out[i] = plan.NamedExpr{Name: name + "_sorted", X: &plan.Call{Fn: "tuple_item", Args: []plan.Expr{v, plan.Long(int64(i))}, T: schema.TypeDynamic}}
	}
	return out
}
