package udf

import (
	"database/sql/driver"
	"encoding/json"
	"math"
	"sort"
)

// Digests: the compiler's tdigest() keeps every value with its weight ([{"v": value, "w": weight}, ...]), so
// percentile_tdigest, rank_tdigest and the weighted percentiles (percentilew, percentilesw) are exact: the
// nearest-rank percentile Kusto defines, without the approximation of a t-digest.
func init() {
	Register(Func{Name: "kql_percentile_digest", Args: []Type{JSON, Real}, Result: Real, Fn: func(a []driver.Value) (any, error) {
		d := readDigest(a[0].(string))
		if len(d) == 0 {
			return nil, nil
		}
		return percentileOf(d, a[1].(float64)), nil
	}})
	Register(Func{Name: "kql_rank_digest", Args: []Type{JSON, Real}, Result: Long, Fn: func(a []driver.Value) (any, error) {
		var n float64
		for _, e := range readDigest(a[0].(string)) {
			if e.V <= a[1].(float64) {
				n += e.W
			}
		}
		return int64(math.Round(n)), nil
	}})
	Register(Func{Name: "kql_merge_digest", Args: []Type{JSON}, Variadic: ptr(JSON), Result: JSON, Nulls: true, Fn: func(a []driver.Value) (any, error) {
		var all []digestEntry
		for _, x := range a {
			if s, ok := x.(string); ok {
				all = append(all, readDigest(s)...)
			}
		}
		b, _ := json.Marshal(all)
		return string(b), nil
	}})
}

func ptr[T any](v T) *T { return &v }

type digestEntry struct {
	V float64 `json:"v"`
	W float64 `json:"w"`
}

// readDigest decodes a digest, sorted by value; entries with a weight that is not positive are dropped.
func readDigest(s string) []digestEntry {
	var d []digestEntry
	if json.Unmarshal([]byte(s), &d) != nil {
		return nil
	}
	out := d[:0]
	for _, e := range d {
		if e.W > 0 && !math.IsNaN(e.V) {
			out = append(out, e)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].V < out[j].V })
	return out
}

// percentileOf is the smallest value whose cumulative weight reaches p percent of the total.
func percentileOf(d []digestEntry, p float64) float64 {
	var total float64
	for _, e := range d {
		total += e.W
	}
	target := p / 100 * total
	var cum float64
	for _, e := range d {
		cum += e.W
		if cum >= target-1e-9*total {
			return e.V
		}
	}
	return d[len(d)-1].V
}
