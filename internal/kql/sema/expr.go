package sema

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/vigilsec/vigil/internal/kql/ast"
	"github.com/vigilsec/vigil/internal/kql/plan"
	"github.com/vigilsec/vigil/internal/schema"
)

// rowCtx is the row an expression is evaluated over.
type rowCtx struct {
	schema plan.Schema
	agg    bool // aggregate functions are allowed (summarize)
}

func (b *binder) unknownColumn(id *ast.Ident, s plan.Schema) {
	if s2 := suggest(id.Name, s.Names()); s2 != "" {
		b.errorf(id, CodeUnknownColumn, "unknown column or variable %q; did you mean %q?", id.Name, s2)
		return
	}
	b.errorf(id, CodeUnknownColumn, "unknown column or variable %q", id.Name)
}

var nullDyn = plan.Null(schema.TypeDynamic)

// scalar binds a scalar expression over row r.
func (b *binder) scalar(x ast.Expr, r *rowCtx, e *env) plan.Expr {
	switch v := x.(type) {
	case *ast.Literal:
		return b.literal(v)
	case *ast.Paren:
		if b.isTabular(v.X, e) {
			b.errorf(v, CodeTypeError, "a table cannot be used as a scalar; use toscalar()")
			return nullDyn
		}
		return b.scalar(v.X, r, e)
	case *ast.Ident:
		return b.ident(v, r, e)
	case *ast.Dynamic:
		j, ok := dynJSON(v.Value)
		if !ok {
			b.errorf(v, CodeTypeError, "dynamic literal holds a non-constant value")
			return nullDyn
		}
		if j == "null" {
			return nullDyn
		}
		return &plan.Lit{T: schema.TypeDynamic, V: j}
	case *ast.Unary:
		y := b.scalar(v.X, r, e)
		switch v.Op {
		case "-":
			if l, ok := y.(*plan.Lit); ok {
				switch n := l.V.(type) {
				case int64:
					return &plan.Lit{T: l.T, V: -n}
				case float64:
					return &plan.Lit{T: l.T, V: -n}
				}
			}
			if y.Type() == schema.TypeDynamic {
				y = convert(y, schema.TypeReal)
			}
			return &plan.Call{Fn: "neg", Args: []plan.Expr{y}, T: y.Type()}
		case "+":
			return y
		case "!", "not":
			return &plan.Call{Fn: "not", Args: []plan.Expr{toBool(y)}, T: schema.TypeBool}
		}
		b.errorf(v, CodeUnsupported, "unary %s is not supported", v.Op)
		return nullDyn
	case *ast.Binary:
		return b.binary(v, r, e)
	case *ast.InExpr:
		return b.in(v, r, e)
	case *ast.BetweenExpr:
		xx := b.scalar(v.X, r, e)
		lo := b.scalar(v.Low, r, e)
		hi := b.scalar(v.High, r, e)
		if hi.Type() == schema.TypeTimespan && lo.Type() == schema.TypeDatetime {
			// between (start .. span) means start .. start+span.
			hi = &plan.Call{Fn: "+", Args: []plan.Expr{lo, hi}, T: schema.TypeDatetime}
		}
		xx, lo = unify(xx, lo)
		xx, hi = unify(xx, hi)
		fn := "between"
		if v.Not {
			fn = "!between"
		}
		return &plan.Call{Fn: fn, Args: []plan.Expr{xx, lo, hi}, T: schema.TypeBool}
	case *ast.Call:
		return b.call(v, r, e)
	case *ast.Member:
		if x, ok := scanStateColumn(v, r); ok {
			return x
		}
		if x, ok := b.graphMember(v, r); ok {
			return x
		}
		base := b.scalar(v.X, r, e)
		if base.Type() == schema.TypeString {
			// Lenient: a string column holding JSON is read as dynamic.
			base = convert(base, schema.TypeDynamic)
		}
		if base.Type() != schema.TypeDynamic {
			b.errorf(v, CodeTypeError, "cannot access property %q of a %s value", v.Name.Name, base.Type())
			return nullDyn
		}
		return &plan.Member{X: base, Key: v.Name.Name}
	case *ast.Index:
		base := b.scalar(v.X, r, e)
		idx := b.scalar(v.Index, &rowCtx{schema: r.schema}, e)
		if base.Type() == schema.TypeString {
			base = convert(base, schema.TypeDynamic)
		}
		if base.Type() != schema.TypeDynamic {
			b.errorf(v, CodeTypeError, "cannot index a %s value", base.Type())
			return nullDyn
		}
		if l, ok := idx.(*plan.Lit); ok && l.T == schema.TypeString {
			return &plan.Member{X: base, Key: l.V.(string)}
		}
		return &plan.Member{X: base, Index: idx}
	case *ast.Star:
		return &plan.Star{}
	case *ast.Typeof:
		// typeof(T) as an argument (extract's result type) is a typed null.
		return plan.Null(b.typeRef(v.Type))
	case *ast.Pipeline:
		b.errorf(v, CodeTypeError, "a table cannot be used as a scalar; use toscalar()")
		return nullDyn
	case *ast.Assign:
		b.errorf(v, CodeTypeError, "unexpected assignment")
		return nullDyn
	}
	b.errorf(x, CodeUnsupported, "unsupported expression %s", ast.Format(x))
	return nullDyn
}

