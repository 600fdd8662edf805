package sema

// Operators that reshape rows or need special binding: parse, evaluate,
// make-series, mv-apply, percentiles.

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/vigilsec/vigil/internal/kql/ast"
	"github.com/vigilsec/vigil/internal/kql/plan"
	"github.com/vigilsec/vigil/internal/schema"
)

// parse binds the parse operator (simple and regex kinds) to regex extraction.
func (b *binder) parse(in plan.Node, o *ast.ParseOp, r *rowCtx, e *env) plan.Node {
	kind, flags := "simple", ""
	for _, p := range o.Params {
		if strings.EqualFold(p.Name, "kind") && len(p.Values) > 0 {
			kind = strings.ToLower(paramText(p.Values[0]))
		}
		if strings.EqualFold(p.Name, "flags") && len(p.Values) > 0 {
			flags = paramText(p.Values[0])
		}
	}
	lazy := "?"
	if kind == "regex" {
		// Regex mode is greedy unless the U flag is given.
		lazy = ""
		if strings.Contains(flags, "U") {
			lazy = "?"
		}
	}
	src := toString(b.scalar(o.X, r, e))
	// capIndex marks where each column's group goes, so that one pattern per
	// column can make only that column's group capturing.
	var re strings.Builder
	type capCol struct {
		name string
		t    schema.Type
	}
	var caps []capCol
	if kind == "regex" {
		f := "s"
		if strings.Contains(flags, "i") {
			f += "i"
		}
		if strings.Contains(flags, "m") {
			f += "m"
		}
		re.WriteString("(?" + f + ")")
	} else {
		re.WriteString("(?s)")
	}
	for i, p := range o.Pattern {
		switch v := p.(type) {
		case *ast.Literal:
			if kind == "regex" {
				re.WriteString(v.Value)
			} else {
				re.WriteString(regexpQuote(v.Value))
			}
		case *ast.Star:
			re.WriteString(".*" + lazy)
		case *ast.ColumnDecl:
			t := schema.TypeString
			if v.Type != nil {
				t = b.typeRef(v.Type)
			}
			caps = append(caps, capCol{v.Name.Name, t})
			last := i == len(o.Pattern)-1
			re.WriteString(fmt.Sprintf("\x00%d\x00", len(caps)-1))
			switch {
			case kind == "regex" && t == schema.TypeString:
				re.WriteString(".*" + lazy + ")")
			case t == schema.TypeLong || t == schema.TypeInt:
				re.WriteString(`-?\d+)`)
			case t == schema.TypeReal:
				re.WriteString(`-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)`)
			case last:
				re.WriteString(".*)")
			default:
				re.WriteString(".*?)")
			}
		default:
			b.errorf(p, CodeUnsupported, "unsupported parse pattern element")
		}
	}
	if kind != "regex" {
		re.WriteString("$")
		// Anchor at the start only when the pattern does not begin with *.
		if len(o.Pattern) == 0 || !isStar(o.Pattern[0]) {
			s := re.String()
			re.Reset()
			re.WriteString("(?s)^" + s[len("(?s)"):])
		}
	}
	raw := re.String()
	patternFor := func(col int) string {
		out := raw
		for k := range caps {
			g := "(?:"
			if k == col {
				g = "("
			}
			out = strings.Replace(out, fmt.Sprintf("\x00%d\x00", k), g, 1)
		}
		return out
	}
	pattern := patternFor(-1)
	items := passthrough(in.Schema())
	for i, c := range caps {
		var x plan.Expr = &plan.Call{Fn: "extract", Args: []plan.Expr{plan.String(patternFor(i)), plan.Long(1), src}, T: schema.TypeString}
		if c.t != schema.TypeString {
			x = convert(x, c.t)
		}
		it := plan.NamedExpr{Name: c.name, X: x}
		replaced := false
		for j := range items {
			if items[j].Name == c.name {
				items[j], replaced = it, true
			}
		}
		if !replaced {
			items = append(items, it)
		}
	}
	var out plan.Node = &plan.Project{Input: in, Items: items}
	if o.Keyword == "parse-where" {
		out = &plan.Project{Input: &plan.Filter{Input: in, Pred: &plan.Call{Fn: "matches regex", Args: []plan.Expr{src, plan.String(pattern)}, T: schema.TypeBool}}, Items: items}
	}
	return out
}

func isStar(x ast.Expr) bool { _, ok := x.(*ast.Star); return ok }

func regexpQuote(s string) string {
	const special = `\.+*?()|[]{}^$`
	var sb strings.Builder
	for _, r := range s {
		if strings.ContainsRune(special, r) {
			sb.WriteByte('\\')
		}
		sb.WriteRune(r)
	}
	return sb.String()
}

