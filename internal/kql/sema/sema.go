// Package sema binds a parsed KQL query against the table catalogue: it
// resolves tables, columns, let bindings and functions, infers the type of
// every expression and the output schema of every operator, and produces the
// logical plan (internal/kql/plan). Problems are reported as positioned
// token.Error values with stable codes.
package sema

import (
	"fmt"
	"strings"
	"time"

	"github.com/vigilsec/vigil/internal/kql/ast"
	"github.com/vigilsec/vigil/internal/kql/plan"
	"github.com/vigilsec/vigil/internal/kql/token"
	"github.com/vigilsec/vigil/internal/schema"
)

// Stable diagnostic codes of the semantic stage.
const (
	CodeUnknownTable    = "kql_unknown_table"
	CodeUnknownColumn   = "kql_unknown_column"
	CodeUnknownFunction = "kql_unknown_function"
	CodeTypeError       = "kql_type_error"
	CodeArgCount        = "kql_argument_count"
	CodeUnsupported     = "kql_unsupported"
	CodeRefused         = "kql_refused"
	CodeNoResult        = "kql_no_result"
)

// Catalog is what the binder needs of the table catalogue. *schema.Catalog
// satisfies it.
type Catalog interface {
	Table(name string) (*schema.Table, bool)
}

// TableLister is optionally implemented by a [Catalog] to resolve union
// wildcards and suggest names.
type TableLister interface {
	Tables() []*schema.Table
}

// FunctionCatalog is optionally implemented by a [Catalog] holding stored
// functions: Function returns the KQL text of a function body, such as
// "(a:string) { T | where x == a }" or a tabular expression for a
// parameterless function.
type FunctionCatalog interface {
	Function(name string) (string, bool)
}

// Options tune binding.
type Options struct {
	// Now is the value of now() for the whole query.
	Now time.Time
}

// Result is the outcome of binding a query.
type Result struct {
	// Plan is the plan of the query's result (the last tabular statement).
	Plan plan.Node
	// Bags says how to expand each hidden bag column (named BagPrefix...)
	// that reaches the result: the columns a bag holds are known only
	// once the rows are read, so the expansion runs after the SQL.
	Bags map[string]*BagOptions
}

// BagOptions describes the expansion of one bag column (bag_unpack, pivot).
type BagOptions struct {
	Prefix   string          // prepended to every property name
	Conflict string          // "error" (the default), "replace_source" or "keep_source"
	Ignored  map[string]bool // properties left out
	// Declared is the output schema the query declares for the expanded
	// properties (evaluate bag_unpack(d) : (*, Name:string)); nil when absent.
	Declared []plan.Column
}

type binding struct {
	scalar plan.Expr
	table  plan.Node
	fn     *ast.FuncDef
	fnEnv  *env
}

type env struct {
	parent *env
	names  map[string]*binding
}

func (e *env) lookup(name string) *binding {
	for ; e != nil; e = e.parent {
		if b, ok := e.names[name]; ok {
			return b
		}
	}
	return nil
}

func (e *env) child() *env { return &env{parent: e, names: map[string]*binding{}} }

type binder struct {
	cat    Catalog
	opts   Options
	errs   token.ErrorList
	depth  int
	global *env
	// stored functions being expanded, to stop recursion
	expanding map[string]bool
	bags      map[string]*BagOptions
	// graph is the pattern scope while binding graph-match's where and project; nil elsewhere.
	graph *graphScope
	// query is the query being bound; idents the names it uses (for open tables, see openColumns).
	query  *ast.Query
	idents map[string]bool
}

// Bind binds q against cat.
func Bind(q *ast.Query, cat Catalog, opts Options) (*Result, token.ErrorList) {
	if opts.Now.IsZero() {
		opts.Now = time.Now().UTC()
	}
	b := &binder{cat: cat, opts: opts, global: &env{names: map[string]*binding{}}, expanding: map[string]bool{}, bags: map[string]*BagOptions{}, query: q}
	var res plan.Node
	var last ast.Node = q
	func() {
		defer func() {
			if r := recover(); r != nil {
				b.errs.Add(token.CodeInternal, q.Span(), fmt.Sprintf("internal error in semantic check: %v", r))
			}
		}()
		for _, st := range q.Stmts {
			last = st
			// With several result statements, the first is the query's result.
			if n := b.stmt(st, b.global); n != nil && res == nil {
				res = n
			}
		}
	}()
	if res == nil && len(b.errs) == 0 {
		b.errs.Add(CodeNoResult, last.Span(), "the query has no tabular result")
	}
	errs := b.errs.Sort()
	if len(errs) > token.MaxErrors {
		errs = errs[:token.MaxErrors]
	}
	if len(errs) > 0 {
		return &Result{Plan: res, Bags: b.bags}, errs
	}
	return &Result{Plan: res, Bags: b.bags}, nil
}

func (b *binder) errorf(n ast.Node, code, format string, args ...any) {
	sp := token.Span{}
	if n != nil {
		sp = n.Span()
	}
	b.errs.Add(code, sp, fmt.Sprintf(format, args...))
}

