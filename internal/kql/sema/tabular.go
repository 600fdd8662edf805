package sema

import (
	"path"
	"slices"
	"strings"

	"github.com/vigilsec/vigil/internal/kql/ast"
	"github.com/vigilsec/vigil/internal/kql/plan"
	"github.com/vigilsec/vigil/internal/schema"
)

// tabular binds a tabular expression; nil after an error.
func (b *binder) tabular(x ast.Expr, e *env) plan.Node {
	switch v := x.(type) {
	case *ast.Paren:
		return b.tabular(v.X, e)
	case *ast.Pipeline:
		var n plan.Node
		if v.Source != nil {
			n = b.tabular(v.Source, e)
		}
		for _, op := range v.Ops {
			if n == nil {
				// Still look for errors in a source-less pipeline start.
				if src, ok := op.(ast.Expr); ok && v.Source == nil {
					n = b.tabular(src, e)
					continue
				}
				return nil
			}
			n = b.op(n, op, e)
		}
		return n
	case *ast.Ident:
		return b.tableRef(v, e)
	case *ast.Wildcard:
		return b.union(nil, &ast.UnionOp{Loc: v.Loc, Tables: []ast.Expr{v}}, e)
	case *ast.Call:
		return b.tabularCall(v, nil, e)
	case *ast.DatatableOp:
		return b.datatable(v, e)
	case *ast.PrintOp:
		// print has no input columns: an unnamed expression, even a let
		// name, is print_N.
		items := b.namedItems(v.Exprs, &rowCtx{}, e, "print_", func(ast.Expr) string { return "" })
		return &plan.Project{Input: &plan.Values{Rows: [][]plan.Expr{{}}}, Items: items}
	case *ast.RangeOp:
		r := &rowCtx{}
		from := b.scalar(v.From, r, e)
		to := b.scalar(v.To, r, e)
		step := b.scalar(v.Step, r, e)
		return &plan.Range{Col: plan.Column{Name: v.Column.Name, Type: from.Type()}, From: from, To: to, Step: step}
	case *ast.UnionOp:
		return b.union(nil, v, e)
	case *ast.ExternalDataOp:
		return b.externalData(v)
	case *ast.FindOp:
		return b.find(v, e)
	case *ast.SearchOp, *ast.EvaluateOp:
		b.errorf(v, CodeUnsupported, "%s is not supported yet", v.(ast.Operator).Name())
		return nil
	}
	if b.isTabular(x, e) {
		b.errorf(x, CodeUnsupported, "unsupported tabular expression")
	} else {
		b.errorf(x, CodeTypeError, "expected a table, found a scalar expression")
	}
	return nil
}

func (b *binder) tableRef(id *ast.Ident, e *env) plan.Node {
	if bd := e.lookup(id.Name); bd != nil {
		if bd.table != nil {
			return bd.table
		}
		if bd.fn != nil {
			n, _ := b.callUser(id, bd.fn, bd.fnEnv, nil, nil, &rowCtx{}, e)
			return n
		}
		b.errorf(id, CodeTypeError, "%q is a scalar value, not a table", id.Name)
		return nil
	}
	if t, ok := b.cat.Table(id.Name); ok {
		s := scanOf(t)
		b.openColumns(s)
		return s
	}
	if n := b.storedFunction(id, nil, nil, e); n != nil {
		return n
	}
	msg := "unknown table %q"
	if s := b.suggestTable(id.Name); s != "" {
		b.errorf(id, CodeUnknownTable, msg+"; did you mean %q?", id.Name, s)
	} else {
		b.errorf(id, CodeUnknownTable, msg, id.Name)
	}
	return nil
}

func scanOf(t *schema.Table) *plan.Scan {
	cols := make(plan.Schema, len(t.Columns))
	for i, c := range t.Columns {
		cols[i] = plan.Column{Name: c.Name, Type: c.Type}
	}
	s := &plan.Scan{Table: t.Name, Cols: cols, TimeColumn: t.TimeColumn}
	{
		// Log Analytics adds these standard columns to every table.
		std := []struct {
			name string
			x    plan.Expr
		}{
			{"Type", plan.String(t.Name)}, {"TenantId", plan.Null(schema.TypeString)},
			{"_ResourceId", plan.Null(schema.TypeString)}, {"SourceSystem", plan.Null(schema.TypeString)},
		}
		for _, c := range std {
			if cols.Index(c.name) < 0 {
				if s.Virtual == nil {
					s.Virtual = map[string]plan.Expr{}
				}
				s.Virtual[c.name] = c.x
				s.Cols = append(s.Cols, plan.Column{Name: c.name, Type: c.x.Type()})
			}
		}
	}
	return s
}