// BagPrefix starts the name of the hidden column holding a bag that
// bag_unpack expands lazily: a later reference to an unknown column Name
// reads the bag's property Name.
const BagPrefix = "$bag_"

func (b *binder) evaluate(in plan.Node, o *ast.EvaluateOp, r *rowCtx, e *env) plan.Node {
	c, ok := o.Call.(*ast.Call)
	name := ""
	if ok {
		if id, isID := c.Func.(*ast.Ident); isID {
			name = strings.ToLower(id.Name)
		}
	}
	switch name {
	case "bag_unpack":
		if len(c.Args) < 1 {
			b.errorf(o, CodeArgCount, "bag_unpack needs a column")
			return nil
		}
		id, ok := c.Args[0].(*ast.Ident)
		if !ok || r.schema.Index(id.Name) < 0 {
			b.scalar(c.Args[0], r, e)
			return nil
		}
		opts := b.bagOptions(o, c, e)
		if opts == nil {
			return nil
		}
		b.bags[BagPrefix+id.Name] = opts
		items := passthrough(r.schema)
		for i := range items {
			if items[i].Name == id.Name {
				items[i].Name = BagPrefix + id.Name
			}
		}
		return &plan.Project{Input: in, Items: items}
	case "pivot":
		return b.pivot(in, o, c, r, e)
	case "schema_merge":
		return b.schemaMerge(in, o, c, r, e)
	case "rolling_percentile":
		return b.rollingPercentile(in, c, r, e)
	case "activity_counts_metrics":
		return b.activityCounts(in, c, r, e)
	case "active_users_count":
		return b.activeUsers(in, c, r, e)
	case "ipv4_lookup":
		return b.ipv4Lookup(in, c, r, e)
	case "geo_polygon_lookup", "geo_line_lookup":
		return b.geoLookup(in, c, name == "geo_line_lookup", r, e)
	case "ipv6_lookup":
		n := b.ipv4Lookup(in, c, r, e)
		if j, ok := n.(*plan.Join); ok {
			j.IPv4Range, j.IPv6Range = false, true
			// The documented output lists the lookup table's columns first.
			var out plan.Schema
			var src []plan.JoinSource
			for _, right := range []bool{true, false} {
				for i, s := range j.Sources {
					if s.Right == right {
						out, src = append(out, j.Out[i]), append(src, s)
					}
				}
			}
			j.Out, j.Sources = out, src
		}
		return n
	case "sequence_detect":
		return b.sequenceDetect(in, o, c, r, e)
	case "basket", "autocluster":
		return b.patterns(in, o, c, name, r, e)
	case "":
		b.errorf(o, CodeUnsupported, "unsupported evaluate call")
	case "diffpatterns", "python", "r", "sql_request", "http_request",
		"http_request_post", "cosmosdb_sql_request", "azure_digital_twins_query_request", "ai_embed_text", "ai_chat_completion":
		b.errorf(o, CodeUnsupported, "the %s plugin is not supported", name)
	default:
		b.errorf(o, CodeUnsupported, "the %s plugin is not supported", name)
	}
	return nil
}

// bagOptions reads the arguments of bag_unpack after the column: an
// output column prefix, columnsConflict, ignoredProperties, and the
// declared output schema.
func (b *binder) bagOptions(o *ast.EvaluateOp, c *ast.Call, e *env) *BagOptions {
	opts := &BagOptions{Conflict: "error", Ignored: map[string]bool{}}
	str := func(x ast.Expr) (string, bool) {
		l, ok := b.scalar(x, &rowCtx{}, e).(*plan.Lit)
		if !ok || l.T != schema.TypeString {
			return "", false
		}
		v, _ := l.V.(string)
		return v, true
	}
	for i, a := range c.Args[1:] {
		as, named := a.(*ast.Assign)
		switch {
		case !named && i == 0:
			v, ok := str(a)
			if !ok {
				b.errorf(a, CodeTypeError, "bag_unpack expects a constant string column prefix")
				return nil
			}
			opts.Prefix = v
		case named && strings.EqualFold(as.Names[0].Name, "OutputColumnPrefix"):
			v, ok := str(as.Value)
			if !ok {
				b.errorf(a, CodeTypeError, "OutputColumnPrefix expects a constant string")
				return nil
			}
			opts.Prefix = v
		case named && strings.EqualFold(as.Names[0].Name, "columnsConflict"):
			v, ok := str(as.Value)
			if !ok || (v != "error" && v != "replace_source" && v != "keep_source") {
				b.errorf(a, CodeTypeError, "columnsConflict is one of 'error', 'replace_source' and 'keep_source'")
				return nil
			}
			opts.Conflict = v
		case named && strings.EqualFold(as.Names[0].Name, "ignoredProperties"):
			js, ok := dynJSON(as.Value)
			if call, isCall := as.Value.(*ast.Call); isCall && len(call.Args) == 1 {
				js, ok = dynJSON(call.Args[0])
			}
			var names []string
			if !ok || json.Unmarshal([]byte(js), &names) != nil {
				b.errorf(a, CodeTypeError, "ignoredProperties expects a constant array of strings")
				return nil
			}
			for _, n := range names {
				opts.Ignored[n] = true
			}
		default:
			b.errorf(a, CodeUnsupported, "unsupported bag_unpack argument %s", ast.Format(a))
			return nil
		}
	}
	if o.Schema != nil {
		for _, cd := range o.Schema.Columns {
			t := schema.TypeDynamic
			if cd.Type != nil {
				t = b.typeRef(cd.Type)
			}
			opts.Declared = append(opts.Declared, plan.Column{Name: cd.Name.Name, Type: t})
		}
		if opts.Declared == nil {
			opts.Declared = []plan.Column{}
		}
	}
	return opts
}