// stmt binds one statement; it returns the node of a tabular expression statement.
func (b *binder) stmt(st ast.Stmt, e *env) plan.Node {
	switch s := st.(type) {
	case *ast.LetStmt:
		b.let(s, e)
	case *ast.ExprStmt:
		if b.isTabular(s.X, e) {
			return b.tabular(s.X, e)
		}
		// A bare scalar expression behaves as print.
		x := b.scalar(s.X, &rowCtx{}, e)
		return &plan.Project{Input: &plan.Values{Rows: [][]plan.Expr{{}}}, Items: []plan.NamedExpr{{Name: "print_0", X: x}}}
	case *ast.DeclareStmt:
		for _, p := range s.Params {
			t := schema.TypeDynamic
			if p.Type != nil {
				t = b.typeRef(p.Type)
			}
			var v plan.Expr = plan.Null(t)
			if p.Default != nil {
				v = b.scalar(p.Default, &rowCtx{}, e)
			}
			e.names[p.Name.Name] = &binding{scalar: v}
		}
	case *ast.SetStmt, *ast.AliasStmt, *ast.RestrictStmt:
		// Request properties and access restrictions do not change the plan.
	}
	return nil
}

func (b *binder) let(s *ast.LetStmt, e *env) {
	name := s.Name.Name
	switch v := s.Value.(type) {
	case *ast.FuncDef:
		e.names[name] = &binding{fn: v, fnEnv: e}
		return
	}
	if b.isTabular(s.Value, e) {
		n := b.tabular(s.Value, e)
		if n == nil {
			n = &plan.Values{}
		}
		e.names[name] = &binding{table: n}
		return
	}
	e.names[name] = &binding{scalar: b.scalar(s.Value, &rowCtx{}, e)}
}

func (b *binder) typeRef(t *ast.TypeRef) schema.Type {
	if t == nil || t.Tabular {
		return schema.TypeDynamic
	}
	ty, ok := schema.ParseType(t.Name)
	if !ok {
		b.errorf(t, CodeTypeError, "unknown type %q", t.Name)
		return schema.TypeDynamic
	}
	return ty
}

// isTabular reports whether x denotes a table.
func (b *binder) isTabular(x ast.Expr, e *env) bool {
	switch v := x.(type) {
	case *ast.Pipeline, *ast.UnionOp, *ast.RangeOp, *ast.DatatableOp, *ast.PrintOp, *ast.SearchOp, *ast.FindOp,
		*ast.EvaluateOp, *ast.ExternalDataOp:
		return true
	case *ast.Paren:
		return b.isTabular(v.X, e)
	case *ast.Ident:
		if bd := e.lookup(v.Name); bd != nil {
			if bd.fn != nil {
				return b.fnIsTabular(bd.fn, bd.fnEnv)
			}
			return bd.table != nil
		}
		if _, ok := b.cat.Table(v.Name); ok {
			return true
		}
		if fc, ok := b.cat.(FunctionCatalog); ok {
			if _, ok := fc.Function(v.Name); ok {
				return true
			}
		}
		return false
	case *ast.Wildcard:
		return true
	case *ast.Call:
		id, ok := v.Func.(*ast.Ident)
		if !ok {
			return true // cluster(...).database(...).table
		}
		switch strings.ToLower(id.Name) {
		case "materialize", "table", "view", "cluster", "database", "external_table", "materialized_view", "_getwatchlist":
			return true
		}
		if bd := e.lookup(id.Name); bd != nil && bd.fn != nil {
			return b.fnIsTabular(bd.fn, bd.fnEnv)
		}
		return b.storedFunctionIsTabular(id.Name)
	}
	return false
}

// storedFunctionIsTabular reports whether a stored function called with arguments (_Im_Dns(starttime=...))
// returns a table.
func (b *binder) storedFunctionIsTabular(name string) bool {
	fc, ok := b.cat.(FunctionCatalog)
	if !ok || b.expanding[name] {
		return false
	}
	body, ok := fc.Function(name)
	if !ok {
		return false
	}
	q, errs := parseFunc(body)
	if len(errs) > 0 || q == nil {
		return false
	}
	fd, ok := q.(*ast.FuncDef)
	if !ok {
		return true
	}
	b.expanding[name] = true
	defer delete(b.expanding, name)
	return b.fnIsTabular(fd, b.global)
}

func (b *binder) fnIsTabular(f *ast.FuncDef, fe *env) bool {
	if f.Body == nil || len(f.Body.Stmts) == 0 {
		return false
	}
	inner := fe.child()
	for _, p := range f.Params {
		if p.Type != nil && p.Type.Tabular {
			inner.names[p.Name.Name] = &binding{table: &plan.Values{}}
		} else {
			inner.names[p.Name.Name] = &binding{scalar: plan.Null(schema.TypeDynamic)}
		}
	}
	for _, st := range f.Body.Stmts {
		if l, ok := st.(*ast.LetStmt); ok {
			if fd, ok := l.Value.(*ast.FuncDef); ok {
				inner.names[l.Name.Name] = &binding{fn: fd, fnEnv: inner}
			} else if b.isTabular(l.Value, inner) {
				inner.names[l.Name.Name] = &binding{table: &plan.Values{}}
			} else {
				inner.names[l.Name.Name] = &binding{scalar: plan.Null(schema.TypeDynamic)}
			}
		}
	}
	if es, ok := f.Body.Stmts[len(f.Body.Stmts)-1].(*ast.ExprStmt); ok {
		return b.isTabular(es.X, inner)
	}
	return false
}

