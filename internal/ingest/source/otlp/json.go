package otlp

import (
	"encoding/base64"
	"encoding/hex"
	"math"
	"strconv"

	"github.com/valyala/fastjson"
)

// DecodeJSON decodes an ExportLogsServiceRequest in the OTLP/JSON encoding: lowerCamelCase field names (the
// original snake_case names are accepted too), 64-bit integers as strings or numbers, trace and span ids as hex,
// bytes values as base64.
func DecodeJSON(body []byte) ([]Record, error) {
	var p fastjson.Parser
	v, err := p.ParseBytes(body)
	if err != nil {
		return nil, bad("invalid JSON: %v", err)
	}
	if v.Type() != fastjson.TypeObject {
		return nil, bad("the request is not a JSON object")
	}
	var out []Record
	for _, rl := range arr(v, "resourceLogs", "resource_logs") {
		var res []KeyValue
		var dropped uint32
		if rv := get(rl, "resource"); rv != nil {
			if res, err = jsonKVs(arr(rv, "attributes"), 0); err != nil {
				return nil, err
			}
			n, err := num(get(rv, "droppedAttributesCount", "dropped_attributes_count"), "droppedAttributesCount")
			if err != nil {
				return nil, err
			}
			dropped = uint32(n)
		}
		for _, sl := range arr(rl, "scopeLogs", "scope_logs") {
			var scope Scope
			if sv := get(sl, "scope"); sv != nil {
				scope.Name, scope.Version = text(get(sv, "name")), text(get(sv, "version"))
				if scope.Attributes, err = jsonKVs(arr(sv, "attributes"), 0); err != nil {
					return nil, err
				}
			}
			for _, lr := range arr(sl, "logRecords", "log_records") {
				r := Record{Resource: res, ResourceDropped: dropped, Scope: scope}
				if err := jsonRecord(lr, &r); err != nil {
					return nil, err
				}
				out = append(out, r)
			}
		}
	}
	return out, nil
}

func jsonRecord(v *fastjson.Value, r *Record) error {
	var err error
	var n uint64
	if n, err = num(get(v, "timeUnixNano", "time_unix_nano"), "timeUnixNano"); err != nil {
		return err
	}
	r.TimeUnixNano = n
	if n, err = num(get(v, "observedTimeUnixNano", "observed_time_unix_nano"), "observedTimeUnixNano"); err != nil {
		return err
	}
	r.ObservedUnixNano = n
	if n, err = num(get(v, "severityNumber", "severity_number"), "severityNumber"); err != nil {
		return err
	}
	r.SeverityNumber = int32(n)
	r.SeverityText = text(get(v, "severityText", "severity_text"))
	if b := get(v, "body"); b != nil {
		if r.Body, err = jsonAny(b, 0); err != nil {
			return err
		}
	}
	if r.Attributes, err = jsonKVs(arr(v, "attributes"), 0); err != nil {
		return err
	}
	if n, err = num(get(v, "droppedAttributesCount", "dropped_attributes_count"), "droppedAttributesCount"); err != nil {
		return err
	}
	r.Dropped = uint32(n)
	if n, err = num(get(v, "flags"), "flags"); err != nil {
		return err
	}
	r.Flags = uint32(n)
	for _, f := range []struct {
		keys []string
		dst  *[]byte
		size int
	}{{[]string{"traceId", "trace_id"}, &r.TraceID, 16}, {[]string{"spanId", "span_id"}, &r.SpanID, 8}} {
		s := text(get(v, f.keys...))
		if s == "" {
			continue
		}
		b, err := hex.DecodeString(s)
		if err != nil || len(b) != f.size {
			return bad("%s %q: want %d bytes in hex", f.keys[0], clip(s), f.size)
		}
		*f.dst = b
	}
	r.EventName = text(get(v, "eventName", "event_name"))
	return nil
}

func jsonKVs(list []*fastjson.Value, depth int) ([]KeyValue, error) {
	var out []KeyValue
	for _, kv := range list {
		val, err := jsonAny(get(kv, "value"), depth)
		if err != nil {
			return nil, err
		}
		out = append(out, KeyValue{Key: text(get(kv, "key")), Value: val})
	}
	return out, nil
}