// ipv4Lookup binds evaluate ipv4_lookup(LookupTable, SourceIPColumn,
// IPRangeColumn [, return_unmatched]): each input row joined with the
// lookup rows whose CIDR range holds its IPv4 address; unmatched rows are
// dropped unless return_unmatched is true.
func (b *binder) ipv4Lookup(in plan.Node, c *ast.Call, r *rowCtx, e *env) plan.Node {
	if len(c.Args) < 3 || len(c.Args) > 4 {
		b.errorf(c, CodeArgCount, "ipv4_lookup needs a lookup table, the address column and the range column")
		return nil
	}
	lookup := b.tabular(c.Args[0], e)
	src, ok1 := c.Args[1].(*ast.Ident)
	rng, ok2 := c.Args[2].(*ast.Ident)
	if lookup == nil {
		return nil
	}
	ls := lookup.Schema()
	if !ok1 || r.schema.Index(src.Name) < 0 {
		b.errorf(c.Args[1], CodeTypeError, "ipv4_lookup expects a column of its input holding the address")
		return nil
	}
	if !ok2 || ls.Index(rng.Name) < 0 {
		b.errorf(c.Args[2], CodeTypeError, "ipv4_lookup expects a column of the lookup table holding the range")
		return nil
	}
	kind := "inner"
	if len(c.Args) == 4 {
		x := c.Args[3]
		if as, ok := x.(*ast.Assign); ok && strings.EqualFold(as.Names[0].Name, "return_unmatched") {
			x = as.Value
		}
		l, ok := b.scalar(x, &rowCtx{}, e).(*plan.Lit)
		if !ok || l.T != schema.TypeBool {
			b.errorf(c.Args[3], CodeTypeError, "return_unmatched expects a constant bool")
			return nil
		}
		if v, _ := l.V.(bool); v {
			kind = "leftouter"
		}
	}
	j := &plan.Join{Kind: kind, Left: in, Right: lookup, On: []plan.JoinKey{{Left: src.Name, Right: rng.Name}}, IPv4Range: true}
	names := map[string]bool{}
	for _, col := range r.schema {
		j.Out = append(j.Out, col)
		j.Sources = append(j.Sources, plan.JoinSource{Col: col.Name})
		names[col.Name] = true
	}
	for _, col := range ls {
		name := col.Name
		for k := 1; names[name]; k++ {
			name = fmt.Sprintf("%s%d", col.Name, k)
		}
		names[name] = true
		j.Out = append(j.Out, plan.Column{Name: name, Type: col.Type})
		j.Sources = append(j.Sources, plan.JoinSource{Right: true, Col: col.Name})
	}
	return j
}

// PivotBag is the hidden bag column of evaluate pivot: its keys are the
// values of the pivot column and a later reference to one of them reads
// the bag, as after bag_unpack. The set of output columns depends on the
// data, so it is known only once the rows are read.
const PivotBag = BagPrefix + "pivot"

