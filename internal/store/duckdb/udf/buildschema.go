package udf

import (
	"database/sql/driver"
	"encoding/json"
	"maps"
	"slices"
	"strings"
)

// kql_buildschema is the buildschema() aggregate over a JSON array of the group's dynamic values: the minimal schema
// that admits them all. A scalar is its type name (long, double, string, bool); an object maps each key to the
// schema of its values; an array is {"`indexer`": schema of its elements}. A place that held values of several
// kinds is an array of their schemas, in the order they first appear. Nulls add nothing.
func init() {
	Register(Func{Name: "kql_buildschema", Args: []Type{JSON}, Result: JSON, Fn: func(a []driver.Value) (any, error) {
		s, _ := a[0].(string)
		dec := json.NewDecoder(strings.NewReader(s))
		dec.UseNumber()
		var values []any
		if err := dec.Decode(&values); err != nil {
			return nil, nil
		}
		var root examplesSchema
		for _, v := range values {
			root.add(v)
		}
		out := root.value()
		if out == nil {
			return nil, nil
		}
		b, err := json.Marshal(out)
		if err != nil {
			return nil, err
		}
		return string(b), nil
	}})
}

// examplesSchema is the schema of the values seen at one place: its kinds in order of appearance.
type examplesSchema struct {
	kinds []string // scalar type names, "{}" for objects, "[]" for arrays
	keys  []string
	props map[string]*examplesSchema
	elems *examplesSchema
}

func (s *examplesSchema) kind(k string) {
	for _, have := range s.kinds {
		if have == k {
			return
		}
	}
	s.kinds = append(s.kinds, k)
}

func (s *examplesSchema) add(v any) {
	switch x := v.(type) {
	case nil:
	case map[string]any:
		s.kind("{}")
		if s.props == nil {
			s.props = map[string]*examplesSchema{}
		}
		// Keys in document order would need a streaming decoder; sorted keys make the output deterministic.
		for _, k := range slices.Sorted(maps.Keys(x)) {
			p, ok := s.props[k]
			if !ok {
				p = &examplesSchema{}
				s.props[k] = p
				s.keys = append(s.keys, k)
			}
			p.add(x[k])
		}
	case []any:
		s.kind("[]")
		if s.elems == nil {
			s.elems = &examplesSchema{}
		}
		for _, e := range x {
			s.elems.add(e)
		}
	case json.Number:
		if strings.ContainsAny(string(x), ".eE") {
			s.kind("double")
		} else {
			s.kind("long")
		}
	case string:
		s.kind("string")
	case bool:
		s.kind("bool")
	}
}

// value is the schema as a JSON value (orderedObject for objects, to keep key order).
func (s *examplesSchema) value() any {
	var out []any
	for _, k := range s.kinds {
		switch k {
		case "{}":
			o := orderedObject{}
			for _, key := range s.keys {
				if v := s.props[key].value(); v != nil {
					o = append(o, kv{key, v})
				}
			}
			out = append(out, o)
		case "[]":
			var e any = orderedObject{}
			if v := s.elems.value(); v != nil {
				e = orderedObject{{"`indexer`", v}}
			}
			out = append(out, e)
		default:
			out = append(out, k)
		}
	}
	switch len(out) {
	case 0:
		return nil
	case 1:
		return out[0]
	}
	return out
}
