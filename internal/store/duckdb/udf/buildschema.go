package udf

import (
	"bytes"
	"database/sql/driver"
	"encoding/json"
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
		b, err := examplesMarshalOrdered(out)
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
		for _, k := range examplesSortedKeys(x) {
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

// value is the schema as a JSON value (examplesOrdered for objects, to keep key order).
func (s *examplesSchema) value() any {
	var out []any
	for _, k := range s.kinds {
		switch k {
		case "{}":
			o := examplesOrdered{}
			for _, key := range s.keys {
				if v := s.props[key].value(); v != nil {
					o = append(o, examplesKV{key, v})
				}
			}
			out = append(out, o)
		case "[]":
			var e any = examplesOrdered{}
			if v := s.elems.value(); v != nil {
				e = examplesOrdered{{"`indexer`", v}}
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

type examplesKV struct {
	k string
	v any
}

// examplesOrdered is a JSON object that keeps its keys in order.
type examplesOrdered []examplesKV

func (o examplesOrdered) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, kv := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(kv.k)
		if err != nil {
			return nil, err
		}
		v, err := examplesMarshalOrdered(kv.v)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func examplesMarshalOrdered(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

func examplesSortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}