func jsonAny(v *fastjson.Value, depth int) (any, error) {
	if v == nil || v.Type() != fastjson.TypeObject {
		return nil, nil
	}
	if depth > maxDepth {
		return nil, bad("attribute values nested more than %d deep", maxDepth)
	}
	switch {
	case get(v, "stringValue", "string_value") != nil:
		return text(get(v, "stringValue", "string_value")), nil
	case get(v, "boolValue", "bool_value") != nil:
		return get(v, "boolValue", "bool_value").Type() == fastjson.TypeTrue, nil
	case get(v, "intValue", "int_value") != nil:
		x := get(v, "intValue", "int_value")
		if x.Type() == fastjson.TypeString {
			n, err := strconv.ParseInt(string(x.GetStringBytes()), 10, 64)
			if err != nil {
				return nil, bad("intValue %q is not an integer", clip(string(x.GetStringBytes())))
			}
			return n, nil
		}
		n, err := x.Int64()
		if err != nil {
			return nil, bad("intValue is not an integer")
		}
		return n, nil
	case get(v, "doubleValue", "double_value") != nil:
		x := get(v, "doubleValue", "double_value")
		if x.Type() == fastjson.TypeString {
			switch s := string(x.GetStringBytes()); s {
			case "NaN":
				return math.NaN(), nil
			case "Infinity":
				return math.Inf(1), nil
			case "-Infinity":
				return math.Inf(-1), nil
			default:
				f, err := strconv.ParseFloat(s, 64)
				if err != nil {
					return nil, bad("doubleValue %q is not a number", clip(s))
				}
				return f, nil
			}
		}
		f, err := x.Float64()
		if err != nil {
			return nil, bad("doubleValue is not a number")
		}
		return f, nil
	case get(v, "bytesValue", "bytes_value") != nil:
		s := text(get(v, "bytesValue", "bytes_value"))
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, bad("bytesValue is not base64")
		}
		return b, nil
	case get(v, "arrayValue", "array_value") != nil:
		out := []any{}
		for _, e := range arr(get(v, "arrayValue", "array_value"), "values") {
			x, err := jsonAny(e, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, x)
		}
		return out, nil
	case get(v, "kvlistValue", "kvlist_value") != nil:
		kvs, err := jsonKVs(arr(get(v, "kvlistValue", "kvlist_value"), "values"), depth+1)
		if kvs == nil {
			kvs = []KeyValue{}
		}
		return kvs, err
	}
	return nil, nil
}

// get returns the first of keys present in v.
func get(v *fastjson.Value, keys ...string) *fastjson.Value {
	if v == nil || v.Type() != fastjson.TypeObject {
		return nil
	}
	for _, k := range keys {
		if x := v.Get(k); x != nil && x.Type() != fastjson.TypeNull {
			return x
		}
	}
	return nil
}

func arr(v *fastjson.Value, keys ...string) []*fastjson.Value {
	x := get(v, keys...)
	if x == nil || x.Type() != fastjson.TypeArray {
		return nil
	}
	return x.GetArray()
}

func text(v *fastjson.Value) string {
	if v == nil || v.Type() != fastjson.TypeString {
		return ""
	}
	return string(v.GetStringBytes())
}

// num reads an unsigned 64-bit integer given as a number or a decimal string; absent is 0.
func num(v *fastjson.Value, name string) (uint64, error) {
	if v == nil {
		return 0, nil
	}
	switch v.Type() {
	case fastjson.TypeString:
		n, err := strconv.ParseUint(string(v.GetStringBytes()), 10, 64)
		if err != nil {
			return 0, bad("%s %q is not an unsigned integer", name, clip(string(v.GetStringBytes())))
		}
		return n, nil
	case fastjson.TypeNumber:
		n, err := v.Uint64()
		if err != nil {
			f, ferr := v.Float64()
			if ferr != nil || f < 0 || f != math.Trunc(f) || f > math.MaxUint64 {
				return 0, bad("%s is not an unsigned integer", name)
			}
			return uint64(f), nil
		}
		return n, nil
	}
	return 0, bad("%s is %s, not an integer", name, v.Type())
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
