package otlp

// The log data model of OTLP (opentelemetry-proto, opentelemetry/proto/logs/v1/logs.proto and
// common/v1/common.proto), decoded from either encoding into these types.

// KeyValue is one attribute.
type KeyValue struct {
	Key   string
	Value any // string, bool, int64, float64, []byte, []any, []KeyValue, or nil
}

// Scope is an instrumentation scope.
type Scope struct {
	Name, Version string
	Attributes    []KeyValue
}

// Record is one log record with its resource and scope.
type Record struct {
	Resource         []KeyValue
	ResourceDropped  uint32
	Scope            Scope
	TimeUnixNano     uint64
	ObservedUnixNano uint64
	SeverityNumber   int32
	SeverityText     string
	Body             any
	Attributes       []KeyValue
	Dropped          uint32
	Flags            uint32
	TraceID, SpanID  []byte
	EventName        string
}

// Get returns the value of the attribute key, or nil.
func Get(kvs []KeyValue, key string) any {
	for i := range kvs {
		if kvs[i].Key == key {
			return kvs[i].Value
		}
	}
	return nil
}

// plain turns an attribute value into what encoding/json writes naturally: key-value lists become maps.
func plain(v any) any {
	switch x := v.(type) {
	case []KeyValue:
		m := make(map[string]any, len(x))
		for _, kv := range x {
			m[kv.Key] = plain(kv.Value)
		}
		return m
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = plain(e)
		}
		return out
	}
	return v
}

// attrMap turns attributes into a map for a dynamic column.
func attrMap(kvs []KeyValue) map[string]any {
	if len(kvs) == 0 {
		return nil
	}
	return plain(kvs).(map[string]any)
}
