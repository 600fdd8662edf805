package otlp

import (
	"errors"
	"fmt"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// maxDepth bounds the nesting of attribute values (arrays and key-value lists).
const maxDepth = 32

// ErrMalformed classifies bodies that cannot be decoded.
var ErrMalformed = errors.New("malformed OTLP logs request")

func bad(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// field walks the fields of a message, calling f with each field's number, type and value bytes (for varint and
// fixed types the value is in v; for bytes in b).
func fields(msg []byte, what string, f func(num protowire.Number, typ protowire.Type, v uint64, b []byte) error) error {
	for len(msg) > 0 {
		num, typ, n := protowire.ConsumeTag(msg)
		if n < 0 {
			return bad("%s: bad field tag", what)
		}
		msg = msg[n:]
		var v uint64
		var b []byte
		switch typ {
		case protowire.VarintType:
			v, n = protowire.ConsumeVarint(msg)
		case protowire.Fixed64Type:
			v, n = protowire.ConsumeFixed64(msg)
		case protowire.Fixed32Type:
			var v32 uint32
			v32, n = protowire.ConsumeFixed32(msg)
			v = uint64(v32)
		case protowire.BytesType:
			b, n = protowire.ConsumeBytes(msg)
		default:
			n = protowire.ConsumeFieldValue(num, typ, msg)
		}
		if n < 0 {
			return bad("%s: field %d is truncated", what, num)
		}
		msg = msg[n:]
		if err := f(num, typ, v, b); err != nil {
			return err
		}
	}
	return nil
}

// DecodeProto decodes an ExportLogsServiceRequest in the protobuf encoding.
func DecodeProto(msg []byte) ([]Record, error) {
	var out []Record
	err := fields(msg, "ExportLogsServiceRequest", func(num protowire.Number, typ protowire.Type, _ uint64, b []byte) error {
		if num != 1 || typ != protowire.BytesType {
			return nil
		}
		return decodeResourceLogs(b, &out)
	})
	return out, err
}

func decodeResourceLogs(msg []byte, out *[]Record) error {
	var res []KeyValue
	var dropped uint32
	var scopes [][]byte
	err := fields(msg, "ResourceLogs", func(num protowire.Number, typ protowire.Type, _ uint64, b []byte) error {
		switch {
		case num == 1 && typ == protowire.BytesType:
			return fields(b, "Resource", func(num protowire.Number, typ protowire.Type, v uint64, b []byte) error {
				switch {
				case num == 1 && typ == protowire.BytesType:
					kv, err := decodeKeyValue(b, 0)
					if err != nil {
						return err
					}
					res = append(res, kv)
				case num == 2 && typ == protowire.VarintType:
					dropped = uint32(v)
				}
				return nil
			})
		case num == 2 && typ == protowire.BytesType:
			scopes = append(scopes, b) // decoded after the resource, which may come later on the wire
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, s := range scopes {
		if err := decodeScopeLogs(s, res, dropped, out); err != nil {
			return err
		}
	}
	return nil
}

func decodeScopeLogs(msg []byte, res []KeyValue, dropped uint32, out *[]Record) error {
	var scope Scope
	var recs [][]byte
	err := fields(msg, "ScopeLogs", func(num protowire.Number, typ protowire.Type, _ uint64, b []byte) error {
		switch {
		case num == 1 && typ == protowire.BytesType:
			return fields(b, "InstrumentationScope", func(num protowire.Number, typ protowire.Type, _ uint64, b []byte) error {
				switch {
				case num == 1 && typ == protowire.BytesType:
					scope.Name = string(b)
				case num == 2 && typ == protowire.BytesType:
					scope.Version = string(b)
				case num == 3 && typ == protowire.BytesType:
					kv, err := decodeKeyValue(b, 0)
					if err != nil {
						return err
					}
					scope.Attributes = append(scope.Attributes, kv)
				}
				return nil
			})
		case num == 2 && typ == protowire.BytesType:
			recs = append(recs, b)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, b := range recs {
		r := Record{Resource: res, ResourceDropped: dropped, Scope: scope}
		if err := decodeLogRecord(b, &r); err != nil {
			return err
		}
		*out = append(*out, r)
	}
	return nil
}

func decodeLogRecord(msg []byte, r *Record) error {
	return fields(msg, "LogRecord", func(num protowire.Number, typ protowire.Type, v uint64, b []byte) error {
		switch num {
		case 1:
			r.TimeUnixNano = v
		case 11:
			r.ObservedUnixNano = v
		case 2:
			r.SeverityNumber = int32(v)
		case 3:
			r.SeverityText = string(b)
		case 5:
			if typ == protowire.BytesType {
				val, err := decodeAnyValue(b, 0)
				if err != nil {
					return err
				}
				r.Body = val
			}
		case 6:
			if typ == protowire.BytesType {
				kv, err := decodeKeyValue(b, 0)
				if err != nil {
					return err
				}
				r.Attributes = append(r.Attributes, kv)
			}
		case 7:
			r.Dropped = uint32(v)
		case 8:
			r.Flags = uint32(v)
		case 9:
			r.TraceID = append([]byte(nil), b...)
		case 10:
			r.SpanID = append([]byte(nil), b...)
		case 12:
			r.EventName = string(b)
		}
		return nil
	})
}

func decodeKeyValue(msg []byte, depth int) (KeyValue, error) {
	var kv KeyValue
	err := fields(msg, "KeyValue", func(num protowire.Number, typ protowire.Type, _ uint64, b []byte) error {
		switch {
		case num == 1 && typ == protowire.BytesType:
			kv.Key = string(b)
		case num == 2 && typ == protowire.BytesType:
			v, err := decodeAnyValue(b, depth)
			if err != nil {
				return err
			}
			kv.Value = v
		}
		return nil
	})
	return kv, err
}

func decodeAnyValue(msg []byte, depth int) (any, error) {
	if depth > maxDepth {
		return nil, bad("attribute values nested more than %d deep", maxDepth)
	}
	var out any
	err := fields(msg, "AnyValue", func(num protowire.Number, typ protowire.Type, v uint64, b []byte) error {
		switch num {
		case 1:
			out = string(b)
		case 2:
			out = v != 0
		case 3:
			out = int64(v)
		case 4:
			out = math.Float64frombits(v)
		case 5:
			var arr []any
			err := fields(b, "ArrayValue", func(num protowire.Number, typ protowire.Type, _ uint64, b []byte) error {
				if num == 1 && typ == protowire.BytesType {
					e, err := decodeAnyValue(b, depth+1)
					if err != nil {
						return err
					}
					arr = append(arr, e)
				}
				return nil
			})
			if arr == nil {
				arr = []any{}
			}
			out = arr
			return err
		case 6:
			kvs := []KeyValue{}
			err := fields(b, "KeyValueList", func(num protowire.Number, typ protowire.Type, _ uint64, b []byte) error {
				if num == 1 && typ == protowire.BytesType {
					kv, err := decodeKeyValue(b, depth+1)
					if err != nil {
						return err
					}
					kvs = append(kvs, kv)
				}
				return nil
			})
			out = kvs
			return err
		case 7:
			out = append([]byte(nil), b...)
		}
		return nil
	})
	return out, err
}
