package eval

import (
	"fmt"
	"strings"

	"github.com/vigilsec/vigil/internal/kql/plan"
	"github.com/vigilsec/vigil/internal/schema"
)

// Scanner runs the steps of a scan operator over rows in order, following the match logic of the Kusto
// documentation of scan: each step keeps a state (the rows of the sequence that reached it, one per step so far);
// each row is tried against the steps from the last to the first. Against step k a row matches
//
//  1. when the state of step k-1 is not empty and the row meets the condition of k with that state: the state of
//     k-1, extended by the row, moves to k (k-1 becomes empty);
//  2. otherwise, when the state of k is not empty or k is the first step, and the row meets the condition with the
//     state of k: the row replaces the last row of k's state. A first step with an empty state starts a new
//     sequence, whose match id is one more than the last.
//
// A matching row gets the step's assignments, which set declared or input columns (declared columns not assigned
// take their default), and is output
// unless the step says output=none; with output=last only the last row of a run of matches of the step is kept.
type Scanner struct {
	cols    []plan.SpecColumn
	decl    []plan.SpecDecl
	defs    []any
	steps   []scanStep
	matchID bool
	index   map[string]int // input and declared column → position in an extended row
	stepIdx map[string]int
}

type scanStep struct {
	name    string
	output  string
	cond    *Program
	assigns []int // the column each assignment sets, an input or a declared one
	progs   []*Program
}

// NewScanner compiles a scan spec.
func NewScanner(sp *plan.ScanSpec) (*Scanner, error) {
	s := &Scanner{cols: sp.Cols, decl: sp.Declare, matchID: sp.MatchID != "", index: map[string]int{}, stepIdx: map[string]int{}}
	for i, c := range sp.Cols {
		s.index[c.Name] = i
	}
	for i, d := range sp.Declare {
		s.index[d.Name] = len(sp.Cols) + i
		x, err := plan.DecodeExpr(d.Default)
		if err != nil {
			return nil, fmt.Errorf("scan: default of %s: %w", d.Name, err)
		}
		v, err := New(x).Eval(MapRow{})
		if err != nil {
			return nil, fmt.Errorf("scan: default of %s: %w", d.Name, err)
		}
		s.defs = append(s.defs, scanTyped(v, d.Type))
	}
	for i, st := range sp.Steps {
		s.stepIdx[st.Name] = i
		c, err := plan.DecodeExpr(st.Cond)
		if err != nil {
			return nil, fmt.Errorf("scan: step %s: %w", st.Name, err)
		}
		ss := scanStep{name: st.Name, output: st.Output, cond: New(c)}
		for _, a := range st.Assigns {
			x, err := plan.DecodeExpr(a.X)
			if err != nil {
				return nil, fmt.Errorf("scan: step %s: %w", st.Name, err)
			}
			j, ok := s.index[a.Col]
			if !ok {
				return nil, fmt.Errorf("scan: step %s assigns %s, which is not a column", st.Name, a.Col)
			}
			ss.assigns = append(ss.assigns, j)
			ss.progs = append(ss.progs, New(x))
		}
		s.steps = append(s.steps, ss)
	}
	return s, nil
}

// scanState is the state of a step: the extended rows of the sequence, one per step up to this one, and the
// sequence's match id. A nil state is empty.
type scanState struct {
	rows [][]any
	id   int64
}

// scanRow is what conditions and assignments read: the current row and, as "step.column", a state.
type scanRow struct {
	s     *Scanner
	cur   []any
	state *scanState
}

func (r scanRow) Get(name string) (any, bool) {
	if i, ok := r.s.index[name]; ok {
		if i < len(r.cur) {
			return r.cur[i], true
		}
		return r.s.defs[i-len(r.s.cols)], true
	}
	dot := strings.IndexByte(name, '.')
	if dot < 0 {
		return nil, false
	}
	k, ok := r.s.stepIdx[name[:dot]]
	i, ok2 := r.s.index[name[dot+1:]]
	if !ok || !ok2 {
		return nil, false
	}
	if r.state != nil && k < len(r.state.rows) {
		return r.state.rows[k][i], true
	}
	if i >= len(r.s.cols) {
		return r.s.defs[i-len(r.s.cols)], true
	}
	return nil, true
}

