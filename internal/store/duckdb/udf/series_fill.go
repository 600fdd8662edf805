package udf

import (
	"bytes"
	"database/sql/driver"
	"encoding/json"
	"math"
	"strings"
)

// Series functions that keep or fill elements (series_fill_backward, series_fill_forward, series_fill_linear),
// filter (series_iir), take the seasonal component (series_seasonal) or correlate two series
// (series_pearson_correlation), as the Kusto documentation describes them. A missing element is null or, when the
// query gives one, an element equal to the missing-value placeholder.
func init() {
	anyT := Any
	for name, fn := range map[string]func([]json.RawMessage, []driver.Value) any{
		"kql_series_fill_backward": func(s []json.RawMessage, opt []driver.Value) any { return examplesFillNear(s, opt, true) },
		"kql_series_fill_forward":  func(s []json.RawMessage, opt []driver.Value) any { return examplesFillNear(s, opt, false) },
		"kql_series_fill_linear":   examplesFillLinear,
	} {
		Register(Func{Name: name, Args: []Type{JSON}, Variadic: &anyT, Result: JSON, Nulls: true,
			Fn: func(a []driver.Value) (any, error) {
				s, ok := examplesRaw(a[0])
				if !ok {
					return nil, nil
				}
				return examplesJSON(fn(s, a[1:]))
			}})
	}
	Register(Func{Name: "kql_series_iir", Args: []Type{JSON, JSON, JSON}, Result: JSON, Fn: func(a []driver.Value) (any, error) {
		x, ok1 := series(a[0])
		b, ok2 := series(a[1])
		den, ok3 := series(a[2])
		if !ok1 || !ok2 || !ok3 {
			return nil, nil
		}
		y := IIR(x, b, den)
		if y == nil {
			return nil, nil
		}
		return examplesJSON(nums(y))
	}})
	Register(Func{Name: "kql_series_seasonal", Args: []Type{JSON}, Variadic: &anyT, Result: JSON, Nulls: true,
		Fn: func(a []driver.Value) (any, error) {
			s, ok := series(a[0])
			if !ok {
				return nil, nil
			}
			// The default period (-1) is detected as series_periods_detect finds it, with a score of at least 0.7.
			d := Decompose(s, optInt(a[1:], 0, -1), "none", 0, 0.7)
			return examplesJSON(nums(d.Seasonal))
		}})
	Register(Func{Name: "kql_series_pearson_correlation", Args: []Type{JSON, JSON}, Result: Real, Fn: func(a []driver.Value) (any, error) {
		x, ok1 := series(a[0])
		y, ok2 := series(a[1])
		if !ok1 || !ok2 {
			return nil, nil
		}
		r := Pearson(x, y)
		if math.IsNaN(r) {
			return nil, nil
		}
		return r, nil
	}})
}

func examplesJSON(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

// examplesRaw reads a JSON array keeping each element's text, so that integers stay integers.
func examplesRaw(v driver.Value) ([]json.RawMessage, bool) {
	s, ok := v.(string)
	if !ok {
		return nil, false
	}
	var raw []json.RawMessage
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return nil, false
	}
	return raw, true
}

// examplesMissing reports which elements are missing: null, not a number, or equal to the placeholder opt[0].
func examplesMissing(s []json.RawMessage, opt []driver.Value) []bool {
	placeholder := optFloat(opt, 0, math.NaN())
	out := make([]bool, len(s))
	for i, e := range s {
		var f float64
		if err := json.Unmarshal(e, &f); err != nil || bytes.Equal(bytes.TrimSpace(e), []byte("null")) {
			out[i] = true
			continue
		}
		out[i] = f == placeholder
	}
	return out
}

// examplesFillNear replaces each missing element by the nearest valid one after it (backward) or before it
// (forward); missing elements with no such neighbour stay null.
func examplesFillNear(s []json.RawMessage, opt []driver.Value, backward bool) any {
	missing := examplesMissing(s, opt)
	out := make([]any, len(s))
	var last json.RawMessage
	for k := range s {
		i := k
		if backward {
			i = len(s) - 1 - k
		}
		if !missing[i] {
			last = s[i]
		}
		if last != nil {
			out[i] = last
		}
	}
	return out
}

