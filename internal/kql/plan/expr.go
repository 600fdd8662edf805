package plan

import (
	"time"

	"github.com/vigilsec/vigil/internal/schema"
)

// Expr is a typed scalar expression.
type Expr interface {
	Type() schema.Type
}

// ColRef reads a column of the input row by name.
type ColRef struct {
	Name string
	T    schema.Type
	// Side is "" for the single input, "left" or "right" inside join conditions.
	Side string
}

// Lit is a constant. V holds nil (null), string, int64, float64, bool,
// time.Time, time.Duration, or for dynamic the JSON text (string).
type Lit struct {
	T schema.Type
	V any
}

// Call applies a scalar function or operator. Fn is the KQL name of the
// function, or the operator ("==", "has", "and", "not", "neg", ...).
type Call struct {
	Fn   string
	Args []Expr
	T    schema.Type
}

// AggCall is an aggregate function inside [Aggregate.Aggs].
type AggCall struct {
	Fn   string
	Args []Expr
	T    schema.Type
}

// Member reads a property (Key) or an element (Index) of a dynamic value.
type Member struct {
	X     Expr
	Key   string // property name; used when Index is nil
	Index Expr   // element index or computed key
}

// InList tests membership of X in a list of values (Op: in, !in, in~, !in~, has_any, has_all...).
type InList struct {
	Op   string
	X    Expr
	List []Expr
}

// InTable tests membership of X in the first column of a tabular subquery.
type InTable struct {
	Op    string
	X     Expr
	Table Node
}

// Subquery is a scalar subquery: the first column of the first row of Table (toscalar).
type Subquery struct {
	Table Node
	T     schema.Type
}

// Case is a conditional: the value of the first true When, else Else.
type Case struct {
	Whens []Expr
	Thens []Expr
	Else  Expr
	T     schema.Type
}

// Star marks "*" in arg_max(x, *) before expansion; it never reaches SQL.
type Star struct{}

func (e *ColRef) Type() schema.Type   { return e.T }
func (e *Lit) Type() schema.Type      { return e.T }
func (e *Call) Type() schema.Type     { return e.T }
func (e *AggCall) Type() schema.Type  { return e.T }
func (e *Member) Type() schema.Type   { return schema.TypeDynamic }
func (e *InList) Type() schema.Type   { return schema.TypeBool }
func (e *InTable) Type() schema.Type  { return schema.TypeBool }
func (e *Subquery) Type() schema.Type { return e.T }
func (e *Case) Type() schema.Type     { return e.T }
func (e *Star) Type() schema.Type     { return schema.TypeInvalid }

// Constructors for literals.

// String returns a string literal.
func String(s string) *Lit { return &Lit{T: schema.TypeString, V: s} }

// Long returns a long literal.
func Long(n int64) *Lit { return &Lit{T: schema.TypeLong, V: n} }

// Real returns a real literal.
func Real(f float64) *Lit { return &Lit{T: schema.TypeReal, V: f} }

// Bool returns a bool literal.
func Bool(b bool) *Lit { return &Lit{T: schema.TypeBool, V: b} }

// Datetime returns a datetime literal.
func Datetime(t time.Time) *Lit { return &Lit{T: schema.TypeDatetime, V: t.UTC()} }

// Timespan returns a timespan literal.
func Timespan(d time.Duration) *Lit { return &Lit{T: schema.TypeTimespan, V: d} }

// Null returns a typed null.
func Null(t schema.Type) *Lit { return &Lit{T: t} }

// WalkExpr calls f for e and every sub-expression (not descending into subqueries).
func WalkExpr(e Expr, f func(Expr) bool) {
	if e == nil || !f(e) {
		return
	}
	switch x := e.(type) {
	case *Call:
		for _, a := range x.Args {
			WalkExpr(a, f)
		}
	case *AggCall:
		for _, a := range x.Args {
			WalkExpr(a, f)
		}
	case *Member:
		WalkExpr(x.X, f)
		WalkExpr(x.Index, f)
	case *InList:
		WalkExpr(x.X, f)
		for _, a := range x.List {
			WalkExpr(a, f)
		}
	case *InTable:
		WalkExpr(x.X, f)
	case *Case:
		for i := range x.Whens {
			WalkExpr(x.Whens[i], f)
			WalkExpr(x.Thens[i], f)
		}
		WalkExpr(x.Else, f)
	}
}
