package sema

import (
	"fmt"
	"path"
	"strings"

	"github.com/vigilsec/vigil/internal/kql/ast"
	"github.com/vigilsec/vigil/internal/kql/parser"
	"github.com/vigilsec/vigil/internal/kql/plan"
	"github.com/vigilsec/vigil/internal/kql/token"
	"github.com/vigilsec/vigil/internal/schema"
)

func parseFunc(body string) (ast.Expr, token.ErrorList) {
	return ParseFunctionBody(body)
}

// ParseFunctionBody parses a stored function's body: a function literal "(a:string, b:int=5) { ... }" (returned
// as an *ast.FuncDef) or a tabular expression. A literal is parsed as the value of a let statement, the only place
// the grammar allows one.
func ParseFunctionBody(body string) (ast.Expr, token.ErrorList) {
	if !strings.HasPrefix(strings.TrimSpace(body), "(") {
		return parser.ParseExpr(body)
	}
	const prefix = "let __vigil_function = "
	q, errs := parser.Parse(prefix + body + ";\n__vigil_function")
	if len(errs) > 0 {
		for _, e := range errs {
			e.Span.Start -= token.Pos(len(prefix))
			e.Span.End -= token.Pos(len(prefix))
			e.Span.Start, e.Span.End = max(e.Span.Start, 0), max(e.Span.End, 0)
		}
		errs.Resolve(body)
		return nil, errs
	}
	if len(q.Stmts) > 0 {
		if let, ok := q.Stmts[0].(*ast.LetStmt); ok {
			return let.Value, nil
		}
	}
	return parser.ParseExpr(body)
}

// op binds one pipeline operator over in.
func (b *binder) op(in plan.Node, op ast.Operator, e *env) plan.Node {
	if n, ok := b.graphOp(in, op, e); ok {
		return n
	}
	r := &rowCtx{schema: in.Schema()}
	switch o := op.(type) {
	case *ast.FilterOp:
		p := b.scalar(o.Pred, r, e)
		return &plan.Filter{Input: in, Pred: toBool(p)}
	case *ast.ExtendOp:
		return b.extend(in, o.Exprs, r, e)
	case *ast.ProjectOp:
		return b.project(in, o, r, e)
	case *ast.SummarizeOp:
		return b.summarize(in, o, r, e)
	case *ast.CountOp:
		return &plan.Aggregate{Input: in, Aggs: []plan.NamedExpr{{Name: "Count", X: &plan.AggCall{Fn: "count", T: schema.TypeLong}}}}
	case *ast.TakeOp:
		return &plan.Limit{Input: in, N: b.scalar(o.N, &rowCtx{}, e)}
	case *ast.SortOp:
		return &plan.Sort{Input: in, Keys: b.sortKeys(o.Keys, r, e)}
	case *ast.TopNestedOp:
		return b.topNested(in, o, r, e)
	case *ast.TopOp:
		return &plan.Limit{Input: &plan.Sort{Input: in, Keys: b.sortKeys(o.Keys, r, e)}, N: b.scalar(o.N, &rowCtx{}, e)}
	case *ast.DistinctOp:
		if len(o.Exprs) == 1 {
			if _, ok := o.Exprs[0].(*ast.Star); ok {
				return &plan.Distinct{Input: in}
			}
		}
		return &plan.Aggregate{Input: in, Keys: b.namedItems(o.Exprs, r, e, "Column", keyName)}
	case *ast.JoinOp:
		return b.join(in, o, e)
	case *ast.UnionOp:
		return b.union(in, o, e)
	case *ast.MvExpandOp:
		return b.mvExpand(in, o, r, e)
	case *ast.ParseOp:
		return b.parse(in, o, r, e)
	case *ast.SerializeOp:
		if len(o.Exprs) > 0 {
			return b.extend(in, o.Exprs, r, e)
		}
		return in
	case *ast.RenderOp, *ast.AsOp:
		return in
	case *ast.MvApplyOp:
		return b.mvApply(in, o, r, e)
	case *ast.MakeSeriesOp:
		return b.makeSeries(in, o, r, e)
	case *ast.EvaluateOp:
		return b.evaluate(in, o, r, e)
	case *ast.InvokeOp:
		c, ok := o.Call.(*ast.Call)
		if !ok {
			b.errorf(o, CodeUnsupported, "invoke needs a function call")
			return nil
		}
		return b.tabularCall(c, in, e)
	case *ast.GetSchemaOp:
		s := in.Schema()
		v := &plan.Values{Cols: plan.Schema{{Name: "ColumnName", Type: schema.TypeString}, {Name: "ColumnOrdinal", Type: schema.TypeInt},
			{Name: "DataType", Type: schema.TypeString}, {Name: "ColumnType", Type: schema.TypeString}}}
		for i, c := range s {
			v.Rows = append(v.Rows, []plan.Expr{plan.String(c.Name), &plan.Lit{T: schema.TypeInt, V: int64(i)},
				plan.String(systemType(c.Type)), plan.String(c.Type.String())})
		}
		return v
	case *ast.SampleOp:
		return &plan.Limit{Input: in, N: b.scalar(o.N, &rowCtx{}, e)}
	case *ast.ExternalDataOp:
		return b.externalData(o)
	case *ast.ScanOp:
		return b.scan(in, o, e)
	case *ast.PartitionOp:
		return b.partition(in, o, e)
	case *ast.DatatableOp, *ast.RangeOp, *ast.PrintOp:
		return b.tabular(op.(ast.Expr), e)
	}
	b.errorf(op, CodeUnsupported, "the %s operator is not supported yet", op.Name())
	return nil
}

