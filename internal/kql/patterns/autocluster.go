package patterns

import (
	"fmt"
	"math"
	"math/bits"
	"sort"
)

// maxAutoclusterWork bounds the 64-row words Autocluster may combine.
const maxAutoclusterWork = 1_000_000_000

// Autocluster returns a few patterns that together describe most rows, best first, found by the seed-and-expand
// search of the package comment. sizeWeight is in [0, 1]; numSeeds is at least 1.
func Autocluster(t Table, sizeWeight float64, numSeeds int) ([]Pattern, error) {
	if !(sizeWeight >= 0 && sizeWeight <= 1) {
		return nil, fmt.Errorf("autocluster: SizeWeight must be between 0 and 1, not %v", sizeWeight)
	}
	if numSeeds < 1 {
		return nil, fmt.Errorf("autocluster: NumSeeds must be at least 1, not %d", numSeeds)
	}
	e, err := encode(t)
	if err != nil {
		return nil, err
	}
	if e.n == 0 || e.total <= 0 || e.cols == 0 {
		return nil, nil
	}
	a := &clusterer{e: e, cache: map[[2]int32]bitset{}, words: (e.n + 63) / 64}

	// Seeds: the heaviest distinct rows (ties: the first seen).
	type group struct {
		row int
		w   float64
	}
	groups := map[string]*group{}
	var order []*group
	all := make([]bool, e.cols)
	for c := range all {
		all[c] = true
	}
	for i := 0; i < e.n; i++ {
		k := key(e, i, all)
		g, ok := groups[k]
		if !ok {
			g = &group{row: i}
			groups[k] = g
			order = append(order, g)
		}
		g.w += e.weight(i)
	}
	sort.SliceStable(order, func(i, j int) bool { return order[i].w > order[j].w })
	if len(order) > numSeeds {
		order = order[:numSeeds]
	}

	type candidate struct {
		Pattern
		score float64
		rows  bitset
	}
	var cands []candidate
	seen := map[string]bool{}
	for _, g := range order {
		fixed := make([]bool, e.cols)
		for c := range fixed {
			fixed[c] = e.val[c][g.row] != 0
		}
		rows, err := a.rows(g.row, fixed)
		if err != nil {
			return nil, err
		}
		cur := a.score(rows, fixed, sizeWeight)
		// Expand: drop the column whose removal raises the score most, while one does.
		for {
			best, bestCol := cur, -1
			for c := range fixed {
				if !fixed[c] {
					continue
				}
				fixed[c] = false
				r, err := a.rows(g.row, fixed)
				if err != nil {
					return nil, err
				}
				if s := a.score(r, fixed, sizeWeight); s > best*(1+1e-12) {
					best, bestCol = s, c
				}
				fixed[c] = true
			}
			if bestCol < 0 {
				break
			}
			fixed[bestCol] = false
			cur = best
		}
		if countFixed(fixed) == 0 {
			continue
		}
		k := key(e, g.row, fixed)
		if seen[k] {
			continue
		}
		seen[k] = true
		rows, err = a.rows(g.row, fixed)
		if err != nil {
			return nil, err
		}
		cands = append(cands, candidate{Pattern{Weight: a.weight(rows), Row: g.row, Fixed: append([]bool(nil), fixed...)}, cur, rows})
	}
	sort.SliceStable(cands, func(i, j int) bool {
		if cands[i].score != cands[j].score {
			return cands[i].score > cands[j].score
		}
		return cands[i].Weight > cands[j].Weight
	})
	covered := make(bitset, a.words)
	var out []Pattern
	for _, c := range cands {
		fresh := make(bitset, a.words)
		for i := range fresh {
			fresh[i] = c.rows[i] &^ covered[i]
		}
		if c.Weight <= 0 || a.weight(fresh) < c.Weight/2 {
			continue
		}
		for i := range covered {
			covered[i] |= c.rows[i]
		}
		out = append(out, c.Pattern)
	}
	return out, nil
}

type bitset []uint64

type clusterer struct {
	e     *encoded
	cache map[[2]int32]bitset // rows holding a column's value
	words int
	work  int
}

// rows returns the rows that match row's values in the fixed columns.
func (a *clusterer) rows(row int, fixed []bool) (bitset, error) {
	out := make(bitset, a.words)
	for i := range out {
		out[i] = ^uint64(0)
	}
	if r := a.e.n % 64; r != 0 {
		out[a.words-1] = (1 << r) - 1
	}
	for c, f := range fixed {
		if !f {
			continue
		}
		if a.work += a.words; a.work > maxAutoclusterWork {
			return nil, fmt.Errorf("autocluster: %w; lower NumSeeds or project fewer columns", ErrTooMany)
		}
		v := a.e.val[c][row]
		b, ok := a.cache[[2]int32{int32(c), v}]
		if !ok {
			b = make(bitset, a.words)
			for i, x := range a.e.val[c] {
				if x == v {
					b[i/64] |= 1 << (i % 64)
				}
			}
			a.cache[[2]int32{int32(c), v}] = b
		}
		for i := range out {
			out[i] &= b[i]
		}
	}
	return out, nil
}

func (a *clusterer) weight(b bitset) float64 {
	if a.e.weights == nil {
		n := 0
		for _, w := range b {
			n += bits.OnesCount64(w)
		}
		return float64(n)
	}
	s := 0.0
	for i, w := range b {
		for w != 0 {
			j := bits.TrailingZeros64(w)
			s += a.e.weight(i*64 + j)
			w &= w - 1
		}
	}
	return s
}

// score is the weighted geometric mean of coverage and specificity.
func (a *clusterer) score(rows bitset, fixed []bool, sizeWeight float64) float64 {
	k := countFixed(fixed)
	w := a.weight(rows)
	if k == 0 || w <= 0 {
		return 0
	}
	return math.Pow(w/a.e.total, sizeWeight) * math.Pow(float64(k)/float64(a.e.cols), 1-sizeWeight)
}
