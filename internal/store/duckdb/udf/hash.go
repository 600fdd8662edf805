package udf

import (
	"database/sql/driver"
	"encoding/binary"
	"math"
	"time"

	"github.com/cespare/xxhash/v2"
)

// Kusto's hash() is xxhash64 over the value's bytes: UTF-8 for strings, little-endian 8 bytes for numbers and for
// a datetime's ticks (100 ns since 0001-01-01).
func init() {
	for _, t := range []Type{String, Long, Real, Timestamp, Bool} {
		Register(Func{Name: "kql_hash", Args: []Type{t}, Result: Long, Fn: func(a []driver.Value) (any, error) {
			return hashValue(a[0]), nil
		}})
		Register(Func{Name: "kql_hash", Args: []Type{t, Long}, Result: Long, Fn: func(a []driver.Value) (any, error) {
			h := hashValue(a[0])
			m, _ := a[1].(int64)
			if m <= 0 {
				return nil, nil
			}
			// The modulo is taken on the unsigned hash, as Kusto does.
			return int64(uint64(h) % uint64(m)), nil
		}})
	}
}

// ticksAtUnixEpoch is the number of 100 ns ticks from 0001-01-01 to 1970-01-01.
const ticksAtUnixEpoch = 621355968000000000

func hashValue(v driver.Value) int64 {
	var b [8]byte
	switch x := v.(type) {
	case string:
		return int64(xxhash.Sum64String(x))
	case int64:
		binary.LittleEndian.PutUint64(b[:], uint64(x))
	case float64:
		binary.LittleEndian.PutUint64(b[:], math.Float64bits(x))
	case time.Time:
		binary.LittleEndian.PutUint64(b[:], uint64(x.UnixNano()/100+ticksAtUnixEpoch))
	case bool:
		if x {
			b[0] = 1
		}
		return int64(xxhash.Sum64(b[:1]))
	default:
		return 0
	}
	return int64(xxhash.Sum64(b[:]))
}
