package patterns_test

import (
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/kql/patterns"
)

func table(rows ...[]string) patterns.Table {
	var t patterns.Table
	for _, r := range rows {
		row := make([]*string, len(r))
		for i := range r {
			if r[i] != "-" {
				v := r[i]
				row[i] = &v
			}
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// matches reports whether row i holds the pattern's values.
func matches(t patterns.Table, p patterns.Pattern, i int) bool {
	for c, f := range p.Fixed {
		if f && (t.Rows[i][c] == nil || *t.Rows[i][c] != *t.Rows[p.Row][c]) {
			return false
		}
	}
	return true
}

// check verifies what every pattern promises: its fixed values are not null, its weight is that of the rows it
// matches, and no two patterns are the same.
func check(t *testing.T, tb patterns.Table, ps []patterns.Pattern) {
	t.Helper()
	seen := map[string]bool{}
	for _, p := range ps {
		w, key := 0.0, ""
		for i := range tb.Rows {
			if matches(tb, p, i) {
				if tb.Weights == nil {
					w++
				} else if tb.Weights[i] > 0 {
					w += tb.Weights[i]
				}
			}
		}
		require.InDelta(t, w, p.Weight, 1e-9)
		for c, f := range p.Fixed {
			if f {
				require.NotNil(t, tb.Rows[p.Row][c])
				key += *tb.Rows[p.Row][c]
			}
			key += "|"
		}
		require.False(t, seen[key], "pattern %s twice", key)
		seen[key] = true
	}
}

func TestBasketClosedItemsets(t *testing.T) {
	// b always goes with y, so {b} is reported as its closure {b, y}; a null is never part of a pattern.
	tb := table([]string{"a", "x"}, []string{"a", "x"}, []string{"b", "y"}, []string{"b", "y"}, []string{"a", "-"})
	ps, err := patterns.Basket(tb, 0.4, 5)
	require.NoError(t, err)
	check(t, tb, ps)
	type got struct {
		w     float64
		fixed [2]bool
		a, b  string
	}
	var out []got
	for _, p := range ps {
		g := got{w: p.Weight, fixed: [2]bool{p.Fixed[0], p.Fixed[1]}}
		if p.Fixed[0] {
			g.a = *tb.Rows[p.Row][0]
		}
		if p.Fixed[1] {
			g.b = *tb.Rows[p.Row][1]
		}
		out = append(out, g)
	}
	require.Equal(t, []got{
		{3, [2]bool{true, false}, "a", ""},
		{2, [2]bool{true, true}, "a", "x"},
		{2, [2]bool{true, true}, "b", "y"},
	}, out)
}

func TestBasketClosureProperty(t *testing.T) {
	tb := table([]string{"p", "q", "r"}, []string{"p", "q", "s"}, []string{"p", "t", "r"}, []string{"u", "q", "r"})
	ps, err := patterns.Basket(tb, 0.25, 3)
	require.NoError(t, err)
	check(t, tb, ps)
	for _, p := range ps {
		// Closed: a column the pattern leaves free is not constant over the rows it matches.
		for c, f := range p.Fixed {
			if f {
				continue
			}
			vals := map[string]bool{}
			for i := range tb.Rows {
				if matches(tb, p, i) && tb.Rows[i][c] != nil {
					vals[*tb.Rows[i][c]] = true
				}
			}
			require.NotEqual(t, 1, len(vals), "column %d is constant under pattern %v", c, p)
		}
	}
}

func TestBadArguments(t *testing.T) {
	tb := table([]string{"a"})
	for _, th := range []float64{0, -1, 1.5, math.NaN()} {
		_, err := patterns.Basket(tb, th, 5)
		require.Error(t, err)
	}
	_, err := patterns.Basket(tb, 0.5, 0)
	require.Error(t, err)
	_, err = patterns.Autocluster(tb, 2, 5)
	require.Error(t, err)
	_, err = patterns.Autocluster(tb, 0.5, 0)
	require.Error(t, err)
	_, err = patterns.Basket(patterns.Table{Rows: tb.Rows, Weights: []float64{1, 2}}, 0.5, 1)
	require.Error(t, err)
}

func TestBasketTooMany(t *testing.T) {
	// 24 columns, every row the same: every one of the 2^24 itemsets is frequent, so the work cap must stop it.
	row := make([]string, 24)
	for i := range row {
		row[i] = "v"
	}
	_, err := patterns.Basket(table(row, row), 0.5, 24)
	require.True(t, errors.Is(err, patterns.ErrTooMany), "%v", err)
}

// FuzzPatterns runs both algorithms over small tables built from the input bytes (each byte a value, 255 a null,
// rows of 3 columns) and checks the promises of every pattern.
func FuzzPatterns(f *testing.F) {
	f.Add([]byte{1, 2, 3, 1, 2, 4, 1, 5, 3, 255, 2, 3}, uint8(30), uint8(50))
	f.Add([]byte{0, 0, 0, 0, 0, 0}, uint8(100), uint8(0))
	f.Add([]byte{}, uint8(5), uint8(100))
	f.Fuzz(func(t *testing.T, data []byte, thr, sw uint8) {
		if len(data) > 3*200 {
			data = data[:3*200]
		}
		var tb patterns.Table
		for i := 0; i+3 <= len(data); i += 3 {
			var rows [][]string
			row := make([]string, 3)
			for c := 0; c < 3; c++ {
				row[c] = string(rune('a' + data[i+c]%4))
				if data[i+c] == 255 {
					row[c] = "-"
				}
			}
			rows = append(rows, row)
			tb.Rows = append(tb.Rows, table(rows...).Rows...)
		}
		threshold := float64(thr%100+1) / 100
		ps, err := patterns.Basket(tb, threshold, 3)
		require.NoError(t, err)
		check(t, tb, ps)
		total := float64(len(tb.Rows))
		for _, p := range ps {
			require.GreaterOrEqual(t, p.Weight, threshold*total*(1-1e-9))
		}
		ps, err = patterns.Autocluster(tb, float64(sw%101)/100, 10)
		require.NoError(t, err)
		check(t, tb, ps)
	})
}
