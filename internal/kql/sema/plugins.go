package sema

// The sequence_detect, basket and autocluster plugins of evaluate.

import (
	"fmt"
	"strings"
	"time"

	"github.com/vigilsec/vigil/internal/kql/ast"
	"github.com/vigilsec/vigil/internal/kql/plan"
	"github.com/vigilsec/vigil/internal/schema"
)

// sequenceDetect binds sequence_detect(TimelineColumn, MaxSequenceStepWindow, MaxSequenceSpan, Expr1, Expr2, ...,
// Dim1, Dim2, ...): the arguments after the two timespans are steps while they are boolean, and dimensions after.
func (b *binder) sequenceDetect(in plan.Node, o *ast.EvaluateOp, c *ast.Call, r *rowCtx, e *env) plan.Node {
	if len(c.Args) < 5 {
		b.errorf(o, CodeArgCount, "sequence_detect needs a timeline column, a step window, a sequence span and at least two step predicates")
		return nil
	}
	tcol, ok := c.Args[0].(*ast.Ident)
	if !ok || r.schema.Index(tcol.Name) < 0 {
		b.errorf(c.Args[0], CodeTypeError, "sequence_detect expects a datetime column of its input as the timeline")
		return nil
	}
	t := b.scalar(tcol, r, e)
	if t.Type() != schema.TypeDatetime {
		b.errorf(c.Args[0], CodeTypeError, "the sequence_detect timeline %s is %s, not datetime", tcol.Name, t.Type())
		return nil
	}
	n := &plan.SequenceDetect{Input: in, Time: t}
	for i, name := range []string{"MaxSequenceStepWindow", "MaxSequenceSpan"} {
		x := b.scalar(c.Args[1+i], &rowCtx{}, e)
		d, isDur := litDuration(x)
		if !isDur || d < 0 {
			b.errorf(c.Args[1+i], CodeTypeError, "sequence_detect expects a constant, non-negative timespan as %s", name)
			return nil
		}
		if i == 0 {
			n.Step = x
		} else {
			n.Span = x
		}
	}
	rest := c.Args[3:]
	for len(rest) > 0 {
		a := rest[0]
		name, val := "", a
		if as, named := a.(*ast.Assign); named && len(as.Names) == 1 {
			name, val = as.Names[0].Name, as.Value
		}
		x := b.scalar(val, r, e)
		if x.Type() != schema.TypeBool {
			break
		}
		if name == "" {
			name = fmt.Sprintf("Expr%d", len(n.Steps)+1)
		}
		n.Steps = append(n.Steps, plan.NamedExpr{Name: name + "_" + tcol.Name, X: x})
		rest = rest[1:]
	}
	if len(n.Steps) < 2 {
		b.errorf(o, CodeArgCount, "sequence_detect needs at least two boolean step predicates after the sequence span")
		return nil
	}
	for i, a := range rest {
		name, val := "", a
		if as, named := a.(*ast.Assign); named && len(as.Names) == 1 {
			name, val = as.Names[0].Name, as.Value
		}
		if name == "" {
			name = exprName(val)
		}
		if name == "" {
			name = fmt.Sprintf("Dim%d", i+1)
		}
		n.Dims = append(n.Dims, plan.NamedExpr{Name: name, X: b.scalar(val, r, e)})
	}
	seen := map[string]bool{}
	for _, col := range n.Schema() {
		if seen[col.Name] {
			b.errorf(o, CodeTypeError, "sequence_detect would output two columns named %s", col.Name)
			return nil
		}
		seen[col.Name] = true
	}
	return n
}

// litDuration reads a constant timespan.
func litDuration(x plan.Expr) (time.Duration, bool) {
	l, ok := x.(*plan.Lit)
	if !ok || l.T != schema.TypeTimespan {
		return 0, false
	}
	d, ok := l.V.(time.Duration)
	return d, ok
}

