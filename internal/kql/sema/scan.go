package sema

import (
	"strings"

	"github.com/vigilsec/vigil/internal/kql/ast"
	"github.com/vigilsec/vigil/internal/kql/plan"
)

// scan binds the scan operator. Conditions and assignments see the input columns and the declared columns by
// name, and each step's state as step.column (bound to the column "step.column" of the row the runtime builds).
func (b *binder) scan(in plan.Node, o *ast.ScanOp, e *env) plan.Node {
	n := &plan.ScanSteps{Input: in}
	for _, p := range o.Params {
		switch strings.ToLower(p.Name) {
		case "with_match_id":
			if len(p.Values) == 1 {
				n.MatchID = paramText(p.Values[0])
			}
		default:
			b.errorf(p, CodeUnsupported, "scan parameter %s is not supported", p.Name)
		}
	}
	inSchema := in.Schema()
	r := &rowCtx{schema: inSchema}
	for _, x := range o.PartitionBy {
		n.PartitionBy = append(n.PartitionBy, plan.NamedExpr{Name: keyName(x), X: b.scalar(x, r, e)})
	}
	n.OrderBy = b.sortKeys(o.OrderBy, r, e)
	own := append(plan.Schema{}, inSchema...)
	for _, d := range o.Declare {
		t := b.typeRef(d.Type)
		def := plan.Expr(plan.Null(t))
		if d.Default != nil {
			def = convert(b.scalar(d.Default, &rowCtx{}, e), t)
		}
		if inSchema.Index(d.Name.Name) >= 0 {
			b.errorf(d, CodeTypeError, "scan declares %q, which is an input column", d.Name.Name)
			continue
		}
		col := plan.Column{Name: d.Name.Name, Type: t}
		n.Declare = append(n.Declare, plan.ScanDecl{Col: col, Default: def})
		own = append(own, col)
	}
	names := map[string]bool{}
	scope := append(plan.Schema{}, own...)
	for _, st := range o.Steps {
		if names[st.Name.Name] {
			b.errorf(st.Name, CodeTypeError, "scan step %q is defined twice", st.Name.Name)
		}
		names[st.Name.Name] = true
		for _, c := range own {
			scope = append(scope, plan.Column{Name: st.Name.Name + "." + c.Name, Type: c.Type})
		}
	}
	sr := &rowCtx{schema: scope}
	for _, st := range o.Steps {
		ps := plan.ScanStep{Name: st.Name.Name, Output: strings.ToLower(st.Output), Cond: toBool(b.scalar(st.Cond, sr, e))}
		if ps.Output == "" {
			ps.Output = "all"
		}
		for _, a := range st.Assigns {
			as, ok := a.(*ast.Assign)
			if !ok || len(as.Names) != 1 {
				b.errorf(a, CodeTypeError, "a scan step assigns one declared column: Column = Expression")
				continue
			}
			name := as.Names[0].Name
			i := own.Index(name)
			if i < 0 {
				b.errorf(as.Names[0], CodeTypeError, "scan assigns %q, which is neither a declared nor an input column", name)
				continue
			}
			ps.Assigns = append(ps.Assigns, plan.NamedExpr{Name: name, X: convert(b.scalar(as.Value, sr, e), own[i].Type)})
		}
		n.Steps = append(n.Steps, ps)
	}
	if len(n.Steps) == 0 {
		b.errorf(o, CodeTypeError, "scan needs at least one step")
	}
	if n.MatchID != "" && own.Index(n.MatchID) >= 0 {
		b.errorf(o, CodeTypeError, "with_match_id names %q, which is already a column", n.MatchID)
	}
	return n
}

// scanStateColumn binds step.column inside scan steps (see [binder.scan]).
func scanStateColumn(v *ast.Member, r *rowCtx) (plan.Expr, bool) {
	id, ok := v.X.(*ast.Ident)
	if !ok || r.schema.Index(id.Name) >= 0 {
		return nil, false
	}
	name := id.Name + "." + v.Name.Name
	if i := r.schema.Index(name); i >= 0 {
		return &plan.ColRef{Name: name, T: r.schema[i].Type}, true
	}
	return nil, false
}
