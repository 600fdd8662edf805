package patterns

import (
	"fmt"
	"sort"
)

// Basket returns the closed patterns whose weight is at least threshold times the total weight, found from the
// frequent itemsets of at most maxDims items (see the package comment), heaviest first. threshold is in (0, 1];
// maxDims is at least 1.
func Basket(t Table, threshold float64, maxDims int) ([]Pattern, error) {
	if !(threshold > 0 && threshold <= 1) {
		return nil, fmt.Errorf("basket: the threshold must be above 0 and at most 1, not %v", threshold)
	}
	if maxDims < 1 {
		return nil, fmt.Errorf("basket: MaxDimensions must be at least 1, not %d", maxDims)
	}
	e, err := encode(t)
	if err != nil {
		return nil, err
	}
	if e.n == 0 || e.total <= 0 {
		return nil, nil
	}
	// A tiny tolerance keeps a pattern whose share equals the threshold despite rounding.
	minW := threshold * e.total * (1 - 1e-12)
	type item struct {
		col  int
		rows []int32
	}
	var items []item
	for c := 0; c < e.cols; c++ {
		lists := map[int32][]int32{}
		for i, v := range e.val[c] {
			if v != 0 {
				lists[v] = append(lists[v], int32(i))
			}
		}
		var cs []item
		for _, rows := range lists {
			if e.sum(rows) >= minW {
				cs = append(cs, item{c, rows})
			}
		}
		sort.Slice(cs, func(i, j int) bool { return cs[i].rows[0] < cs[j].rows[0] })
		items = append(items, cs...)
	}
	seen := map[string]bool{}
	var out []Pattern
	work := 0
	var visit func(rows []int32, from, depth, lastCol int) error
	visit = func(rows []int32, from, depth, lastCol int) error {
		for j := from; j < len(items); j++ {
			it := items[j]
			if it.col == lastCol {
				continue // one value per column
			}
			if work++; work > MaxWork {
				return fmt.Errorf("basket: %w (more than %d itemsets); raise the threshold, lower MaxDimensions or project fewer columns", ErrTooMany, MaxWork)
			}
			r := it.rows
			if rows != nil {
				r = intersect(rows, it.rows)
			}
			if len(r) == 0 {
				continue
			}
			w := e.sum(r)
			if w < minW {
				continue
			}
			fixed := e.closure(r)
			if k := key(e, int(r[0]), fixed); !seen[k] {
				seen[k] = true
				out = append(out, Pattern{Weight: w, Row: int(r[0]), Fixed: fixed})
			}
			if depth+1 < maxDims {
				if err := visit(r, j+1, depth+1, it.col); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := visit(nil, 0, 0, -1); err != nil {
		return nil, err
	}
	sortPatterns(out)
	return out, nil
}

// intersect returns the rows in both sorted lists.
func intersect(a, b []int32) []int32 {
	out := make([]int32, 0, min(len(a), len(b)))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	return out
}
