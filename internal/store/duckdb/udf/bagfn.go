package udf

import (
	"bytes"
	"database/sql/driver"
	"encoding/json"
)

// Bag functions: bag_zip, bag_has_key and bag_remove_keys (keys may be JSONPaths such as $.a.b), and
// dynamic_to_json (keys sorted, as Kusto writes them).
func init() {
	Register(Func{Name: "kql_bag_zip", Args: []Type{JSON, JSON}, Result: JSON, Fn: func(a []driver.Value) (any, error) {
		keys, ok := decodeJSON(a[0].(string)).([]any)
		if !ok {
			return nil, nil
		}
		vals, _ := decodeJSON(a[1].(string)).([]any)
		out := map[string]any{}
		for i, k := range keys {
			ks, ok := k.(string)
			if !ok {
				continue
			}
			var v any
			if i < len(vals) {
				v = vals[i]
			}
			out[ks] = v
		}
		return marshal(out), nil
	}})
	Register(Func{Name: "kql_bag_has_key", Args: []Type{JSON, String}, Result: Bool, Nulls: true, Fn: func(a []driver.Value) (any, error) {
		// Anything but a bag has no keys.
		s, _ := a[0].(string)
		k, _ := a[1].(string)
		bag, ok := decodeJSON(s).(map[string]any)
		path, okp := bagPath(k)
		if !ok || !okp {
			return false, nil
		}
		cur := bag
		for i, k := range path {
			v, found := cur[k]
			if !found {
				return false, nil
			}
			if i == len(path)-1 {
				return true, nil
			}
			if cur, ok = v.(map[string]any); !ok {
				return false, nil
			}
		}
		return false, nil
	}})
	Register(Func{Name: "kql_bag_remove_keys", Args: []Type{JSON, JSON}, Result: JSON, Fn: func(a []driver.Value) (any, error) {
		bag, ok := decodeJSON(a[0].(string)).(map[string]any)
		if !ok {
			return nil, nil
		}
		keys, _ := decodeJSON(a[1].(string)).([]any)
		for _, k := range keys {
			ks, ok := k.(string)
			if !ok {
				continue
			}
			path, ok := bagPath(ks)
			if !ok {
				continue
			}
			cur := bag
			for _, p := range path[:len(path)-1] {
				if cur, ok = cur[p].(map[string]any); !ok {
					break
				}
			}
			if cur != nil {
				delete(cur, path[len(path)-1])
			}
		}
		return marshal(bag), nil
	}})
	Register(Func{Name: "kql_dynamic_to_json", Args: []Type{JSON}, Result: String, Fn: func(a []driver.Value) (any, error) {
		// Maps marshal with sorted keys; numbers keep their text.
		return marshal(decodeJSON(a[0].(string))), nil
	}})
}

func decodeJSON(s string) any {
	d := json.NewDecoder(bytes.NewReader([]byte(s)))
	d.UseNumber()
	var v any
	if d.Decode(&v) != nil {
		return nil
	}
	return v
}