// Run scans rows (input columns, in order) and returns the output rows: the input columns, the declared columns
// and the match id when the spec asks for it.
func (s *Scanner) Run(rows [][]any) ([][]any, error) {
	n := len(s.steps)
	states := make([]*scanState, n)
	lastOut := make([]int, n) // for output=last: the output row of the step's current run, or -1
	for i := range lastOut {
		lastOut[i] = -1
	}
	var out [][]any
	var dropped []bool
	nextID := int64(0)
	emit := func(k int, row []any, id int64, repeat bool) {
		switch s.steps[k].output {
		case "none":
			return
		case "last":
			if repeat && lastOut[k] >= 0 {
				dropped[lastOut[k]] = true
			}
			lastOut[k] = len(out)
		}
		if s.matchID {
			row = append(row[:len(row):len(row)], id)
		}
		out = append(out, row)
		dropped = append(dropped, false)
	}
	for _, in := range rows {
		for k := n - 1; k >= 0; k-- {
			st := &s.steps[k]
			// Check 1: the sequence at k-1 moves on to k.
			if k > 0 && states[k-1] != nil {
				ok, ext, err := s.try(st, in, states[k-1])
				if err != nil {
					return nil, err
				}
				if ok {
					prev := states[k-1]
					next := &scanState{rows: append(append([][]any{}, prev.rows...), ext), id: prev.id}
					states[k], states[k-1] = next, nil
					lastOut[k-1] = -1
					emit(k, ext, next.id, false)
					continue
				}
			}
			// Check 2: the row extends the sequence at k, or starts one at the first step.
			if states[k] == nil && k > 0 {
				continue
			}
			ok, ext, err := s.try(st, in, states[k])
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
			repeat := states[k] != nil
			if states[k] == nil {
				states[k] = &scanState{rows: [][]any{ext}, id: nextID}
				nextID++
			} else {
				rows := append([][]any{}, states[k].rows...)
				rows[len(rows)-1] = ext
				states[k] = &scanState{rows: rows, id: states[k].id}
			}
			emit(k, ext, states[k].id, repeat)
		}
	}
	kept := out[:0]
	for i, r := range out {
		if !dropped[i] {
			kept = append(kept, r)
		}
	}
	return kept, nil
}

// try evaluates step st for row in with a state; on a match it returns the row extended by the declared columns.
func (s *Scanner) try(st *scanStep, in []any, state *scanState) (bool, []any, error) {
	r := scanRow{s: s, cur: in, state: state}
	ok, err := st.cond.Match(r)
	if err != nil {
		return false, nil, fmt.Errorf("scan: step %s: %w", st.name, err)
	}
	if !ok {
		return false, nil, nil
	}
	ext := make([]any, len(s.cols)+len(s.decl))
	copy(ext, in)
	copy(ext[len(s.cols):], s.defs)
	for i, p := range st.progs {
		v, err := p.Eval(r)
		if err != nil {
			return false, nil, fmt.Errorf("scan: step %s: %w", st.name, err)
		}
		j := st.assigns[i]
		if j < len(s.cols) {
			ext[j] = scanTyped(v, s.cols[j].Type)
		} else {
			ext[j] = scanTyped(v, s.decl[j-len(s.cols)].Type)
		}
	}
	return true, ext, nil
}

// scanTyped converts a number to the Go type of a column of the KQL type t.
func scanTyped(v any, t string) any {
	ty, _ := schema.ParseType(t)
	switch x := v.(type) {
	case int64:
		if ty == schema.TypeReal || ty == schema.TypeDecimal {
			return float64(x)
		}
	case int:
		return scanTyped(int64(x), t)
	case float64:
		if ty == schema.TypeLong || ty == schema.TypeInt {
			return int64(x)
		}
	}
	return v
}
