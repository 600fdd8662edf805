package udf

import (
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/vigilsec/vigil/internal/kql/patterns"
)

// kql_patterns(algorithm, rows, weights, parameter, limit) runs KQL's basket or autocluster plugin over a whole
// input, which the compiler hands over as one value: rows is a JSON array of rows, each an array of the
// dimensions' values as text (null for null); weights is a JSON array of numbers, or null for a weight of 1 each.
// parameter is basket's threshold or autocluster's SizeWeight; limit is MaxDimensions or NumSeeds. The result is
// a JSON array with one object per pattern: its number (s, from 0), its weight (w), its percentage of the total (p), a row it matches (r,
// 0-based) and which dimensions it fixes (f, a string of 0 and 1).
func init() {
	Register(Func{Name: "kql_patterns", Args: []Type{String, String, String, Real, Long}, Result: String, Nulls: true,
		Fn: func(a []driver.Value) (any, error) {
			algo, _ := a[0].(string)
			rowsJSON, _ := a[1].(string)
			weightsJSON, _ := a[2].(string)
			param, _ := a[3].(float64)
			limit, _ := a[4].(int64)
			return runPatterns(algo, rowsJSON, weightsJSON, param, limit)
		}})
}

type patternOut struct {
	S int     `json:"s"`
	W float64 `json:"w"`
	P float64 `json:"p"`
	R int     `json:"r"`
	F string  `json:"f"`
}

func runPatterns(algo, rowsJSON, weightsJSON string, param float64, limit int64) (string, error) {
	var t patterns.Table
	if rowsJSON != "" {
		if err := json.Unmarshal([]byte(rowsJSON), &t.Rows); err != nil {
			return "", fmt.Errorf("kql_patterns: bad rows: %w", err)
		}
	}
	if weightsJSON != "" {
		var ws []*float64
		if err := json.Unmarshal([]byte(weightsJSON), &ws); err != nil {
			return "", fmt.Errorf("kql_patterns: bad weights: %w", err)
		}
		t.Weights = make([]float64, len(ws))
		for i, w := range ws {
			if w != nil {
				t.Weights[i] = *w
			}
		}
	}
	const maxLimit = 1 << 20
	if limit > maxLimit {
		limit = maxLimit
	}
	var ps []patterns.Pattern
	var err error
	switch algo {
	case "basket":
		ps, err = patterns.Basket(t, param, int(limit))
	case "autocluster":
		ps, err = patterns.Autocluster(t, param, int(limit))
	default:
		err = errors.New("kql_patterns: unknown algorithm " + algo)
	}
	if err != nil {
		return "", err
	}
	total := 0.0
	for i := range t.Rows {
		if t.Weights == nil {
			total++
		} else if w := t.Weights[i]; w > 0 {
			total += w
		}
	}
	out := make([]patternOut, len(ps))
	for i, p := range ps {
		var f strings.Builder
		for _, b := range p.Fixed {
			if b {
				f.WriteByte('1')
			} else {
				f.WriteByte('0')
			}
		}
		out[i] = patternOut{S: i, W: p.Weight, P: 100 * p.Weight / total, R: p.Row, F: f.String()}
	}
	b, err := json.Marshal(out)
	return string(b), err
}
