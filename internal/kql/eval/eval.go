// Package eval evaluates bound KQL scalar expressions (internal/kql/plan)
// over one event at a time, with the same semantics as the SQL back ends:
// it serves streaming rules (NRT) and automation conditions.
package eval

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vigilsec/vigil/internal/kql/plan"
	"github.com/vigilsec/vigil/internal/kql/sema"
	"github.com/vigilsec/vigil/internal/kql/token"
	"github.com/vigilsec/vigil/internal/schema"
)

// Row is one event. Get returns a column's value: nil, string, int64 (or
// int/int32), float64, bool, time.Time, time.Duration, or for dynamic
// columns decoded JSON (map[string]any, []any, ...).
type Row interface {
	Get(name string) (any, bool)
}

// MapRow is a Row backed by a map.
type MapRow map[string]any

// Get returns the value of column name.
func (m MapRow) Get(name string) (any, bool) { v, ok := m[name]; return v, ok }

// ErrUnsupported is returned for an expression the evaluator cannot run.
var ErrUnsupported = errors.New("kql expression not supported by the row evaluator")

// Program is a compiled expression. It is safe for concurrent use.
type Program struct {
	x  plan.Expr
	re sync.Map // pattern → *regexp.Regexp
}

// Compile binds src over a row with columns cols.
func Compile(src string, cols plan.Schema, now time.Time) (*Program, token.ErrorList) {
	x, errs := sema.BindExpr(src, cols, noTables{}, sema.Options{Now: now})
	if errs != nil {
		return nil, errs
	}
	return New(x), nil
}

type noTables struct{}

func (noTables) Table(string) (*schema.Table, bool) { return nil, false }

// New returns a program evaluating x.
func New(x plan.Expr) *Program { return &Program{x: x} }

// Eval evaluates the expression over row.
func (p *Program) Eval(row Row) (any, error) { return p.eval(p.x, row) }

// Match evaluates a predicate; null is false.
func (p *Program) Match(row Row) (bool, error) {
	v, err := p.Eval(row)
	if err != nil {
		return false, err
	}
	b, _ := v.(bool)
	return b, nil
}

func (p *Program) regex(pat string) (*regexp.Regexp, error) {
	if r, ok := p.re.Load(pat); ok {
		return r.(*regexp.Regexp), nil
	}
	r, err := regexp.Compile(pat)
	if err != nil {
		return nil, err
	}
	p.re.Store(pat, r)
	return r, nil
}

func (p *Program) eval(e plan.Expr, row Row) (any, error) {
	switch v := e.(type) {
	case *plan.Lit:
		if v.T == schema.TypeDynamic && v.V != nil {
			var out any
			if err := json.Unmarshal([]byte(v.V.(string)), &out); err != nil {
				return nil, err
			}
			return out, nil
		}
		return v.V, nil
	case *plan.ColRef:
		x, _ := row.Get(v.Name)
		return normalize(x, v.T), nil
	case *plan.Member:
		base, err := p.eval(v.X, row)
		if err != nil {
			return nil, err
		}
		if v.Index == nil {
			m, _ := base.(map[string]any)
			return m[v.Key], nil
		}
		idx, err := p.eval(v.Index, row)
		if err != nil {
			return nil, err
		}
		switch b := base.(type) {
		case []any:
			i, ok := toInt(idx)
			if !ok {
				return nil, nil
			}
			if i < 0 {
				i += int64(len(b))
			}
			if i < 0 || i >= int64(len(b)) {
				return nil, nil
			}
			return b[i], nil
		case map[string]any:
			s, _ := idx.(string)
			return b[s], nil
		}
		return nil, nil
	case *plan.Call:
		return p.call(v, row)
	case *plan.InList:
		return p.inList(v, row)
	case *plan.Case:
		for i, w := range v.Whens {
			c, err := p.eval(w, row)
			if err != nil {
				return nil, err
			}
			if b, _ := c.(bool); b {
				return p.eval(v.Thens[i], row)
			}
		}
		return p.eval(v.Else, row)
	}
	return nil, fmt.Errorf("%w: %s", ErrUnsupported, plan.ExprString(e))
}

// normalize brings a row value to the evaluator's representation for type t.
func normalize(x any, t schema.Type) any {
	switch v := x.(type) {
	case int:
		return int64(v)
	case int32:
		return int64(v)
	case float32:
		return float64(v)
	case json.Number:
		if n, err := v.Int64(); err == nil {
			return n
		}
		f, _ := v.Float64()
		return f
	case string:
		if t == schema.TypeDynamic {
			var out any
			if json.Unmarshal([]byte(v), &out) == nil {
				return out
			}
		}
	}
	return x
}

func toInt(x any) (int64, bool) {
	switch v := x.(type) {
	case int64:
		return v, true
	case float64:
		return int64(v), true
	case int:
		return int64(v), true
	}
	return 0, false
}

func toFloat(x any) (float64, bool) {
	switch v := x.(type) {
	case int64:
		return float64(v), true
	case float64:
		return v, true
	case int:
		return float64(v), true
	case bool:
		if v {
			return 1, true
		}
		return 0, true
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		return f, err == nil
	}
	return 0, false
}

// ToString renders a value as KQL's tostring does.
func ToString(x any) string {
	switch v := x.(type) {
	case nil:
		return ""
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1e15 {
			return strconv.FormatInt(int64(v), 10)
		}
		return strconv.FormatFloat(v, 'g', -1, 64)
	case time.Time:
		return v.UTC().Format("2006-01-02T15:04:05.0000000Z")
	case time.Duration:
		return sema.FormatTimespan(v)
	}
	b, _ := json.Marshal(x)
	return string(b)
}

func compare(a, b any) (int, bool) {
	if a == nil || b == nil {
		return 0, false
	}
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		if !ok {
			y = ToString(b)
		}
		return strings.Compare(x, y), true
	case time.Time:
		y, ok := b.(time.Time)
		if !ok {
			return 0, false
		}
		return x.Compare(y), true
	case time.Duration:
		y, ok := b.(time.Duration)
		if !ok {
			return 0, false
		}
		return cmpOrd(x, y), true
	case bool:
		y, ok := b.(bool)
		if !ok {
			return 0, false
		}
		if x == y {
			return 0, true
		}
		if !x {
			return -1, true
		}
		return 1, true
	}
	if bs, ok := b.(string); ok {
		return strings.Compare(ToString(a), bs), true
	}
	xf, ok1 := toFloat(a)
	yf, ok2 := toFloat(b)
	if ok1 && ok2 {
		return cmpOrd(xf, yf), true
	}
	return strings.Compare(ToString(a), ToString(b)), true
}

func cmpOrd[T int | int64 | float64 | time.Duration](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
