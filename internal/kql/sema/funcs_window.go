package sema

import (
	"github.com/vigilsec/vigil/internal/kql/ast"
	"github.com/vigilsec/vigil/internal/kql/plan"
	"github.com/vigilsec/vigil/internal/schema"
)

// Window functions of serialized row sets beyond row_number, prev, next and row_cumsum.
func init() {
	// row_window_session(Expr, MaxDistanceFromFirst, MaxDistanceBetweenNeighbors [, Restart]) returns the
	// datetime that starts the session of each row.
	def("row_window_session", 3, 4, fixed(tD))
	// row_rank is the earlier name of row_rank_dense.
	aliases["row_rank"] = "row_rank_dense"
}

// windowCheck reports the argument errors of the window functions above: the documented types, and constant
// distances for row_window_session.
func (b *binder) windowCheck(name string, c *ast.Call, args []plan.Expr) {
	if name != "row_window_session" || len(args) < 3 || len(c.Args) != len(args) {
		return
	}
	if t := args[0].Type(); t != schema.TypeDatetime && t != schema.TypeDynamic {
		b.errorf(c.Args[0], CodeTypeError, "row_window_session() expects a datetime, got %s", t)
	}
	for i := 1; i <= 2; i++ {
		if t := args[i].Type(); t != schema.TypeTimespan {
			b.errorf(c.Args[i], CodeTypeError, "row_window_session() expects a timespan distance, got %s", t)
			continue
		}
		if !windowConst(args[i]) {
			b.errorf(c.Args[i], CodeTypeError, "row_window_session() needs a constant distance")
		}
	}
	if len(args) == 4 {
		args[3] = toBool(args[3])
	}
}

// windowConst reports whether x reads no column and no other row.
func windowConst(x plan.Expr) bool {
	ok := true
	plan.WalkExpr(x, func(y plan.Expr) bool {
		switch v := y.(type) {
		case *plan.ColRef, *plan.AggCall, *plan.Subquery, *plan.InTable:
			ok = false
		case *plan.Call:
			switch v.Fn {
			case "row_number", "prev", "next", "row_cumsum", "row_rank_dense", "row_rank_min", "row_window_session", "rand":
				ok = false
			}
		}
		return ok
	})
	return ok
}
