// Package patterns finds common patterns of discrete values in a table: the algorithms behind KQL's basket and
// autocluster plugins. A pattern fixes the values of some columns and leaves the others free; it matches the rows
// that hold those values, and its count is their total weight.
//
// The algorithms are Vigil's own, written from the plugins' documented behaviour:
//
//   - [Basket] is frequent-itemset mining (Apriori's problem, solved depth-first over row-id lists as Eclat does).
//     An item is one column's value; itemsets of at most MaxDimensions items whose weight reaches the threshold are
//     frequent, and each is reported as its closure: every column whose value is the same in all the rows it
//     matches is fixed too. So the patterns are the closed frequent itemsets, each once, and a correlated column
//     (one whose value follows from others) never makes a separate pattern.
//   - [Autocluster] is a seed-and-expand local search: each seed is one of the heaviest distinct rows; a seed is
//     generalised one column at a time while that raises the score, the weighted geometric mean of the pattern's
//     coverage (its share of the weight) and its specificity (its share of fixed columns) with weights SizeWeight
//     and 1-SizeWeight. The local optima are then taken best first, each kept only if at least half of its weight
//     is in rows that the patterns kept before it do not cover.
//
// Null values are never part of a pattern.
package patterns

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sort"
)

// MaxWork bounds the itemsets a call may visit, so that a query over too many distinct columns fails with a clear
// error instead of running for hours.
const MaxWork = 1_000_000

// ErrTooMany is matched (errors.Is) by the error of a call that would visit more than [MaxWork] itemsets.
var ErrTooMany = errors.New("too many candidate patterns")

// Table is the input: Rows[i][c] is row i's value in column c (nil for null); Weights, when not nil, weighs each
// row (1 when nil).
type Table struct {
	Rows    [][]*string
	Weights []float64
}

// Pattern is one result: the columns it fixes take the values of row Row. Weight is the total weight of the rows
// it matches.
type Pattern struct {
	Weight float64
	Row    int
	Fixed  []bool
}

// encoded is the table with each column's values numbered (0 is null).
type encoded struct {
	n, cols int
	val     [][]int32 // val[c][row]
	weights []float64
	total   float64
}

func encode(t Table) (*encoded, error) {
	e := &encoded{n: len(t.Rows)}
	if t.Weights != nil && len(t.Weights) != len(t.Rows) {
		return nil, fmt.Errorf("patterns: %d weights for %d rows", len(t.Weights), len(t.Rows))
	}
	for _, r := range t.Rows {
		e.cols = max(e.cols, len(r))
	}
	e.val = make([][]int32, e.cols)
	for c := range e.val {
		e.val[c] = make([]int32, e.n)
		ids := map[string]int32{}
		for i, r := range t.Rows {
			if c >= len(r) || r[c] == nil {
				continue
			}
			id, ok := ids[*r[c]]
			if !ok {
				id = int32(len(ids) + 1)
				ids[*r[c]] = id
			}
			e.val[c][i] = id
		}
	}
	e.weights = t.Weights
	for i := 0; i < e.n; i++ {
		e.total += e.weight(i)
	}
	return e, nil
}

func (e *encoded) weight(i int) float64 {
	if e.weights == nil {
		return 1
	}
	w := e.weights[i]
	if math.IsNaN(w) || w < 0 {
		return 0
	}
	return w
}

func (e *encoded) sum(rows []int32) float64 {
	if e.weights == nil {
		return float64(len(rows))
	}
	s := 0.0
	for _, r := range rows {
		s += e.weight(int(r))
	}
	return s
}

// closure returns the columns whose value is the same, and not null, in every row of rows.
func (e *encoded) closure(rows []int32) []bool {
	fixed := make([]bool, e.cols)
	for c := range fixed {
		v := e.val[c][rows[0]]
		if v == 0 {
			continue
		}
		same := true
		for _, r := range rows[1:] {
			if e.val[c][r] != v {
				same = false
				break
			}
		}
		fixed[c] = same
	}
	return fixed
}

// key identifies a pattern: each column's value number, or -1 when free.
func key(e *encoded, row int, fixed []bool) string {
	b := make([]byte, 0, 4*len(fixed))
	for c, f := range fixed {
		v := int32(-1)
		if f {
			v = e.val[c][row]
		}
		b = binary.LittleEndian.AppendUint32(b, uint32(v))
	}
	return string(b)
}

func countFixed(f []bool) int {
	k := 0
	for _, b := range f {
		if b {
			k++
		}
	}
	return k
}

// sortPatterns orders patterns by weight (heaviest first), then fewer fixed columns, then their first row.
func sortPatterns(ps []Pattern) {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].Weight != ps[j].Weight {
			return ps[i].Weight > ps[j].Weight
		}
		if ki, kj := countFixed(ps[i].Fixed), countFixed(ps[j].Fixed); ki != kj {
			return ki < kj
		}
		return ps[i].Row < ps[j].Row
	})
}