// pivot binds evaluate pivot(Column [, Aggregation [, GroupColumn ...]]):
// one row per group, a column per distinct value of Column holding the
// aggregation (count() by default) over the group's rows with that value.
func (b *binder) pivot(in plan.Node, o *ast.EvaluateOp, c *ast.Call, r *rowCtx, e *env) plan.Node {
	if len(c.Args) < 1 {
		b.errorf(o, CodeArgCount, "pivot needs the pivot column")
		return nil
	}
	col, ok := c.Args[0].(*ast.Ident)
	if !ok || r.schema.Index(col.Name) < 0 {
		b.errorf(c.Args[0], CodeTypeError, "pivot expects a column of its input")
		return nil
	}
	key := b.scalar(col, r, e)
	ar := &rowCtx{schema: r.schema, agg: true}
	var val plan.Expr
	if len(c.Args) >= 2 {
		val = b.scalar(c.Args[1], ar, e)
	} else {
		val = &plan.AggCall{Fn: "count", T: schema.TypeLong}
	}
	var keys []plan.NamedExpr
	for _, g := range c.Args[min(2, len(c.Args)):] {
		id, ok := g.(*ast.Ident)
		if !ok {
			b.errorf(g, CodeTypeError, "pivot groups by columns of its input")
			return nil
		}
		keys = append(keys, plan.NamedExpr{Name: id.Name, X: b.scalar(id, r, e)})
	}
	if val == nil || key == nil {
		return nil
	}
	const k, v = "$pivot_key", "$pivot_value"
	inner := &plan.Aggregate{Input: in, Keys: append(append([]plan.NamedExpr{}, keys...),
		plan.NamedExpr{Name: k, X: &plan.Call{Fn: "tostring", Args: []plan.Expr{key}, T: schema.TypeString}}),
		Aggs: []plan.NamedExpr{{Name: v, X: val}}}
	outerKeys := make([]plan.NamedExpr, len(keys))
	for i, kx := range keys {
		outerKeys[i] = plan.NamedExpr{Name: kx.Name, X: &plan.ColRef{Name: kx.Name, T: kx.X.Type()}}
	}
	b.bags[PivotBag] = &BagOptions{Conflict: "error", Ignored: map[string]bool{}}
	pair := &plan.Call{Fn: "bag_pack", Args: []plan.Expr{&plan.ColRef{Name: k, T: schema.TypeString}, &plan.ColRef{Name: v, T: val.Type()}}, T: schema.TypeDynamic}
	return &plan.Aggregate{Input: inner, Keys: outerKeys,
		Aggs: []plan.NamedExpr{{Name: PivotBag, X: &plan.AggCall{Fn: "make_bag", Args: []plan.Expr{pair}, T: schema.TypeDynamic}}}}
}

// percentiles expands percentiles(x, p1, p2, ...) into one column per percentile.
func (b *binder) percentiles(c *ast.Call, name string, r *rowCtx, e *env) []plan.NamedExpr {
	if len(c.Args) < 2 {
		b.errorf(c, CodeArgCount, "percentiles needs a value and at least one percentile")
		return nil
	}
	x := b.scalar(c.Args[0], &rowCtx{schema: r.schema}, e)
	base := exprName(c.Args[0])
	var out []plan.NamedExpr
	for _, pa := range c.Args[1:] {
		p := b.scalar(pa, &rowCtx{}, e)
		n := "percentile_" + base + "_" + strings.ReplaceAll(ast.Format(pa), ".", "_")
		if name != "" && len(c.Args) == 2 {
			n = name
		}
		out = append(out, plan.NamedExpr{Name: n, X: &plan.AggCall{Fn: "percentile", Args: []plan.Expr{x, p}, T: x.Type()}})
	}
	return out
}

// percentilesW expands percentilesw(x, weight, p1, p2, ...) into one weighted percentile per p.
func (b *binder) percentilesW(c *ast.Call, name string, r *rowCtx, e *env) []plan.NamedExpr {
	if len(c.Args) < 3 {
		b.errorf(c, CodeArgCount, "percentilesw needs a value, a weight and at least one percentile")
		return nil
	}
	x := b.scalar(c.Args[0], &rowCtx{schema: r.schema}, e)
	w := b.scalar(c.Args[1], &rowCtx{schema: r.schema}, e)
	base := exprName(c.Args[0])
	var out []plan.NamedExpr
	for _, pa := range c.Args[2:] {
		p := b.scalar(pa, &rowCtx{}, e)
		n := "percentile_" + base + "_" + strings.ReplaceAll(ast.Format(pa), ".", "_")
		if name != "" && len(c.Args) == 3 {
			n = name
		}
		out = append(out, plan.NamedExpr{Name: n, X: &plan.AggCall{Fn: "percentilew", Args: []plan.Expr{x, w, p}, T: x.Type()}})
	}
	return out
}

