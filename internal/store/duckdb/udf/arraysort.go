package udf

import (
	"database/sql/driver"
	"encoding/json"
	"sort"
)

// array_sort_asc and array_sort_desc of several arrays: the first array is sorted and the others are reordered
// the same way. The result is the array of the sorted arrays.
func init() {
	Register(Func{Name: "kql_array_sort_many", Args: []Type{Bool, Bool, JSON}, Variadic: ptr(JSON), Result: JSON, Nulls: true, Fn: func(a []driver.Value) (any, error) {
		desc, _ := a[0].(bool)
		nullsLast, ok := a[1].(bool)
		if !ok {
			nullsLast = true
		}
		var arrays [][]any
		for _, x := range a[2:] {
			s, _ := x.(string)
			arr, ok := decodeJSON(s).([]any)
			if !ok {
				return nil, nil
			}
			arrays = append(arrays, arr)
		}
		n := len(arrays[0])
		for _, arr := range arrays {
			if len(arr) != n {
				return nil, nil // Kusto requires arrays of the same length
			}
		}
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		key := arrays[0]
		sort.SliceStable(idx, func(i, j int) bool {
			x, y := key[idx[i]], key[idx[j]]
			if (x == nil) != (y == nil) {
				return (x == nil) != nullsLast
			}
			if x == nil {
				return false
			}
			c := compareJSON(x, y)
			if desc {
				return c > 0
			}
			return c < 0
		})
		out := make([]any, len(arrays))
		for k, arr := range arrays {
			sorted := make([]any, n)
			for i, j := range idx {
				sorted[i] = arr[j]
			}
			out[k] = sorted
		}
		return marshal(out), nil
	}})
}

// compareJSON orders numbers by value before strings by text, then anything else by its JSON text.
func compareJSON(x, y any) int {
	fx, okx := number(x)
	fy, oky := number(y)
	switch {
	case okx && oky:
		switch {
		case fx < fy:
			return -1
		case fx > fy:
			return 1
		}
		return 0
	case okx:
		return -1
	case oky:
		return 1
	}
	sx, sy := jsonText(x), jsonText(y)
	if s, ok := x.(json.Number); ok {
		sx = s.String()
	}
	if s, ok := y.(json.Number); ok {
		sy = s.String()
	}
	switch {
	case sx < sy:
		return -1
	case sx > sy:
		return 1
	}
	return 0
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case float64:
		return x, true
	}
	return 0, false
}