func systemType(t schema.Type) string {
	return map[schema.Type]string{schema.TypeString: "System.String", schema.TypeInt: "System.Int32", schema.TypeLong: "System.Int64",
		schema.TypeReal: "System.Double", schema.TypeBool: "System.SByte", schema.TypeDatetime: "System.DateTime",
		schema.TypeTimespan: "System.TimeSpan", schema.TypeDynamic: "System.Object", schema.TypeGUID: "System.Guid",
		schema.TypeDecimal: "System.Data.SqlTypes.SqlDecimal"}[t]
}

// passthrough returns items that copy every column of s.
func passthrough(s plan.Schema) []plan.NamedExpr {
	items := make([]plan.NamedExpr, len(s))
	for i, c := range s {
		items[i] = plan.NamedExpr{Name: c.Name, X: &plan.ColRef{Name: c.Name, T: c.Type}}
	}
	return items
}

func (b *binder) extend(in plan.Node, exprs []ast.Expr, r *rowCtx, e *env) plan.Node {
	items := passthrough(in.Schema())
	for _, it := range b.items(exprs, r, e, "Column") {
		replaced := false
		for i := range items {
			if items[i].Name == it.Name {
				items[i] = it
				replaced = true
			}
		}
		if !replaced {
			items = append(items, it)
		}
	}
	return &plan.Project{Input: in, Items: items}
}

// items binds a list of output expressions (Assign or plain).
func (b *binder) items(exprs []ast.Expr, r *rowCtx, e *env, prefix string) []plan.NamedExpr {
	return b.namedItems(exprs, r, e, prefix, exprName)
}