// patterns binds basket([Threshold, WeightColumn, MaxDimensions, CustomWildcard, ...]) and
// autocluster([SizeWeight, WeightColumn, NumSeeds, CustomWildcard, ...]); the string "~" stands for a default.
func (b *binder) patterns(in plan.Node, o *ast.EvaluateOp, c *ast.Call, name string, r *rowCtx, e *env) plan.Node {
	n := &plan.Patterns{Input: in, Algorithm: name}
	paramName, limitName := "Threshold", "MaxDimensions"
	n.Param, n.Limit = 0.05, 5
	if name == "autocluster" {
		paramName, limitName = "SizeWeight", "NumSeeds"
		n.Param, n.Limit = 0.5, 25
	}
	isTilde := func(x plan.Expr) bool {
		l, ok := x.(*plan.Lit)
		return ok && l.T == schema.TypeString && l.V == "~"
	}
	var wildcards []plan.Expr
	for i, a := range c.Args {
		if i == 1 {
			if id, ok := a.(*ast.Ident); ok {
				j := r.schema.Index(id.Name)
				if j < 0 {
					b.unknownColumn(id, r.schema)
					return nil
				}
				if !isNumeric(r.schema[j].Type) {
					b.errorf(a, CodeTypeError, "the %s weight column %s is %s, not a number", name, id.Name, r.schema[j].Type)
					return nil
				}
				n.Weight = id.Name
				continue
			}
		}
		x := b.scalar(a, &rowCtx{}, e)
		if isTilde(x) {
			continue
		}
		l, isLit := x.(*plan.Lit)
		switch i {
		case 0:
			v, ok := 0.0, false
			if isLit {
				v, ok = litFloat(l)
			}
			// SizeWeight may be 0 (specificity only); a threshold of 0 would make every itemset frequent.
			ok = ok && v <= 1 && (v > 0 || v == 0 && name == "autocluster")
			if !ok {
				b.errorf(a, CodeTypeError, "%s expects %s to be a constant number between 0 and 1, or '~'", name, paramName)
				return nil
			}
			n.Param = v
		case 1:
			b.errorf(a, CodeTypeError, "%s expects the weight column to be a column of its input, or '~'", name)
			return nil
		case 2:
			v, ok := int64(0), false
			if isLit {
				switch x := l.V.(type) {
				case int64:
					v, ok = x, x >= 1
				case float64:
					v, ok = int64(x), x >= 1 && x == float64(int64(x))
				}
			}
			if !ok {
				b.errorf(a, CodeTypeError, "%s expects %s to be a constant whole number of at least 1, or '~'", name, limitName)
				return nil
			}
			n.Limit = v
		default:
			// Bound without a row, so a column reference has been reported already.
			wildcards = append(wildcards, x)
		}
	}
	for _, col := range r.schema {
		if col.Name == n.Weight || strings.HasPrefix(col.Name, BagPrefix) {
			continue
		}
		n.Dims = append(n.Dims, col)
		n.Wildcards = append(n.Wildcards, patternWildcard(col.Type, wildcards))
	}
	for _, col := range n.Dims {
		switch col.Name {
		case "SegmentId", "Count", "Percent":
			b.errorf(o, CodeTypeError, "%s outputs a column %s, and its input has one too; rename it first", name, col.Name)
			return nil
		}
	}
	if len(n.Dims) == 0 {
		b.errorf(o, CodeTypeError, "%s needs at least one column besides the weight column", name)
		return nil
	}
	return n
}

// patternWildcard returns the wildcard of a column of type t: the last custom wildcard of that type (an int or
// long one serves both), else "" for strings and null for the rest.
func patternWildcard(t schema.Type, custom []plan.Expr) plan.Expr {
	var w plan.Expr
	for _, x := range custom {
		xt := x.Type()
		if xt == t || (xt == schema.TypeInt || xt == schema.TypeLong) && (t == schema.TypeInt || t == schema.TypeLong) {
			if xt != t {
				x = convert(x, t)
			}
			w = x
		}
	}
	if w != nil {
		return w
	}
	if t == schema.TypeString {
		return plan.String("")
	}
	return plan.Null(t)
}
