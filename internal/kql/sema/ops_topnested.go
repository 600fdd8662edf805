package sema

import (
	"fmt"
	"strings"

	"github.com/vigilsec/vigil/internal/kql/ast"
	"github.com/vigilsec/vigil/internal/kql/plan"
	"github.com/vigilsec/vigil/internal/schema"
)

// topNested binds top-nested: each clause names its key (Name = Expr, or the column's name) and its aggregation
// (Name = Aggregation, or aggregated_ and the key's name).
func (b *binder) topNested(in plan.Node, o *ast.TopNestedOp, r *rowCtx, e *env) plan.Node {
	tn := &plan.TopNested{Input: in}
	seen := map[string]bool{}
	unique := func(n string) string {
		u := n
		for k := 1; seen[u]; k++ {
			u = fmt.Sprintf("%s%d", n, k)
		}
		seen[u] = true
		return u
	}
	ar := &rowCtx{schema: r.schema, agg: true}
	for i, c := range o.Clauses {
		var l plan.TopNestedLevel
		key, keyName := c.Of, ""
		if as, ok := key.(*ast.Assign); ok && !as.Tuple {
			key, keyName = as.Value, as.Names[0].Name
		}
		if keyName == "" {
			keyName = byName(key)
		}
		if keyName == "" {
			keyName = exprName(key)
		}
		if keyName == "" {
			keyName = fmt.Sprintf("Column%d", i+1)
		}
		l.Key = plan.NamedExpr{Name: unique(keyName), X: b.scalar(key, r, e)}
		agg, aggName := c.By, ""
		if as, ok := agg.(*ast.Assign); ok && !as.Tuple {
			agg, aggName = as.Value, as.Names[0].Name
		}
		if aggName == "" {
			aggName = "aggregated_" + keyName
		}
		x := b.scalar(agg, ar, e)
		if !hasAgg(x) {
			b.errorf(agg, CodeTypeError, "top-nested needs an aggregation after by, such as count() or sum(x)")
		}
		l.Agg = plan.NamedExpr{Name: unique(aggName), X: x}
		if c.N != nil {
			l.N = b.scalar(c.N, &rowCtx{}, e)
			if t := l.N.Type(); t != schema.TypeInt && t != schema.TypeLong {
				b.errorf(c.N, CodeTypeError, "top-nested takes a whole number of values, got %s", t)
			}
		}
		if c.Others != nil {
			l.Others = b.scalar(c.Others, &rowCtx{}, e)
			if kt, ot := l.Key.X.Type(), l.Others.Type(); kt != ot {
				if isNullLiteral(l.Others) {
					l.Others = plan.Null(kt)
				} else {
					b.errorf(c.Others, CodeTypeError, "with others needs a %s value like the key, got %s", kt, ot)
				}
			}
		}
		l.Desc = !strings.EqualFold(c.Dir, "asc")
		tn.Levels = append(tn.Levels, l)
	}
	return tn
}

func hasAgg(x plan.Expr) bool {
	found := false
	plan.WalkExpr(x, func(y plan.Expr) bool {
		if _, ok := y.(*plan.AggCall); ok {
			found = true
		}
		return !found
	})
	return found
}

func isNullLiteral(x plan.Expr) bool {
	l, ok := x.(*plan.Lit)
	return ok && l.V == nil
}