func (b *binder) makeSeries(in plan.Node, o *ast.MakeSeriesOp, r *rowCtx, e *env) plan.Node {
	for _, p := range o.Params {
		b.errorf(o, CodeUnsupported, "make-series %s is not supported yet", p.Name)
		return nil
	}
	ms := &plan.MakeSeries{Input: in}
	for i, x := range o.By {
		if as, ok := x.(*ast.Assign); ok {
			ms.Keys = append(ms.Keys, plan.NamedExpr{Name: as.Names[0].Name, X: b.scalar(as.Value, r, e)})
			continue
		}
		// by tostring(x) names the key x, as summarize does.
		name := keyName(x)
		if name == "" {
			name = fmt.Sprintf("Column%d", i+1)
		}
		ms.Keys = append(ms.Keys, plan.NamedExpr{Name: name, X: b.scalar(x, r, e)})
	}
	ar := &rowCtx{schema: r.schema, agg: true}
	for _, a := range o.Aggs {
		name, val := "", a.X
		if as, ok := a.X.(*ast.Assign); ok {
			name, val = as.Names[0].Name, as.Value
		}
		x := b.scalar(val, ar, e)
		if name == "" {
			name = aggName(val)
		}
		ms.Aggs = append(ms.Aggs, plan.NamedExpr{Name: name, X: x})
		var def plan.Expr
		if a.Default != nil {
			def = b.scalar(a.Default, &rowCtx{}, e)
		} else if isNumeric(x.Type()) {
			def = &plan.Lit{T: x.Type(), V: zeroOf(x.Type())}
		} else {
			def = plan.Null(x.Type())
		}
		ms.Defaults = append(ms.Defaults, def)
	}
	ms.On = b.scalar(o.On, r, e)
	ms.OnName = exprName(o.On)
	if ms.OnName == "" {
		ms.OnName = "Column1"
	}
	if o.From != nil {
		ms.From = b.scalar(o.From, &rowCtx{}, e)
	}
	if o.To != nil {
		ms.To = b.scalar(o.To, &rowCtx{}, e)
	}
	ms.Step = b.scalar(o.Step, &rowCtx{}, e)
	return ms
}

func zeroOf(t schema.Type) any {
	if t == schema.TypeReal || t == schema.TypeDecimal {
		return 0.0
	}
	return int64(0)
}

func (b *binder) mvApply(in plan.Node, o *ast.MvApplyOp, r *rowCtx, e *env) plan.Node {
	index, ok := b.itemIndex(o, o.Params, in.Schema())
	if !ok {
		return nil
	}
	in, items, types := b.expandItems(in, o.Items, r, e)
	cols := append(plan.Schema{}, in.Schema()...)
	for i, it := range items {
		if j := cols.Index(it); j >= 0 {
			cols[j].Type = types[i]
		}
	}
	if index != "" {
		cols = append(cols, plan.Column{Name: index, Type: schema.TypeLong})
	}
	rows := &plan.ApplyRows{Cols: cols, Items: items, Types: types, Index: index}
	if o.Limit != nil {
		rows.Limit = b.scalar(o.Limit, &rowCtx{}, e)
	}
	body := o.Body
	if p, ok := body.(*ast.Paren); ok {
		body = p.X
	}
	var n plan.Node = rows
	if pl, ok := body.(*ast.Pipeline); ok {
		if pl.Source != nil {
			b.errorf(pl.Source, CodeUnsupported, "mv-apply body with its own source")
			return nil
		}
		for _, op := range pl.Ops {
			if n == nil {
				return nil
			}
			n = b.op(n, op, e)
		}
	} else {
		b.errorf(o.Body, CodeUnsupported, "unsupported mv-apply body")
		return nil
	}
	if n == nil {
		return nil
	}
	ma := &plan.MvApply{Input: in, Rows: rows, Body: n}
	bodyS := n.Schema()
	expanded := map[string]bool{}
	for _, it := range items {
		expanded[it] = true
	}
	for _, c := range in.Schema() {
		if expanded[c.Name] || bodyS.Index(c.Name) >= 0 {
			continue
		}
		ma.Keep = append(ma.Keep, c.Name)
		ma.Out = append(ma.Out, c)
	}
	ma.Out = append(ma.Out, bodyS...)
	return ma
}

func isConversion(fn string) bool {
	switch fn {
	case "tostring", "toint", "tolong", "toreal", "tobool", "todatetime", "parse_json", "toguid", "totimespan", "todecimal":
		return true
	}
	return false
}

// convName is exprName looking through conversions: tostring(x) is named x.
func convName(x ast.Expr) string {
	if c, ok := x.(*ast.Call); ok && len(c.Args) == 1 {
		if id, ok := c.Func.(*ast.Ident); ok && isConversion(canonical(id.Name)) {
			return convName(c.Args[0])
		}
	}
	return exprName(x)
}
