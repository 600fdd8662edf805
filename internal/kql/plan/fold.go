package plan

import (
	"encoding/json"

	"github.com/vigilsec/vigil/internal/schema"
)

// foldFilters simplifies filter predicates whose parts are constant and
// removes filters that keep every row. Function bodies called with their
// default arguments (the ASIM parsers' `where isnull(starttime) or ...`,
// `where array_length(list) == 0 or ...`) leave such predicates; folding them
// lets the later passes see that the filter reads no column.
//
// Only what SQL's three-valued logic gives the same answer for is folded:
// `true or x` is true and `false and x` is false whatever x is (null
// included); `false or x` and `true and x` are x.
func foldFilters(n Node, count *int) Node {
	return rewrite(n, func(n Node) Node {
		f, ok := n.(*Filter)
		if !ok {
			return n
		}
		p := foldBool(f.Pred)
		if p == f.Pred {
			return n
		}
		*count++
		if b, ok := boolLit(p); ok && b {
			return f.Input
		}
		return &Filter{Input: f.Input, Pred: p}
	})
}

// boolLit reports whether e is a non-null bool constant, and its value.
func boolLit(e Expr) (value, ok bool) {
	l, isLit := e.(*Lit)
	if !isLit || l.T != schema.TypeBool {
		return false, false
	}
	b, ok := l.V.(bool)
	return b, ok
}

// foldBool returns e with its constant parts folded; e itself when nothing
// changed. It never modifies e (plans share sub-expressions).
func foldBool(e Expr) Expr {
	c, ok := e.(*Call)
	if !ok {
		return e
	}
	switch c.Fn {
	case "and", "or":
		if len(c.Args) != 2 {
			return e
		}
		l, r := foldBool(c.Args[0]), foldBool(c.Args[1])
		absorb := c.Fn == "or" // true absorbs or; false absorbs and
		for _, x := range []Expr{l, r} {
			if b, ok := boolLit(x); ok && b == absorb {
				return Bool(absorb)
			}
		}
		if b, ok := boolLit(l); ok && b != absorb {
			return r
		}
		if b, ok := boolLit(r); ok && b != absorb {
			return l
		}
		if l == c.Args[0] && r == c.Args[1] {
			return e
		}
		return &Call{Fn: c.Fn, Args: []Expr{l, r}, T: c.T}
	case "not":
		if len(c.Args) != 1 {
			return e
		}
		x := foldBool(c.Args[0])
		if b, ok := boolLit(x); ok {
			return Bool(!b)
		}
		if x == c.Args[0] {
			return e
		}
		return &Call{Fn: c.Fn, Args: []Expr{x}, T: c.T}
	}
	if v, ok := foldConst(c); ok {
		return Bool(v)
	}
	return e
}

// foldConst evaluates the comparisons of constants that default arguments
// produce: isnull/isnotnull of a typed constant, == and != of two strings
// or two longs, and the comparison of array_length of a constant array with a
// long.
func foldConst(c *Call) (bool, bool) {
	switch c.Fn {
	case "isnull", "isnotnull":
		if len(c.Args) != 1 {
			return false, false
		}
		l, ok := c.Args[0].(*Lit)
		if !ok {
			return false, false
		}
		switch l.T {
		case schema.TypeDatetime, schema.TypeTimespan, schema.TypeLong, schema.TypeInt, schema.TypeReal, schema.TypeBool:
			// A string is never null in KQL, and a dynamic constant may be JSON null: neither is folded.
		default:
			return false, false
		}
		return (l.V == nil) == (c.Fn == "isnull"), true
	case "==", "!=", "<", "<=", ">", ">=":
		if len(c.Args) != 2 {
			return false, false
		}
		a, b := foldLong(c.Args[0]), foldLong(c.Args[1])
		if a != nil && b != nil {
			x, y := *a, *b
			switch c.Fn {
			case "==":
				return x == y, true
			case "!=":
				return x != y, true
			case "<":
				return x < y, true
			case "<=":
				return x <= y, true
			case ">":
				return x > y, true
			}
			return x >= y, true
		}
		if c.Fn != "==" && c.Fn != "!=" {
			return false, false
		}
		la, ok1 := c.Args[0].(*Lit)
		lb, ok2 := c.Args[1].(*Lit)
		if !ok1 || !ok2 || la.T != schema.TypeString || lb.T != schema.TypeString {
			return false, false
		}
		sa, ok1 := la.V.(string)
		sb, ok2 := lb.V.(string)
		if !ok1 || !ok2 {
			return false, false
		}
		// KQL == on strings is case-sensitive equality, as is SQL's.
		return (sa == sb) == (c.Fn == "=="), true
	}
	return false, false
}

// foldLong returns the value of a non-null long or int constant, or of
// array_length of a constant dynamic array; nil otherwise.
func foldLong(e Expr) *int64 {
	switch x := e.(type) {
	case *Lit:
		if x.T != schema.TypeLong && x.T != schema.TypeInt {
			return nil
		}
		if v, ok := x.V.(int64); ok {
			return &v
		}
	case *Call:
		if x.Fn != "array_length" || len(x.Args) != 1 {
			return nil
		}
		l, ok := x.Args[0].(*Lit)
		if !ok || l.T != schema.TypeDynamic {
			return nil
		}
		s, ok := l.V.(string)
		if !ok {
			return nil
		}
		var arr []json.RawMessage
		if json.Unmarshal([]byte(s), &arr) != nil || arr == nil {
			return nil // not an array: array_length is null
		}
		v := int64(len(arr))
		return &v
	}
	return nil
}