// getWatchlist expands Sentinel's _GetWatchlist(alias): the items of one
// watchlist, whose own columns (inside WatchlistItem) resolve lazily.
func (b *binder) getWatchlist(c *ast.Call, e *env) plan.Node {
	t, ok := b.cat.Table("Watchlist")
	if !ok || len(c.Args) < 1 {
		return nil
	}
	alias := toString(b.scalar(c.Args[0], &rowCtx{}, e))
	scan := scanOf(t)
	s := scan.Schema()
	col := func(n string) plan.Expr {
		i := s.Index(n)
		if i < 0 {
			return plan.Null(schema.TypeString)
		}
		return &plan.ColRef{Name: n, T: s[i].Type}
	}
	pred := &plan.Call{Fn: "and", T: schema.TypeBool, Args: []plan.Expr{
		&plan.Call{Fn: "==", Args: []plan.Expr{col("WatchlistAlias"), alias}, T: schema.TypeBool},
		&plan.Call{Fn: "==", Args: []plan.Expr{col("_DTItemType"), plan.String("watchlist-item")}, T: schema.TypeBool},
	}}
	item := col("WatchlistItem")
	return &plan.Project{Input: &plan.Filter{Input: scan, Pred: pred}, Items: []plan.NamedExpr{
		{Name: "_DTItemId", X: col("_DTItemId")}, {Name: "LastUpdatedTimeUTC", X: col("LastUpdatedTimeUTC")},
		{Name: "SearchKey", X: col("SearchKey")}, {Name: "WatchlistItem", X: item}, {Name: BagPrefix + "WatchlistItem", X: item},
	}}
}

func (b *binder) storedFunction(call ast.Node, args []ast.Expr, input plan.Node, e *env) plan.Node {
	fc, ok := b.cat.(FunctionCatalog)
	if !ok {
		return nil
	}
	name := ""
	switch c := call.(type) {
	case *ast.Ident:
		name = c.Name
	case *ast.Call:
		if id, ok := c.Func.(*ast.Ident); ok {
			name = id.Name
		}
	}
	body, ok := fc.Function(name)
	if !ok || b.expanding[name] {
		return nil
	}
	b.expanding[name] = true
	defer delete(b.expanding, name)
	q, perrs := parseFunc(body)
	if len(perrs) > 0 || q == nil {
		b.errorf(call, CodeUnsupported, "stored function %q does not parse", name)
		return &plan.Values{}
	}
	if fd, ok := q.(*ast.FuncDef); ok {
		n, _ := b.callUser(call, fd, b.global, args, input, &rowCtx{}, e)
		return n
	}
	return b.tabular(q, b.global)
}

func (b *binder) tabularCall(c *ast.Call, input plan.Node, e *env) plan.Node {
	id, ok := c.Func.(*ast.Ident)
	if !ok {
		b.errorf(c, CodeRefused, "cross-cluster and cross-database references are not allowed")
		return nil
	}
	switch strings.ToLower(id.Name) {
	case "materialize", "view", "materialized_view":
		if len(c.Args) != 1 {
			b.errorf(c, CodeArgCount, "%s takes one argument", id.Name)
			return nil
		}
		return b.tabular(c.Args[0], e)
	case "table":
		if len(c.Args) >= 1 {
			if l, ok := b.scalar(c.Args[0], &rowCtx{}, e).(*plan.Lit); ok {
				if s, ok := l.V.(string); ok {
					return b.tableRef(&ast.Ident{Loc: ast.Loc{Range: c.Args[0].Span()}, Name: s}, e)
				}
			}
		}
		b.errorf(c, CodeUnsupported, "table() needs a constant table name")
		return nil
	case "_getwatchlist":
		if n := b.getWatchlist(c, e); n != nil {
			return n
		}
	case "cluster", "database", "external_table":
		b.errorf(c, CodeRefused, "%s() references data outside this store and is not allowed", id.Name)
		return nil
	}
	if bd := e.lookup(id.Name); bd != nil && bd.fn != nil {
		n, _ := b.callUser(c, bd.fn, bd.fnEnv, c.Args, input, &rowCtx{}, e)
		return n
	}
	if n := b.storedFunction(c, c.Args, input, e); n != nil {
		return n
	}
	b.errorf(c.Func, CodeUnknownFunction, "unknown tabular function %q", id.Name)
	return nil
}

