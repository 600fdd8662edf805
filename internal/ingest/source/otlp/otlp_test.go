package otlp_test

import (
	"encoding/hex"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/vigilsec/vigil/internal/ingest/source/otlp"
)

// The encoders below write the OTLP protobuf messages field by field, as logs.proto and common.proto number them.

func msg(fields ...[]byte) []byte {
	var b []byte
	for _, f := range fields {
		b = append(b, f...)
	}
	return b
}

func bytesField(num protowire.Number, v []byte) []byte {
	b := protowire.AppendTag(nil, num, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}

func strField(num protowire.Number, s string) []byte { return bytesField(num, []byte(s)) }

func varintField(num protowire.Number, v uint64) []byte {
	b := protowire.AppendTag(nil, num, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

func fixed64Field(num protowire.Number, v uint64) []byte {
	b := protowire.AppendTag(nil, num, protowire.Fixed64Type)
	return protowire.AppendFixed64(b, v)
}

func anyString(s string) []byte { return strField(1, s) }

func kv(key string, value []byte) []byte { return msg(strField(1, key), bytesField(2, value)) }

// ProtoRequest builds an ExportLogsServiceRequest with one resource, one scope and the given records.
func ProtoRequest(resource [][]byte, records ...[]byte) []byte {
	var res []byte
	for _, a := range resource {
		res = append(res, bytesField(1, a)...)
	}
	scope := msg(strField(1, "io.opentelemetry.contrib.mylib"), strField(2, "1.2.0"))
	sl := bytesField(1, scope)
	for _, r := range records {
		sl = append(sl, bytesField(2, r)...)
	}
	rl := msg(bytesField(1, res), bytesField(2, sl))
	return bytesField(1, rl)
}

func TestDecodeProto(t *testing.T) {
	trace, _ := hex.DecodeString("5b8efff798038103d269b633813fc60c")
	span, _ := hex.DecodeString("eee19b7ec3c1b174")
	kvlist := msg(bytesField(1, kv("nested", anyString("yes"))))
	array := msg(bytesField(1, msg(varintField(3, 7))), bytesField(1, msg(fixed64Field(4, math.Float64bits(2.5)))))
	rec := msg(
		fixed64Field(1, 1714557600123456789), fixed64Field(11, 1714557601000000000), varintField(2, 17), strField(3, "ERROR"),
		bytesField(5, anyString("payment failed")),
		bytesField(6, kv("http.status_code", msg(varintField(3, uint64(500))))),
		bytesField(6, kv("ok", msg(varintField(2, 0)))),
		bytesField(6, kv("obj", msg(bytesField(6, kvlist)))),
		bytesField(6, kv("list", msg(bytesField(5, array)))),
		bytesField(6, kv("raw", msg(bytesField(7, []byte{1, 2})))),
		varintField(8, 1), bytesField(9, trace), bytesField(10, span), strField(12, "payment.failed"),
		varintField(99, 5), // an unknown field is skipped
	)
	recs, err := otlp.DecodeProto(ProtoRequest([][]byte{kv("service.name", anyString("checkout")), kv("host.name", anyString("pay-1"))}, rec))
	require.NoError(t, err)
	require.Len(t, recs, 1)
	r := recs[0]
	require.Equal(t, uint64(1714557600123456789), r.TimeUnixNano)
	require.Equal(t, uint64(1714557601000000000), r.ObservedUnixNano)
	require.Equal(t, int32(17), r.SeverityNumber)
	require.Equal(t, "ERROR", r.SeverityText)
	require.Equal(t, "payment failed", r.Body)
	require.Equal(t, "checkout", otlp.Get(r.Resource, "service.name"))
	require.Equal(t, int64(500), otlp.Get(r.Attributes, "http.status_code"))
	require.Equal(t, false, otlp.Get(r.Attributes, "ok"))
	require.Equal(t, []otlp.KeyValue{{Key: "nested", Value: "yes"}}, otlp.Get(r.Attributes, "obj"))
	require.Equal(t, []any{int64(7), 2.5}, otlp.Get(r.Attributes, "list"))
	require.Equal(t, []byte{1, 2}, otlp.Get(r.Attributes, "raw"))
	require.Equal(t, trace, r.TraceID)
	require.Equal(t, span, r.SpanID)
	require.Equal(t, uint32(1), r.Flags)
	require.Equal(t, "payment.failed", r.EventName)
	require.Equal(t, "io.opentelemetry.contrib.mylib", r.Scope.Name)

	for _, bad := range [][]byte{{0x0a, 0x05, 0x01}, {0xff}, bytesField(1, []byte{0x12, 0x80})} {
		_, err := otlp.DecodeProto(bad)
		require.ErrorIs(t, err, otlp.ErrMalformed)
	}
}

// The example of the OTLP specification's JSON encoding (opentelemetry-proto examples/logs.json), shortened.
const specJSON = `{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"my.service"}}]},
 "scopeLogs":[{"scope":{"name":"my.library","version":"1.0.0","attributes":[{"key":"my.scope.attribute","value":{"stringValue":"some scope attribute"}}]},
 "logRecords":[{"timeUnixNano":"1544712660300000000","observedTimeUnixNano":"1544712660300000000","severityNumber":10,"severityText":"Information",
 "traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"EEE19B7EC3C1B174","body":{"stringValue":"Example log record"},
 "attributes":[{"key":"string.attribute","value":{"stringValue":"some string"}},{"key":"boolean.attribute","value":{"boolValue":true}},
 {"key":"int.attribute","value":{"intValue":"10"}},{"key":"double.attribute","value":{"doubleValue":637.704}},
 {"key":"array.attribute","value":{"arrayValue":{"values":[{"stringValue":"many"},{"stringValue":"values"}]}}},
 {"key":"map.attribute","value":{"kvlistValue":{"values":[{"key":"some.map.key","value":{"stringValue":"some value"}}]}}}]}]}]}]}`

func TestDecodeJSON(t *testing.T) {
	recs, err := otlp.DecodeJSON([]byte(specJSON))
	require.NoError(t, err)
	require.Len(t, recs, 1)
	r := recs[0]
	require.Equal(t, uint64(1544712660300000000), r.TimeUnixNano)
	require.Equal(t, int32(10), r.SeverityNumber)
	require.Equal(t, "Example log record", r.Body)
	require.Equal(t, "my.service", otlp.Get(r.Resource, "service.name"))
	require.Equal(t, int64(10), otlp.Get(r.Attributes, "int.attribute"))
	require.Equal(t, 637.704, otlp.Get(r.Attributes, "double.attribute"))
	require.Equal(t, true, otlp.Get(r.Attributes, "boolean.attribute"))
	require.Equal(t, []any{"many", "values"}, otlp.Get(r.Attributes, "array.attribute"))
	require.Equal(t, "5b8efff798038103d269b633813fc60c", hex.EncodeToString(r.TraceID))
	require.Equal(t, "my.library", r.Scope.Name)

	// snake_case names and numbers for 64-bit integers are accepted too.
	recs, err = otlp.DecodeJSON([]byte(`{"resource_logs":[{"scope_logs":[{"log_records":[{"time_unix_nano":1544712660300000000,"body":{"int_value":3}}]}]}]}`))
	require.NoError(t, err)
	require.Equal(t, int64(3), recs[0].Body)

	for _, bad := range []string{`[`, `[]`, `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"traceId":"xyz"}]}]}]}`,
		`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":"-1"}]}]}]}`,
		`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"intValue":"1.5"}}]}]}]}`} {
		_, err := otlp.DecodeJSON([]byte(bad))
		require.ErrorIs(t, err, otlp.ErrMalformed, bad)
	}
}

func FuzzDecodeJSON(f *testing.F) {
	f.Add(specJSON)
	f.Add(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"kvlistValue":{"values":[{"key":"a","value":{"arrayValue":{"values":[{"bytesValue":"AQI="}]}}}]}}}]}]}]}`)
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = otlp.DecodeJSON([]byte(s))
	})
}

func FuzzDecodeProto(f *testing.F) {
	f.Add(ProtoRequest([][]byte{kv("service.name", anyString("x"))}, msg(fixed64Field(1, 1), bytesField(5, anyString("b")))))
	f.Add([]byte{0x0a, 0x02, 0x12, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = otlp.DecodeProto(b)
	})
}

func TestEncodeRoundTrip(t *testing.T) {
	in := []otlp.Record{{
		Resource: []otlp.KeyValue{{Key: "service.name", Value: "svc"}}, Scope: otlp.Scope{Name: "s", Version: "1"},
		TimeUnixNano: 1, ObservedUnixNano: 2, SeverityNumber: 9, SeverityText: "INFO", Body: []otlp.KeyValue{{Key: "k", Value: []any{int64(-3), 1.5, true, []byte{9}}}},
		Attributes: []otlp.KeyValue{{Key: "a", Value: "b"}}, Flags: 1, TraceID: []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, SpanID: []byte{1, 2, 3, 4, 5, 6, 7, 8}, EventName: "e",
	}}
	out, err := otlp.DecodeProto(otlp.EncodeProto(in))
	require.NoError(t, err)
	require.Equal(t, in, out)
}
