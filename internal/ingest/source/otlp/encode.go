package otlp

import (
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// EncodeProto encodes records as an ExportLogsServiceRequest in the protobuf encoding, one ResourceLogs and
// ScopeLogs per record (the inverse of [DecodeProto]; tests and benchmarks use it to speak as OTLP exporters do).
func EncodeProto(recs []Record) []byte {
	var out []byte
	for i := range recs {
		r := &recs[i]
		var res []byte
		for _, kv := range r.Resource {
			res = protowire.AppendTag(res, 1, protowire.BytesType)
			res = protowire.AppendBytes(res, appendKV(nil, kv))
		}
		if r.ResourceDropped != 0 {
			res = appendVarint(res, 2, uint64(r.ResourceDropped))
		}
		var scope []byte
		scope = appendString(scope, 1, r.Scope.Name)
		scope = appendString(scope, 2, r.Scope.Version)
		for _, kv := range r.Scope.Attributes {
			scope = protowire.AppendTag(scope, 3, protowire.BytesType)
			scope = protowire.AppendBytes(scope, appendKV(nil, kv))
		}
		var lr []byte
		if r.TimeUnixNano != 0 {
			lr = protowire.AppendTag(lr, 1, protowire.Fixed64Type)
			lr = protowire.AppendFixed64(lr, r.TimeUnixNano)
		}
		if r.SeverityNumber != 0 {
			lr = appendVarint(lr, 2, uint64(r.SeverityNumber))
		}
		lr = appendString(lr, 3, r.SeverityText)
		if r.Body != nil {
			lr = protowire.AppendTag(lr, 5, protowire.BytesType)
			lr = protowire.AppendBytes(lr, appendAny(nil, r.Body))
		}
		for _, kv := range r.Attributes {
			lr = protowire.AppendTag(lr, 6, protowire.BytesType)
			lr = protowire.AppendBytes(lr, appendKV(nil, kv))
		}
		if r.Dropped != 0 {
			lr = appendVarint(lr, 7, uint64(r.Dropped))
		}
		if r.Flags != 0 {
			lr = protowire.AppendTag(lr, 8, protowire.Fixed32Type)
			lr = protowire.AppendFixed32(lr, r.Flags)
		}
		if len(r.TraceID) > 0 {
			lr = protowire.AppendTag(lr, 9, protowire.BytesType)
			lr = protowire.AppendBytes(lr, r.TraceID)
		}
		if len(r.SpanID) > 0 {
			lr = protowire.AppendTag(lr, 10, protowire.BytesType)
			lr = protowire.AppendBytes(lr, r.SpanID)
		}
		if r.ObservedUnixNano != 0 {
			lr = protowire.AppendTag(lr, 11, protowire.Fixed64Type)
			lr = protowire.AppendFixed64(lr, r.ObservedUnixNano)
		}
		lr = appendString(lr, 12, r.EventName)
		var sl []byte
		sl = protowire.AppendTag(sl, 1, protowire.BytesType)
		sl = protowire.AppendBytes(sl, scope)
		sl = protowire.AppendTag(sl, 2, protowire.BytesType)
		sl = protowire.AppendBytes(sl, lr)
		var rl []byte
		rl = protowire.AppendTag(rl, 1, protowire.BytesType)
		rl = protowire.AppendBytes(rl, res)
		rl = protowire.AppendTag(rl, 2, protowire.BytesType)
		rl = protowire.AppendBytes(rl, sl)
		out = protowire.AppendTag(out, 1, protowire.BytesType)
		out = protowire.AppendBytes(out, rl)
	}
	return out
}

func appendVarint(b []byte, num protowire.Number, v uint64) []byte {
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

func appendString(b []byte, num protowire.Number, s string) []byte {
	if s == "" {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, s)
}

func appendKV(b []byte, kv KeyValue) []byte {
	b = appendString(b, 1, kv.Key)
	b = protowire.AppendTag(b, 2, protowire.BytesType)
	return protowire.AppendBytes(b, appendAny(nil, kv.Value))
}

func appendAny(b []byte, v any) []byte {
	switch x := v.(type) {
	case string:
		b = protowire.AppendTag(b, 1, protowire.BytesType)
		b = protowire.AppendString(b, x)
	case bool:
		var n uint64
		if x {
			n = 1
		}
		b = appendVarint(b, 2, n)
	case int64:
		b = appendVarint(b, 3, uint64(x))
	case float64:
		b = protowire.AppendTag(b, 4, protowire.Fixed64Type)
		b = protowire.AppendFixed64(b, math.Float64bits(x))
	case []any:
		var arr []byte
		for _, e := range x {
			arr = protowire.AppendTag(arr, 1, protowire.BytesType)
			arr = protowire.AppendBytes(arr, appendAny(nil, e))
		}
		b = protowire.AppendTag(b, 5, protowire.BytesType)
		b = protowire.AppendBytes(b, arr)
	case []KeyValue:
		var list []byte
		for _, kv := range x {
			list = protowire.AppendTag(list, 1, protowire.BytesType)
			list = protowire.AppendBytes(list, appendKV(nil, kv))
		}
		b = protowire.AppendTag(b, 6, protowire.BytesType)
		b = protowire.AppendBytes(b, list)
	case []byte:
		b = protowire.AppendTag(b, 7, protowire.BytesType)
		b = protowire.AppendBytes(b, x)
	}
	return b
}