func (b *binder) datatable(v *ast.DatatableOp, e *env) plan.Node {
	cols := make(plan.Schema, len(v.Columns))
	for i, c := range v.Columns {
		cols[i] = plan.Column{Name: c.Name.Name, Type: b.typeRef(c.Type)}
	}
	n := &plan.Values{Cols: cols}
	if len(cols) == 0 {
		return n
	}
	if len(v.Values)%len(cols) != 0 {
		b.errorf(v, CodeArgCount, "datatable has %d values, not a multiple of its %d columns", len(v.Values), len(cols))
		return n
	}
	for i := 0; i < len(v.Values); i += len(cols) {
		row := make([]plan.Expr, len(cols))
		for j := range cols {
			x := b.scalar(v.Values[i+j], &rowCtx{}, e)
			row[j] = b.coerceLit(x, cols[j].Type, v.Values[i+j])
		}
		n.Rows = append(n.Rows, row)
	}
	return n
}

// coerceLit converts a datatable cell to its column type.
func (b *binder) coerceLit(x plan.Expr, t schema.Type, at ast.Node) plan.Expr {
	if x.Type() == t {
		return x
	}
	xt := x.Type()
	if l, ok := x.(*plan.Lit); ok {
		if l.V == nil {
			return plan.Null(t)
		}
		switch {
		case isNumeric(xt) && isNumeric(t):
			return &plan.Call{Fn: convFn(t), Args: []plan.Expr{x}, T: t}
		case t == schema.TypeDynamic:
			return &plan.Call{Fn: "todynamic_value", Args: []plan.Expr{x}, T: t}
		case t == schema.TypeGUID && xt == schema.TypeString:
			return &plan.Lit{T: t, V: l.V}
		}
	}
	if t == schema.TypeDynamic || isNumeric(xt) && isNumeric(t) {
		return convert(x, t)
	}
	b.errorf(at, CodeTypeError, "a %s value in a %s column", xt, t)
	return plan.Null(t)
}

func convFn(t schema.Type) string {
	switch t {
	case schema.TypeInt:
		return "toint"
	case schema.TypeLong:
		return "tolong"
	case schema.TypeDecimal:
		return "todecimal"
	}
	return "toreal"
}

func isNumeric(t schema.Type) bool {
	return t == schema.TypeInt || t == schema.TypeLong || t == schema.TypeReal || t == schema.TypeDecimal
}

// tablesMatching returns a scan of each catalogue table whose name matches the wildcard pattern, with the names.
func (b *binder) tablesMatching(pattern string) ([]plan.Node, []string) {
	var inputs []plan.Node
	var names []string
	for _, tb := range b.allTables() {
		if ok, _ := path.Match(pattern, tb.Name); ok {
			inputs = append(inputs, scanOf(tb))
			names = append(names, tb.Name)
		}
	}
	return inputs, names
}

func (b *binder) allTables() []*schema.Table {
	if l, ok := b.cat.(TableLister); ok {
		return l.Tables()
	}
	return nil
}

func (b *binder) suggestTable(name string) string {
	var names []string
	for _, t := range b.allTables() {
		names = append(names, t.Name)
	}
	return suggest(name, names)
}

// union binds union (with in as the piped input, or nil).
func (b *binder) union(in plan.Node, v *ast.UnionOp, e *env) plan.Node {
	var inputs []plan.Node
	var names []string
	if in != nil {
		inputs = append(inputs, in)
		names = append(names, "")
	}
	kind, withsource, fuzzy := "outer", "", false
	for _, p := range v.Params {
		val := ""
		if len(p.Values) > 0 {
			val = paramText(p.Values[0])
		}
		switch strings.ToLower(p.Name) {
		case "kind":
			kind = strings.ToLower(val)
		case "withsource":
			withsource = val
		case "isfuzzy":
			fuzzy = strings.EqualFold(val, "true")
		}
	}
	for _, t := range v.Tables {
		switch x := t.(type) {
		case *ast.Wildcard:
			in, nm := b.tablesMatching(x.Pattern)
			inputs, names = append(inputs, in...), append(names, nm...)
			if len(in) == 0 && !fuzzy {
				b.errorf(x, CodeUnknownTable, "no table matches %q", x.Pattern)
			}
			continue
		case *ast.Ident:
			if fuzzy && e.lookup(x.Name) == nil {
				if _, ok := b.cat.Table(x.Name); !ok {
					if _, isFn := b.cat.(FunctionCatalog); !isFn {
						continue // isfuzzy: a missing table is skipped
					}
				}
			}
			n := b.tableRef(x, e)
			if n != nil {
				inputs = append(inputs, n)
				names = append(names, x.Name)
			}
			continue
		}
		if n := b.tabular(t, e); n != nil {
			inputs = append(inputs, n)
			names = append(names, "")
		}
	}
	if len(inputs) == 0 {
		if fuzzy {
			return &plan.Values{}
		}
		return nil
	}
	return unionOf(inputs, names, kind, withsource)
}