// namedItems binds exprs; infer names an unnamed expression ("" to make one
// up from prefix).
func (b *binder) namedItems(exprs []ast.Expr, r *rowCtx, e *env, prefix string, infer func(ast.Expr) string) []plan.NamedExpr {
	var out []plan.NamedExpr
	n := 0
	for _, x := range exprs {
		if as, ok := x.(*ast.Assign); ok {
			v := b.scalar(as.Value, r, e)
			if as.Tuple {
				// (a, b, ...) = f(...): one column per element of f's tuple result.
				if c, elems := tupleCall(as.Value); c != nil {
					names := make([]string, len(as.Names))
					for i, n := range as.Names {
						names[i] = n.Name
					}
					out = append(out, tupleItems(v, canonical(c.Func.(*ast.Ident).Name), elems, names, nil)...)
					continue
				}
				for i, n := range as.Names {
					out = append(out, plan.NamedExpr{Name: n.Name, X: &plan.Call{Fn: "tuple_item", Args: []plan.Expr{v, plan.Long(int64(i))}, T: schema.TypeDynamic}})
				}
				continue
			}
			out = append(out, plan.NamedExpr{Name: as.Names[0].Name, X: v})
			continue
		}
		v := b.scalar(x, r, e)
		if items := arraySortColumns(x, v); items != nil {
			out = append(out, items...)
			continue
		}
		if c, elems := tupleCall(x); c != nil && prefix != "print_" {
			var arg ast.Expr
			if len(c.Args) > 0 {
				arg = c.Args[0]
			}
			out = append(out, tupleItems(v, canonical(c.Func.(*ast.Ident).Name), elems, nil, arg)...)
			continue
		}
		name := infer(x)
		if name == "" {
			if prefix == "print_" {
				name = fmt.Sprintf("print_%d", n)
			} else {
				name = fmt.Sprintf("%s%d", prefix, n+1)
			}
		}
		n++
		out = append(out, plan.NamedExpr{Name: name, X: v})
	}
	return out
}

// exprName is the column name KQL gives an unnamed expression ("" when it makes one up).
func exprName(x ast.Expr) string {
	switch v := x.(type) {
	case *ast.Ident:
		return v.Name
	case *ast.Paren:
		return exprName(v.X)
	case *ast.Member:
		if p := exprName(v.X); p != "" {
			return p + "_" + v.Name.Name
		}
		return v.Name.Name
	case *ast.Index:
		if l, ok := v.Index.(*ast.Literal); ok && l.Kind == ast.LitString {
			if p := exprName(v.X); p != "" {
				return p + "_" + l.Value
			}
		}
	}
	return ""
}

func (b *binder) project(in plan.Node, o *ast.ProjectOp, r *rowCtx, e *env) plan.Node {
	s := in.Schema()
	switch o.Keyword {
	case "project":
		var items []plan.NamedExpr
		for _, x := range o.Exprs {
			if w, ok := x.(*ast.Wildcard); ok {
				for _, c := range matchCols(s, w.Pattern) {
					items = append(items, plan.NamedExpr{Name: c.Name, X: &plan.ColRef{Name: c.Name, T: c.Type}})
				}
				continue
			}
			// project tostring(x) keeps the name x, as summarize by does.
			items = append(items, b.namedItems([]ast.Expr{x}, r, e, "Column", keyName)...)
		}
		return &plan.Project{Input: in, Items: items}
	case "project-away", "project-keep":
		drop := map[string]bool{}
		for _, x := range o.Exprs {
			for _, c := range b.colPattern(x, s) {
				drop[c] = true
			}
		}
		var items []plan.NamedExpr
		for _, it := range passthrough(s) {
			if drop[it.Name] == (o.Keyword == "project-keep") {
				items = append(items, it)
			}
		}
		return &plan.Project{Input: in, Items: items}
	case "project-rename":
		items := passthrough(s)
		for _, x := range o.Exprs {
			as, ok := x.(*ast.Assign)
			if !ok || len(as.Names) != 1 {
				b.errorf(x, CodeTypeError, "project-rename expects NewName = ExistingName")
				continue
			}
			old, ok := as.Value.(*ast.Ident)
			if !ok {
				b.errorf(as.Value, CodeTypeError, "project-rename expects a column name")
				continue
			}
			found := false
			for i := range items {
				if items[i].Name == old.Name {
					items[i].Name = as.Names[0].Name
					found = true
				}
			}
			if !found {
				b.unknownColumn(old, s)
			}
		}
		return &plan.Project{Input: in, Items: items}
	case "project-reorder":
		var first []plan.NamedExpr
		used := map[string]bool{}
		for _, x := range o.Exprs {
			var pat ast.Expr = x
			if sk, ok := x.(*ast.SortKey); ok {
				pat = sk.X
			}
			for _, c := range b.colPattern(pat, s) {
				if !used[c] {
					used[c] = true
					i := s.Index(c)
					first = append(first, plan.NamedExpr{Name: c, X: &plan.ColRef{Name: c, T: s[i].Type}})
				}
			}
		}
		for _, it := range passthrough(s) {
			if !used[it.Name] {
				first = append(first, it)
			}
		}
		return &plan.Project{Input: in, Items: first}
	}
	b.errorf(o, CodeUnsupported, "%s is not supported yet", o.Keyword)
	return nil
}