func (b *binder) literal(v *ast.Literal) plan.Expr {
	switch v.Kind {
	case ast.LitString:
		return plan.String(v.Value)
	case ast.LitBool:
		return plan.Bool(strings.EqualFold(v.Value, "true"))
	case ast.LitInt:
		n, err := ParseLong(v.Value)
		if err != nil {
			b.errorf(v, CodeTypeError, "%v", err)
			return plan.Null(schema.TypeLong)
		}
		return plan.Long(n)
	case ast.LitReal:
		f, err := strconv.ParseFloat(v.Value, 64)
		if err != nil {
			b.errorf(v, CodeTypeError, "invalid real %q", v.Value)
			return plan.Null(schema.TypeReal)
		}
		return plan.Real(f)
	case ast.LitDatetime:
		t, null, ok := ParseDatetime(v.Value)
		if !ok {
			b.errorf(v, CodeTypeError, "invalid datetime %s", v.Raw)
		}
		if null || !ok {
			return plan.Null(schema.TypeDatetime)
		}
		return plan.Datetime(t)
	case ast.LitTimespan:
		d, null, ok := ParseTimespan(v.Value)
		if !ok {
			b.errorf(v, CodeTypeError, "invalid timespan %s", v.Raw)
		}
		if null || !ok {
			return plan.Null(schema.TypeTimespan)
		}
		return plan.Timespan(d)
	case ast.LitGuid:
		s := unwrapLit(v.Value, "guid")
		if strings.EqualFold(s, "null") {
			return plan.Null(schema.TypeGUID)
		}
		return &plan.Lit{T: schema.TypeGUID, V: strings.ToLower(s)}
	}
	b.errorf(v, CodeUnsupported, "unsupported literal %s", v.Raw)
	return nullDyn
}

func (b *binder) ident(v *ast.Ident, r *rowCtx, e *env) plan.Expr {
	if i := r.schema.Index(v.Name); i >= 0 {
		return &plan.ColRef{Name: v.Name, T: r.schema[i].Type}
	}
	if bd := e.lookup(v.Name); bd != nil {
		switch {
		case bd.scalar != nil:
			return bd.scalar
		case bd.table != nil:
			b.errorf(v, CodeTypeError, "%q is a table; use toscalar() to read a value from it", v.Name)
			return nullDyn
		case bd.fn != nil:
			_, x := b.callUser(v, bd.fn, bd.fnEnv, nil, nil, r, e)
			if x == nil {
				b.errorf(v, CodeTypeError, "%q is a tabular function", v.Name)
				return nullDyn
			}
			return x
		}
	}
	for _, c := range r.schema {
		if strings.HasPrefix(c.Name, BagPrefix) {
			return &plan.Member{X: &plan.ColRef{Name: c.Name, T: c.Type}, Key: v.Name}
		}
	}
	switch v.Name {
	case "null":
		return nullDyn
	case "true", "false":
		return plan.Bool(v.Name == "true")
	}
	b.unknownColumn(v, r.schema)
	return nullDyn
}