// callUser expands a user-defined function call. input is the piped table for invoke.
func (b *binder) callUser(call ast.Node, f *ast.FuncDef, fe *env, args []ast.Expr, input plan.Node, r *rowCtx, e *env) (plan.Node, plan.Expr) {
	if b.depth > 32 {
		b.errorf(call, CodeUnsupported, "function calls nest too deeply")
		return nil, plan.Null(schema.TypeDynamic)
	}
	b.depth++
	defer func() { b.depth-- }()
	inner := fe.child()
	params := f.Params
	pi := 0
	if input != nil {
		if len(params) == 0 {
			b.errorf(call, CodeArgCount, "function takes no tabular input")
		} else {
			inner.names[params[0].Name.Name] = &binding{table: input}
			pi = 1
		}
	}
	set := map[string]bool{}
	for _, a := range args {
		if as, ok := a.(*ast.Assign); ok && len(as.Names) == 1 {
			name := as.Names[0].Name
			var pd *ast.ColumnDecl
			for _, p := range params {
				if p.Name.Name == name {
					pd = p
				}
			}
			if pd == nil {
				b.errorf(a, CodeArgCount, "function has no parameter %q", name)
				continue
			}
			inner.names[name] = b.argBinding(pd, as.Value, r, e)
			set[name] = true
			continue
		}
		if pi >= len(params) {
			b.errorf(a, CodeArgCount, "too many arguments")
			break
		}
		inner.names[params[pi].Name.Name] = b.argBinding(params[pi], a, r, e)
		set[params[pi].Name.Name] = true
		pi++
	}
	for i, p := range params {
		if set[p.Name.Name] || (input != nil && i == 0) {
			continue
		}
		if p.Default != nil {
			inner.names[p.Name.Name] = &binding{scalar: b.scalar(p.Default, &rowCtx{}, fe)}
			continue
		}
		b.errorf(call, CodeArgCount, "missing argument %q", p.Name.Name)
		inner.names[p.Name.Name] = &binding{scalar: plan.Null(b.typeRef(p.Type))}
	}
	if f.Body == nil || len(f.Body.Stmts) == 0 {
		return nil, plan.Null(schema.TypeDynamic)
	}
	for _, st := range f.Body.Stmts[:len(f.Body.Stmts)-1] {
		b.stmt(st, inner)
	}
	es, ok := f.Body.Stmts[len(f.Body.Stmts)-1].(*ast.ExprStmt)
	if !ok {
		b.stmt(f.Body.Stmts[len(f.Body.Stmts)-1], inner)
		return nil, plan.Null(schema.TypeDynamic)
	}
	if b.isTabular(es.X, inner) {
		return b.tabular(es.X, inner), nil
	}
	return nil, b.scalar(es.X, r, inner)
}

func (b *binder) argBinding(p *ast.ColumnDecl, a ast.Expr, r *rowCtx, e *env) *binding {
	if p.Type != nil && !p.Type.Tabular && b.isTabular(a, e) {
		return &binding{scalar: b.tabularArgument(p, a, e)}
	}
	if (p.Type != nil && p.Type.Tabular) || b.isTabular(a, e) {
		return &binding{table: b.tabular(a, e)}
	}
	if id, ok := a.(*ast.Ident); ok {
		if bd := e.lookup(id.Name); bd != nil && bd.fn != nil {
			return bd
		}
	}
	x := b.scalar(a, r, e)
	if p.Type != nil && !p.Type.Tabular {
		if t := b.typeRef(p.Type); t != x.Type() && t != schema.TypeDynamic {
			x = convert(x, t)
		}
	}
	return &binding{scalar: x}
}

// convert wraps x in a conversion to t when needed.
func convert(x plan.Expr, t schema.Type) plan.Expr {
	if x.Type() == t {
		return x
	}
	if l, ok := x.(*plan.Lit); ok && l.V == nil {
		return plan.Null(t)
	}
	fn := map[schema.Type]string{schema.TypeString: "tostring", schema.TypeInt: "toint", schema.TypeLong: "tolong",
		schema.TypeReal: "toreal", schema.TypeDecimal: "toreal", schema.TypeBool: "tobool", schema.TypeDatetime: "todatetime",
		schema.TypeTimespan: "totimespan", schema.TypeDynamic: "parse_json", schema.TypeGUID: "toguid"}[t]
	if fn == "" {
		return x
	}
	return &plan.Call{Fn: fn, Args: []plan.Expr{x}, T: t}
}