func matchCols(s plan.Schema, pattern string) []plan.Column {
	var out []plan.Column
	for _, c := range s {
		if ok, _ := path.Match(pattern, c.Name); ok {
			out = append(out, c)
		}
	}
	return out
}

// colPattern resolves a column name or wildcard to column names.
func (b *binder) colPattern(x ast.Expr, s plan.Schema) []string {
	switch v := x.(type) {
	case *ast.Wildcard:
		var out []string
		for _, c := range matchCols(s, v.Pattern) {
			out = append(out, c.Name)
		}
		return out
	case *ast.Ident:
		if s.Index(v.Name) < 0 {
			b.unknownColumn(v, s)
			return nil
		}
		return []string{v.Name}
	}
	b.errorf(x, CodeTypeError, "expected a column name")
	return nil
}

func (b *binder) sortKeys(keys []*ast.SortKey, r *rowCtx, e *env) []plan.SortKey {
	var out []plan.SortKey
	for _, k := range keys {
		x := b.scalar(k.X, r, e)
		desc := !strings.HasSuffix(k.Dir, "asc")
		nullsFirst := !desc
		switch k.Nulls {
		case "first":
			nullsFirst = true
		case "last":
			nullsFirst = false
		}
		out = append(out, plan.SortKey{X: x, Desc: desc, NullsFirst: nullsFirst})
	}
	return out
}

func (b *binder) summarize(in plan.Node, o *ast.SummarizeOp, r *rowCtx, e *env) plan.Node {
	agg := &plan.Aggregate{Input: in}
	for i, x := range o.By {
		var it plan.NamedExpr
		if as, ok := x.(*ast.Assign); ok {
			it = plan.NamedExpr{Name: as.Names[0].Name, X: b.scalar(as.Value, r, e)}
		} else {
			v := b.scalar(x, r, e)
			name := exprName(x)
			if name == "" {
				name = byName(x)
			}
			if name == "" {
				name = fmt.Sprintf("Column%d", i+1)
			}
			it = plan.NamedExpr{Name: name, X: v}
		}
		agg.Keys = append(agg.Keys, it)
	}
	ar := &rowCtx{schema: r.schema, agg: true}
	for _, x := range o.Aggs {
		name := ""
		val := x
		if as, ok := x.(*ast.Assign); ok {
			if as.Tuple {
				// (a, b) = arg_max(x, y): rename the expanded columns.
				its := b.argExt(as.Value, ar, e, agg.Keys)
				for i := range its {
					if i < len(as.Names) {
						its[i].Name = as.Names[i].Name
					}
				}
				agg.Aggs = append(agg.Aggs, its...)
				continue
			}
			name, val = as.Names[0].Name, as.Value
		}
		if c, ok := val.(*ast.Call); ok {
			if id, ok := c.Func.(*ast.Ident); ok {
				switch canonical(id.Name) {
				case "percentiles":
					agg.Aggs = append(agg.Aggs, b.percentiles(c, name, ar, e)...)
					continue
				case "take_any":
					if its := b.takeAnyMany(c, ar, e, agg.Keys); its != nil {
						agg.Aggs = append(agg.Aggs, its...)
						continue
					}
				case "percentilesw":
					agg.Aggs = append(agg.Aggs, b.percentilesW(c, name, ar, e)...)
					continue
				case "arg_max", "arg_min":
					its := b.argExt(c, ar, e, agg.Keys)
					if name != "" && len(its) > 0 {
						its[0].Name = name
					}
					agg.Aggs = append(agg.Aggs, its...)
					continue
				}
			}
		}
		v := b.scalar(val, ar, e)
		if name == "" {
			name = aggName(val)
		}
		agg.Aggs = append(agg.Aggs, plan.NamedExpr{Name: name, X: v})
	}
	// Make output names unique.
	seen := map[string]bool{}
	for _, l := range [][]plan.NamedExpr{agg.Keys, agg.Aggs} {
		for i := range l {
			n := l[i].Name
			for k := 1; seen[n]; k++ {
				n = fmt.Sprintf("%s%d", l[i].Name, k)
			}
			l[i].Name = n
			seen[n] = true
		}
	}
	return agg
}