// dynJSON renders a constant dynamic literal as JSON.
func dynJSON(x ast.Expr) (string, bool) {
	switch v := x.(type) {
	case *ast.Ident:
		if v.Name == "null" {
			return "null", true
		}
		return "", false
	case *ast.Literal:
		switch v.Kind {
		case ast.LitString:
			j, _ := json.Marshal(v.Value)
			return string(j), true
		case ast.LitInt, ast.LitReal:
			if n, err := ParseLong(v.Value); err == nil {
				return strconv.FormatInt(n, 10), true
			}
			f, err := strconv.ParseFloat(v.Value, 64)
			if err != nil {
				return "", false
			}
			j, _ := json.Marshal(f)
			return string(j), true
		case ast.LitBool:
			return strings.ToLower(v.Value), true
		case ast.LitDatetime:
			t, null, ok := ParseDatetime(v.Value)
			if null || !ok {
				return "null", ok
			}
			j, _ := json.Marshal(t.Format("2006-01-02T15:04:05.0000000Z"))
			return string(j), true
		case ast.LitTimespan:
			d, null, ok := ParseTimespan(v.Value)
			if null || !ok {
				return "null", ok
			}
			j, _ := json.Marshal(FormatTimespan(d))
			return string(j), true
		case ast.LitGuid:
			j, _ := json.Marshal(strings.ToLower(unwrapLit(v.Value, "guid")))
			return string(j), true
		}
	case *ast.Unary:
		if v.Op == "-" {
			s, ok := dynJSON(v.X)
			return "-" + s, ok
		}
	case *ast.ArrayLit:
		parts := make([]string, len(v.Elems))
		for i, el := range v.Elems {
			s, ok := dynJSON(el)
			if !ok {
				return "", false
			}
			parts[i] = s
		}
		return "[" + strings.Join(parts, ",") + "]", true
	case *ast.BagLit:
		parts := make([]string, len(v.Entries))
		for i, en := range v.Entries {
			s, ok := dynJSON(en.Value)
			if !ok {
				return "", false
			}
			k, _ := json.Marshal(en.Key.Value)
			parts[i] = string(k) + ":" + s
		}
		return "{" + strings.Join(parts, ",") + "}", true
	case *ast.Dynamic:
		return dynJSON(v.Value)
	case *ast.Paren:
		return dynJSON(v.X)
	}
	return "", false
}

// toBool converts a predicate to bool when it is dynamic.
func toBool(x plan.Expr) plan.Expr {
	if x.Type() == schema.TypeBool {
		return x
	}
	return convert(x, schema.TypeBool)
}

// toString converts x to string for the string operators.
func toString(x plan.Expr) plan.Expr {
	if x.Type() == schema.TypeString {
		return x
	}
	return convert(x, schema.TypeString)
}

// unify brings the operands of a comparison to a common type.
func unify(x, y plan.Expr) (plan.Expr, plan.Expr) {
	xt, yt := x.Type(), y.Type()
	if xt == yt {
		return x, y
	}
	switch {
	case isNumeric(xt) && isNumeric(yt):
		return x, y
	case xt == schema.TypeDynamic && yt != schema.TypeDynamic:
		return convert(x, dynTarget(yt)), y
	case yt == schema.TypeDynamic && xt != schema.TypeDynamic:
		return x, convert(y, dynTarget(xt))
	case xt == schema.TypeGUID && yt == schema.TypeString, xt == schema.TypeString && yt == schema.TypeGUID:
		return toString(x), toString(y)
	case xt == schema.TypeDatetime && yt == schema.TypeString:
		return x, convert(y, schema.TypeDatetime)
	case yt == schema.TypeDatetime && xt == schema.TypeString:
		return convert(x, schema.TypeDatetime), y
	case isNumeric(xt) && yt == schema.TypeBool:
		return x, convert(y, xt)
	case isNumeric(yt) && xt == schema.TypeBool:
		return convert(x, yt), y
	case xt == schema.TypeString && isNumeric(yt):
		return convert(x, schema.TypeReal), y
	case yt == schema.TypeString && isNumeric(xt):
		return x, convert(y, schema.TypeReal)
	}
	if l, ok := y.(*plan.Lit); ok && l.V == nil {
		return x, plan.Null(xt)
	}
	if l, ok := x.(*plan.Lit); ok && l.V == nil {
		return plan.Null(yt), y
	}
	return x, y
}

func dynTarget(t schema.Type) schema.Type {
	if isNumeric(t) {
		return schema.TypeReal
	}
	return t
}

var stringOps = map[string]bool{}

func init() {
	for _, op := range []string{"has", "has_cs", "hasprefix", "hasprefix_cs", "hassuffix", "hassuffix_cs", "contains", "contains_cs",
		"startswith", "startswith_cs", "endswith", "endswith_cs", "=~", "!~", "like", "notlike", "likecs", "notlikecs", "matches regex"} {
		stringOps[op] = true
		if op[0] != '!' && op[0] != '=' && op != "matches regex" && !strings.HasPrefix(op, "not") && !strings.HasPrefix(op, "like") {
			stringOps["!"+op] = true
		}
	}
}