// examplesFillLinear interpolates missing elements linearly between their valid neighbours. With fill_edges
// (opt[1], default true) the missing elements at either end take the nearest valid value; a series with no valid
// element becomes constant_value (opt[2], default 0). A series of integers stays integers (truncated).
func examplesFillLinear(s []json.RawMessage, opt []driver.Value) any {
	missing := examplesMissing(s, opt)
	edges := true
	if len(opt) > 1 {
		if b, ok := opt[1].(bool); ok {
			edges = b
		}
	}
	ints := true
	vals := make([]float64, len(s))
	var valid []int
	for i, e := range s {
		if missing[i] {
			continue
		}
		_ = json.Unmarshal(e, &vals[i])
		valid = append(valid, i)
		if strings.ContainsAny(string(e), ".eE") {
			ints = false
		}
	}
	out := make([]any, len(s))
	if len(valid) == 0 {
		c := optFloat(opt, 2, 0)
		for i := range out {
			out[i] = c
		}
		return out
	}
	num := func(f float64) any {
		if ints {
			return int64(f)
		}
		return f
	}
	first, last := valid[0], valid[len(valid)-1]
	for k, i := range valid {
		out[i] = num(vals[i])
		if k+1 < len(valid) {
			j := valid[k+1]
			for m := i + 1; m < j; m++ {
				out[m] = num(vals[i] + (vals[j]-vals[i])*float64(m-i)/float64(j-i))
			}
		}
	}
	if edges {
		for m := 0; m < first; m++ {
			out[m] = num(vals[first])
		}
		for m := last + 1; m < len(s); m++ {
			out[m] = num(vals[last])
		}
	}
	return out
}

// IIR applies the infinite impulse response filter with numerator coefficients b and denominator coefficients a:
// y[n] = (b[0]x[n] + ... + b[p]x[n-p] - a[1]y[n-1] - ... - a[q]y[n-q]) / a[0]. A missing input is 0. It returns nil
// when a[0] is zero or the coefficients are missing.
func IIR(x, b, a []float64) []float64 {
	if len(b) == 0 || len(a) == 0 || a[0] == 0 || math.IsNaN(a[0]) {
		return nil
	}
	y := make([]float64, len(x))
	for n := range x {
		var acc float64
		for i, bi := range b {
			if n-i >= 0 && !math.IsNaN(x[n-i]) && !math.IsNaN(bi) {
				acc += bi * x[n-i]
			}
		}
		for j := 1; j < len(a); j++ {
			if n-j >= 0 && !math.IsNaN(a[j]) {
				acc -= a[j] * y[n-j]
			}
		}
		y[n] = acc / a[0]
	}
	return y
}

// Pearson is the Pearson correlation coefficient of two series of the same length (NaN otherwise, or when either
// has no variance). Pairs with a missing element are left out.
func Pearson(x, y []float64) float64 {
	if len(x) != len(y) {
		return math.NaN()
	}
	var n, sx, sy float64
	for i := range x {
		if math.IsNaN(x[i]) || math.IsNaN(y[i]) {
			continue
		}
		n++
		sx += x[i]
		sy += y[i]
	}
	if n == 0 {
		return math.NaN()
	}
	mx, my := sx/n, sy/n
	var cov, vx, vy float64
	for i := range x {
		if math.IsNaN(x[i]) || math.IsNaN(y[i]) {
			continue
		}
		cov += (x[i] - mx) * (y[i] - my)
		vx += (x[i] - mx) * (x[i] - mx)
		vy += (y[i] - my) * (y[i] - my)
	}
	if vx == 0 || vy == 0 {
		return math.NaN()
	}
	return cov / math.Sqrt(vx*vy)
}
