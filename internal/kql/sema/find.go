package sema

import (
	"strings"

	"github.com/vigilsec/vigil/internal/kql/ast"
	"github.com/vigilsec/vigil/internal/kql/plan"
	"github.com/vigilsec/vigil/internal/schema"
)

// find binds the find operator as a union of one branch per table: the table's rows where the predicate holds
// (a column of the predicate that the table lacks reads as null), reshaped by the output schema the
// documentation gives. A table that has none of the predicate's columns is left out. The source column
// (source_, or withsource=) names each row's table.
//
// project-smart (the default) keeps the predicate's columns, then the columns every kept table has, and packs
// each table's other columns into the bag pack_. project keeps the listed columns (null where a table lacks
// one), and pack_all() in the list adds pack_ with all the row's columns.
func (b *binder) find(v *ast.FindOp, e *env) plan.Node {
	source := "source_"
	for _, p := range v.Params {
		if strings.EqualFold(p.Name, "withsource") && len(p.Values) > 0 {
			source = paramText(p.Values[0])
		}
	}
	inputs, names := b.findTables(v, e)
	if len(inputs) == 0 {
		return nil
	}
	// The predicate binds against all the tables' columns (the first type of each name).
	var all plan.Schema
	for _, in := range inputs {
		for _, c := range in.Schema() {
			if all.Index(c.Name) < 0 {
				all = append(all, c)
			}
		}
	}
	pred := toBool(b.scalar(v.Pred, &rowCtx{schema: all}, e))
	var used []string
	plan.WalkExpr(pred, func(x plan.Expr) bool {
		if c, ok := x.(*plan.ColRef); ok && !containsName(used, c.Name) {
			used = append(used, c.Name)
		}
		return true
	})
	var kept []plan.Node
	var keptNames []string
	var added []map[string]bool // per kept table, the predicate's columns it lacks
	for i, in := range inputs {
		s := in.Schema()
		has := len(used) == 0
		for _, c := range used {
			has = has || s.Index(c) >= 0
		}
		if !has {
			continue
		}
		items := passthrough(s)
		lacks := map[string]bool{}
		for _, c := range used {
			if s.Index(c) < 0 {
				items = append(items, plan.NamedExpr{Name: c, X: plan.Null(all[all.Index(c)].Type)})
				lacks[c] = true
			}
		}
		var src plan.Node = in
		if len(items) > len(s) {
			src = &plan.Project{Input: in, Items: items}
		}
		kept = append(kept, &plan.Filter{Input: src, Pred: pred})
		keptNames = append(keptNames, names[i])
		added = append(added, lacks)
	}
	if len(kept) == 0 {
		b.errorf(v.Pred, CodeUnknownColumn, "no table of find has a column of the predicate")
		return nil
	}
	for i, in := range kept {
		kept[i] = &plan.Project{Input: in, Items: b.findOutput(v, in.Schema(), added[i], used, kept, all)}
	}
	return unionOf(kept, keptNames, "outer", source)
}

// findTables returns the tables of find in (...), or every catalogue table, with their names.
func (b *binder) findTables(v *ast.FindOp, e *env) ([]plan.Node, []string) {
	var inputs []plan.Node
	var names []string
	if v.Tables == nil {
		for _, t := range b.allTables() {
			inputs = append(inputs, scanOf(t))
			names = append(names, t.Name)
		}
		return inputs, names
	}
	for _, t := range v.Tables {
		switch x := t.(type) {
		case *ast.Wildcard:
			in, nm := b.tablesMatching(x.Pattern)
			inputs, names = append(inputs, in...), append(names, nm...)
			if len(in) == 0 {
				b.errorf(x, CodeUnknownTable, "no table matches %q", x.Pattern)
			}
		case *ast.Ident:
			if n := b.tableRef(x, e); n != nil {
				inputs = append(inputs, n)
				names = append(names, x.Name)
			}
		default:
			if n := b.tabular(t, e); n != nil {
				inputs = append(inputs, n)
				names = append(names, "")
			}
		}
	}
	return inputs, names
}

// findOutput returns the output columns of one branch of find with the columns s.
// The columns of lacks are not the table's own and stay out of pack_.
func (b *binder) findOutput(v *ast.FindOp, s plan.Schema, lacks map[string]bool, used []string, kept []plan.Node, all plan.Schema) []plan.NamedExpr {
	col := func(name string) plan.Expr {
		if i := s.Index(name); i >= 0 {
			return &plan.ColRef{Name: name, T: s[i].Type}
		}
		t := schema.TypeDynamic
		if i := all.Index(name); i >= 0 {
			t = all[i].Type
		}
		return plan.Null(t)
	}
	pack := func(skip func(string) bool) plan.NamedExpr {
		args := []plan.Expr{plan.Bool(false)}
		for _, c := range s {
			if strings.HasPrefix(c.Name, "$") || lacks[c.Name] || skip(c.Name) {
				continue
			}
			args = append(args, plan.String(c.Name), &plan.ColRef{Name: c.Name, T: c.Type})
		}
		return plan.NamedExpr{Name: "pack_", X: &plan.Call{Fn: "pack_all", Args: args, T: schema.TypeDynamic}}
	}
	if v.ProjectKind == "project" {
		var out []plan.NamedExpr
		for _, x := range v.Project {
			switch p := x.(type) {
			case *ast.Ident:
				out = append(out, plan.NamedExpr{Name: p.Name, X: col(p.Name)})
			case *ast.Call:
				if id, ok := p.Func.(*ast.Ident); ok && strings.EqualFold(id.Name, "pack_all") && len(p.Args) == 0 {
					out = append(out, pack(func(string) bool { return false }))
					continue
				}
				b.errorf(x, CodeUnsupported, "find project takes column names and pack_all()")
			default:
				b.errorf(x, CodeUnsupported, "find project takes column names and pack_all()")
			}
		}
		return out
	}
	// project-smart: the predicate's columns, the columns common to every kept table, pack_ for the rest.
	names := append([]string(nil), used...)
	for _, c := range kept[0].Schema() {
		common := !strings.HasPrefix(c.Name, "$") && !containsName(names, c.Name)
		for _, k := range kept[1:] {
			common = common && k.Schema().Index(c.Name) >= 0
		}
		if common {
			names = append(names, c.Name)
		}
	}
	out := make([]plan.NamedExpr, 0, len(names)+1)
	for _, n := range names {
		out = append(out, plan.NamedExpr{Name: n, X: col(n)})
	}
	return append(out, pack(func(n string) bool { return containsName(names, n) }))
}

func containsName(names []string, n string) bool {
	for _, x := range names {
		if x == n {
			return true
		}
	}
	return false
}