func (b *binder) binary(v *ast.Binary, r *rowCtx, e *env) plan.Expr {
	x := b.scalar(v.X, r, e)
	y := b.scalar(v.Y, r, e)
	op := v.Op
	if strings.EqualFold(op, "containscs") { // the deprecated spelling of contains_cs
		op = "contains_cs"
	}
	if op == "<>" {
		op = "!="
	}
	switch {
	case op == "and" || op == "or":
		return &plan.Call{Fn: op, Args: []plan.Expr{toBool(x), toBool(y)}, T: schema.TypeBool}
	case stringOps[op]:
		return &plan.Call{Fn: op, Args: []plan.Expr{toString(x), toString(y)}, T: schema.TypeBool}
	case op == "==" || op == "!=" || op == "<" || op == "<=" || op == ">" || op == ">=":
		x, y = unify(x, y)
		return &plan.Call{Fn: op, Args: []plan.Expr{x, y}, T: schema.TypeBool}
	case op == "+" || op == "-" || op == "*" || op == "/" || op == "%":
		t, ok := arithType(op, x.Type(), y.Type())
		if !ok {
			b.errorf(v, CodeTypeError, "operator %s cannot be applied to %s and %s", op, x.Type(), y.Type())
			return nullDyn
		}
		if x.Type() == schema.TypeDynamic {
			x = convert(x, schema.TypeReal)
		}
		if y.Type() == schema.TypeDynamic {
			y = convert(y, schema.TypeReal)
		}
		return &plan.Call{Fn: op, Args: []plan.Expr{x, y}, T: t}
	}
	b.errorf(v, CodeUnsupported, "operator %s is not supported", op)
	return nullDyn
}

func arithType(op string, a, b schema.Type) (schema.Type, bool) {
	D, T := schema.TypeDatetime, schema.TypeTimespan
	switch {
	case a == D && b == D && op == "-":
		return T, true
	case a == D && b == T && (op == "+" || op == "-"):
		return D, true
	case a == T && b == D && op == "+":
		return D, true
	case a == T && b == T && (op == "+" || op == "-" || op == "%"):
		return T, true
	case a == T && b == T && op == "/":
		return schema.TypeReal, true
	case a == T && isNumeric(b) && (op == "*" || op == "/"):
		return T, true
	case isNumeric(a) && b == T && op == "*":
		return T, true
	case isNumeric(a) && isNumeric(b):
		return promote(a, b), true
	case a == schema.TypeDynamic && (isNumeric(b) || b == schema.TypeDynamic), b == schema.TypeDynamic && isNumeric(a):
		return schema.TypeReal, true
	}
	return 0, false
}

func promote(a, b schema.Type) schema.Type {
	switch {
	case a == schema.TypeReal || b == schema.TypeReal:
		return schema.TypeReal
	case a == schema.TypeDecimal || b == schema.TypeDecimal:
		return schema.TypeDecimal
	case a == schema.TypeLong || b == schema.TypeLong:
		return schema.TypeLong
	}
	return schema.TypeInt
}

func (b *binder) in(v *ast.InExpr, r *rowCtx, e *env) plan.Expr {
	x := b.scalar(v.X, r, e)
	op := v.Op
	if len(v.List) == 1 && b.isTabular(v.List[0], e) {
		n := b.tabular(v.List[0], e)
		if n == nil {
			return nullDyn
		}
		if strings.Contains(op, "has") || x.Type() == schema.TypeDynamic || strings.Contains(op, "~") {
			x = toString(x)
		}
		return &plan.InTable{Op: op, X: x, Table: n}
	}
	var list []plan.Expr
	for _, it := range v.List {
		y := b.scalar(it, &rowCtx{schema: r.schema}, e)
		// A constant dynamic array contributes its elements.
		if l, ok := y.(*plan.Lit); ok && l.T == schema.TypeDynamic && l.V != nil {
			var arr []any
			if err := json.Unmarshal([]byte(l.V.(string)), &arr); err == nil {
				for _, el := range arr {
					list = append(list, jsonScalar(el))
				}
				continue
			}
		}
		list = append(list, y)
	}
	strOp := strings.Contains(op, "~") || strings.Contains(op, "has")
	for i := range list {
		if strOp || x.Type() == schema.TypeString {
			list[i] = toString(list[i])
		} else if list[i].Type() != schema.TypeDynamic {
			_, list[i] = unify(x, list[i])
		}
	}
	if strOp {
		x = toString(x)
	} else if x.Type() == schema.TypeDynamic && len(list) > 0 {
		x = convert(x, dynTarget(list[0].Type()))
	}
	return &plan.InList{Op: op, X: x, List: list}
}

// jsonScalar turns a decoded JSON element into a literal.
func jsonScalar(v any) plan.Expr {
	switch t := v.(type) {
	case nil:
		return nullDyn
	case string:
		return plan.String(t)
	case bool:
		return plan.Bool(t)
	case float64:
		if t == float64(int64(t)) {
			return plan.Long(int64(t))
		}
		return plan.Real(t)
	}
	j, _ := json.Marshal(v)
	return &plan.Lit{T: schema.TypeDynamic, V: string(j)}
}
