package kql

import (
	"strings"

	"github.com/vigilsec/vigil/internal/kql/ast"
)

// passThroughLets returns "let" statements for the parameters a corpus parser record passes through to its own
// local function. Microsoft's ASIM helper functions are stored as a query of the form
//
//	let function = (NetworkProtocol:int) { ... };
//	function(NetworkProtocol)
//
// whose final call passes, under the local parameters' own names, names the query never binds: the stored
// function's parameters, declared beside the query. The local function declares their types (and defaults), so each
// such name is bound to the local parameter's
// default, or to a null of its type ("" for a string), and the body is checked as the function called with those
// values. It returns "" when the query does not end so. The statements are on one line.
func passThroughLets(q *ast.Query) string {
	if q == nil || len(q.Stmts) == 0 {
		return ""
	}
	bound := map[string]bool{}
	funcs := map[string]*ast.FuncDef{}
	for _, st := range q.Stmts {
		if l, ok := st.(*ast.LetStmt); ok {
			bound[l.Name.Name] = true
			if f, ok := l.Value.(*ast.FuncDef); ok {
				funcs[l.Name.Name] = f
			}
		}
	}
	es, ok := q.Stmts[len(q.Stmts)-1].(*ast.ExprStmt)
	if !ok {
		return ""
	}
	call, ok := es.X.(*ast.Call)
	if !ok {
		return ""
	}
	id, ok := call.Func.(*ast.Ident)
	if !ok || funcs[id.Name] == nil {
		return ""
	}
	f := funcs[id.Name]
	var b strings.Builder
	for i, a := range call.Args {
		arg, ok := a.(*ast.Ident)
		if !ok || bound[arg.Name] || i >= len(f.Params) || f.Params[i].Name.Name != arg.Name {
			continue
		}
		p := f.Params[i]
		if p.Type == nil || p.Type.Tabular {
			continue
		}
		var val string
		switch {
		case p.Default != nil:
			val = strings.Join(strings.Fields(ast.Format(p.Default)), " ")
		case strings.EqualFold(p.Type.Name, "string"):
			val = `""`
		default:
			val = p.Type.Name + "(null)"
		}
		bound[arg.Name] = true
		b.WriteString("let " + arg.Name + " = " + val + "; ")
	}
	return b.String()
}