func unionOf(inputs []plan.Node, names []string, kind, withsource string) plan.Node {
	// Columns by name; a name with several types becomes name_type.
	type colInfo struct {
		name  string
		types []schema.Type
	}
	inputs = unifyOpenColumns(inputs)
	var order []*colInfo
	byName := map[string]*colInfo{}
	counts := map[string]int{}
	for _, in := range inputs {
		for _, c := range in.Schema() {
			ci := byName[c.Name]
			if ci == nil {
				ci = &colInfo{name: c.Name}
				byName[c.Name] = ci
				order = append(order, ci)
			}
			if !slices.Contains(ci.types, c.Type) {
				ci.types = append(ci.types, c.Type)
			}
			counts[c.Name]++
		}
	}
	u := &plan.Union{Branches: inputs}
	type outKey struct {
		name string
		t    schema.Type
	}
	var keys []outKey
	if withsource != "" {
		u.SourceCol = withsource
		u.Sources = names
		u.Out = append(u.Out, plan.Column{Name: withsource, Type: schema.TypeString})
	}
	for _, ci := range order {
		if kind == "inner" && counts[ci.name] < len(inputs) {
			continue
		}
		if len(ci.types) == 1 {
			keys = append(keys, outKey{ci.name, ci.types[0]})
			u.Out = append(u.Out, plan.Column{Name: ci.name, Type: ci.types[0]})
			continue
		}
		for _, t := range ci.types {
			keys = append(keys, outKey{ci.name, t})
			u.Out = append(u.Out, plan.Column{Name: ci.name + "_" + t.String(), Type: t})
		}
	}
	for _, in := range inputs {
		s := in.Schema()
		m := make([]string, len(keys))
		for j, k := range keys {
			if i := s.Index(k.name); i >= 0 && s[i].Type == k.t {
				m[j] = k.name
			}
		}
		u.Maps = append(u.Maps, m)
	}
	return u
}

func paramText(x ast.Expr) string {
	switch v := x.(type) {
	case *ast.Literal:
		return v.Value
	case *ast.Ident:
		return v.Name
	}
	return ast.Format(x)
}

// externalData types externaldata by its declared columns and checks its
// URIs. The plan node it returns is refused by every back end: the query
// passes the semantic check but never reaches the network or the file
// system.
func (b *binder) externalData(v *ast.ExternalDataOp) plan.Node {
	cols := make(plan.Schema, len(v.Columns))
	for i, c := range v.Columns {
		t := schema.TypeString
		if c.Type != nil {
			t = b.typeRef(c.Type)
		}
		cols[i] = plan.Column{Name: c.Name.Name, Type: t}
	}
	ext := &plan.External{Cols: cols, What: "externaldata", Span: v.Span(), Format: "csv"}
	constant := true
	for _, u := range v.URIs {
		x := b.scalar(u, &rowCtx{}, &env{})
		if l, ok := x.(*plan.Lit); ok {
			if s, ok := l.V.(string); ok && l.T == schema.TypeString {
				ext.URLs = append(ext.URLs, s)
				continue
			}
		}
		constant = false
	}
	if !constant {
		ext.URLs = nil
	}
	for _, p := range v.With {
		if len(p.Values) == 0 {
			continue
		}
		switch strings.ToLower(p.Name) {
		case "format":
			ext.Format = strings.ToLower(paramText(p.Values[0]))
		case "ignorefirstrecord":
			ext.IgnoreFirst = strings.EqualFold(paramText(p.Values[0]), "true")
		}
	}
	return ext
}