// keyName names an unnamed project or distinct expression as summarize by
// names its keys: tostring(x) and bin(x, 1h) are named x.
func keyName(x ast.Expr) string {
	if n := byName(x); n != "" {
		return n
	}
	return exprName(x)
}

// byName names a summarize key such as bin(Timestamp, 1h) after its column.
func byName(x ast.Expr) string {
	if c, ok := x.(*ast.Call); ok && len(c.Args) > 0 {
		if id, ok := c.Func.(*ast.Ident); ok {
			switch strings.ToLower(id.Name) {
			case "bin", "floor", "bin_at", "startofday", "startofweek", "startofmonth", "startofyear",
				"tostring", "toint", "tolong", "todouble", "toreal", "tobool", "todatetime", "todynamic", "parse_json",
				"toguid", "totimespan", "todecimal", "format_datetime", "endofday", "endofweek", "endofmonth", "endofyear":
				return exprName(c.Args[0])
			}
		}
	}
	return ""
}

var aggPrefix = map[string]string{"make_set": "set", "make_list": "list", "make_bag": "bag", "make_set_if": "set",
	"make_list_if": "list", "make_bag_if": "bag", "make_list_with_nulls": "list", "take_any": "any", "take_anyif": "anyif"}

// aggName is the default name of an aggregate column: count_, max_X, set_X...
func aggName(x ast.Expr) string {
	c, ok := x.(*ast.Call)
	if !ok {
		if n := exprName(x); n != "" {
			return n
		}
		return "Column1"
	}
	id, ok := c.Func.(*ast.Ident)
	if !ok {
		return "Column1"
	}
	fn := canonical(id.Name)
	if isConversion(fn) && len(c.Args) == 1 {
		// tostring(make_set(X)) keeps the aggregate's name.
		if inner, ok := c.Args[0].(*ast.Call); ok {
			return aggName(inner)
		}
	}
	p := fn
	if q, ok := aggPrefix[fn]; ok {
		p = q
	}
	if strings.HasPrefix(fn, "covariance") && len(c.Args) >= 2 {
		// covariance(x, y) is named covariance_x_y.
		if x, y := convName(c.Args[0]), convName(c.Args[1]); x != "" && y != "" {
			return p + "_" + x + "_" + y
		}
	}
	if fn == "take_any" && len(c.Args) == 1 || fn == "take_anyif" && len(c.Args) == 2 {
		// take_any(X) and take_anyif(X, p) keep X's name, as Kusto's documentation shows.
		if n := exprName(c.Args[0]); n != "" {
			return n
		}
	}
	if len(c.Args) > 0 && fn != "countif" {
		if n := convName(c.Args[0]); n != "" {
			if fn == "percentile" && len(c.Args) > 1 {
				return fmt.Sprintf("%s_%s_%s", p, n, ast.Format(c.Args[1]))
			}
			return p + "_" + n
		}
	}
	return p + "_"
}

// argExt expands arg_max/arg_min(x, cols...) into columns.
func (b *binder) argExt(x ast.Expr, r *rowCtx, e *env, keys []plan.NamedExpr) []plan.NamedExpr {
	c, ok := x.(*ast.Call)
	if !ok || len(c.Args) < 1 {
		b.errorf(x, CodeTypeError, "expected arg_max or arg_min")
		return nil
	}
	fn := canonical(c.Func.(*ast.Ident).Name)
	key := b.scalar(c.Args[0], &rowCtx{schema: r.schema}, e)
	keyName := exprName(c.Args[0])
	if keyName == "" {
		keyName = strings.TrimPrefix(fn, "arg_") + "_"
	}
	simple := "max"
	if fn == "arg_min" {
		simple = "min"
	}
	out := []plan.NamedExpr{{Name: keyName, X: &plan.AggCall{Fn: simple, Args: []plan.Expr{key}, T: key.Type()}}}
	used := map[string]bool{keyName: true}
	for _, k := range keys {
		used[k.Name] = true
	}
	add := func(name string, v plan.Expr) {
		if used[name] {
			return
		}
		used[name] = true
		out = append(out, plan.NamedExpr{Name: name, X: &plan.AggCall{Fn: fn, Args: []plan.Expr{v, key}, T: v.Type()}})
	}
	for _, a := range c.Args[1:] {
		if _, ok := a.(*ast.Star); ok {
			for _, col := range r.schema {
				add(col.Name, &plan.ColRef{Name: col.Name, T: col.Type})
			}
			continue
		}
		if as, ok := a.(*ast.Assign); ok {
			add(as.Names[0].Name, b.scalar(as.Value, &rowCtx{schema: r.schema}, e))
			continue
		}
		v := b.scalar(a, &rowCtx{schema: r.schema}, e)
		name := exprName(a)
		if name == "" {
			name = fmt.Sprintf("%s_%d", fn, len(out))
		}
		add(name, v)
	}
	return out
}

func (b *binder) join(left plan.Node, o *ast.JoinOp, e *env) plan.Node {
	right := b.tabular(o.Right, e)
	if right == nil {
		return nil
	}
	kind := "innerunique"
	if o.Keyword == "lookup" {
		kind = "leftouter"
	}
	for _, p := range o.Params {
		if strings.EqualFold(p.Name, "kind") && len(p.Values) > 0 {
			kind = strings.ToLower(paramText(p.Values[0]))
		}
	}
	switch kind {
	case "innerunique", "inner", "leftouter", "rightouter", "fullouter", "leftanti", "rightanti", "leftsemi", "rightsemi":
	case "anti", "leftantisemi":
		kind = "leftanti"
	case "rightantisemi":
		kind = "rightanti"
	default:
		b.errorf(o, CodeUnsupported, "join kind %q is not supported", kind)
		return nil
	}
	ls, rs := left.Schema(), right.Schema()
	j := &plan.Join{Kind: kind, Left: left, Right: right}
	var conds []ast.Expr
	for _, c := range o.On {
		conds = append(conds, splitAnd(c)...)
	}
	if o.On == nil {
		// No "on": join on all common columns.
		for _, c := range ls {
			if rs.Index(c.Name) >= 0 {
				j.On = append(j.On, plan.JoinKey{Left: c.Name, Right: c.Name})
			}
		}
	}
	for _, c := range conds {
		switch v := c.(type) {
		case *ast.Ident:
			okl, okr := bagJoinKeys(j, v.Name, v.Name)
			ls, rs = j.Left.Schema(), j.Right.Schema()
			if !okl {
				b.unknownColumn(v, ls)
				continue
			}
			if !okr {
				b.unknownColumn(v, rs)
				continue
			}
			j.On = append(j.On, plan.JoinKey{Left: v.Name, Right: v.Name})
			continue
		case *ast.Binary:
			if v.Op == "==" {
				l, lok := sideCol(v.X)
				rr, rok := sideCol(v.Y)
				if lok && rok {
					if l.side == "$right" && rr.side == "$left" {
						l, rr = rr, l
					}
					if l.side == "$left" && rr.side == "$right" {
						okl, okr := bagJoinKeys(j, l.name, rr.name)
						ls, rs = j.Left.Schema(), j.Right.Schema()
						if !okl {
							b.unknownColumn(&ast.Ident{Loc: v.X.(*ast.Member).Name.Loc, Name: l.name}, ls)
						}
						if !okr {
							b.unknownColumn(&ast.Ident{Loc: v.Y.(*ast.Member).Name.Loc, Name: rr.name}, rs)
						}
						if okl && okr {
							j.On = append(j.On, plan.JoinKey{Left: l.name, Right: rr.name})
						}
						continue
					}
				}
			}
		}
		b.errorf(c, CodeUnsupported, "join condition must be a column or $left.a == $right.b")
	}
	switch kind {
	case "leftsemi", "leftanti":
		j.Out = append(plan.Schema{}, ls...)
		for _, c := range ls {
			j.Sources = append(j.Sources, plan.JoinSource{Col: c.Name})
		}
	case "rightsemi", "rightanti":
		j.Out = append(plan.Schema{}, rs...)
		for _, c := range rs {
			j.Sources = append(j.Sources, plan.JoinSource{Right: true, Col: c.Name})
		}
	default:
		used := map[string]bool{}
		for _, c := range ls {
			j.Out = append(j.Out, c)
			j.Sources = append(j.Sources, plan.JoinSource{Col: c.Name})
			used[c.Name] = true
		}
		keyR := map[string]bool{}
		if o.Keyword == "lookup" {
			for _, k := range j.On {
				if k.Left == k.Right {
					keyR[k.Right] = true
				}
			}
		}
		for _, c := range rs {
			if keyR[c.Name] {
				continue
			}
			name := c.Name
			for k := 1; used[name]; k++ {
				name = fmt.Sprintf("%s%d", c.Name, k)
			}
			used[name] = true
			j.Out = append(j.Out, plan.Column{Name: name, Type: c.Type})
			j.Sources = append(j.Sources, plan.JoinSource{Right: true, Col: c.Name})
		}
	}
	return j
}

type sideRef struct{ side, name string }

func sideCol(x ast.Expr) (sideRef, bool) {
	m, ok := x.(*ast.Member)
	if !ok {
		return sideRef{}, false
	}
	id, ok := m.X.(*ast.Ident)
	if !ok || (id.Name != "$left" && id.Name != "$right") {
		return sideRef{}, false
	}
	return sideRef{id.Name, m.Name.Name}, true
}

func splitAnd(x ast.Expr) []ast.Expr {
	if bx, ok := x.(*ast.Binary); ok && bx.Op == "and" {
		return append(splitAnd(bx.X), splitAnd(bx.Y)...)
	}
	if p, ok := x.(*ast.Paren); ok {
		return splitAnd(p.X)
	}
	return []ast.Expr{x}
}

func (b *binder) mvExpand(in plan.Node, o *ast.MvExpandOp, r *rowCtx, e *env) plan.Node {
	index, ok := b.itemIndex(o, o.Params, in.Schema())
	if !ok {
		return nil
	}
	in, cols, types := b.expandItems(in, o.Items, r, e)
	var lim plan.Expr
	if o.Limit != nil {
		lim = b.scalar(o.Limit, &rowCtx{}, e)
	}
	return &plan.MvExpand{Input: in, Cols: cols, Types: types, Limit: lim, Index: index}
}

// expandItems binds the items of mv-expand and mv-apply: each names a column, existing or computed (computed ones
// are added with an extend), with the type it is expanded to (dynamic unless "to typeof(...)" says otherwise).
func (b *binder) expandItems(in plan.Node, items []*ast.MvExpandItem, r *rowCtx, e *env) (plan.Node, []string, []schema.Type) {
	var extra []ast.Expr
	var cols []string
	var types []schema.Type
	for _, it := range items {
		name := ""
		switch x := it.X.(type) {
		case *ast.Ident:
			name = x.Name
			if r.schema.Index(name) < 0 {
				extra = append(extra, x) // reports the error
			}
		case *ast.Assign:
			name = x.Names[0].Name
			extra = append(extra, x)
		default:
			name = exprName(x)
			if name == "" {
				name = fmt.Sprintf("Column%d", len(cols)+1)
			}
			extra = append(extra, &ast.Assign{Loc: ast.Loc{Range: x.Span()}, Names: []*ast.Ident{{Name: name}}, Value: x})
		}
		cols = append(cols, name)
		t := schema.TypeDynamic
		if it.To != nil {
			t = b.typeRef(it.To)
		}
		types = append(types, t)
	}
	if len(extra) > 0 {
		in = b.extend(in, extra, r, e)
	}
	return in, cols, types
}
