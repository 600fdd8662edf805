package batch

import (
	"encoding/binary"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/schema"
)

// encodeV1 is the encoder of version 1, every string written out, kept here to prove Decode still reads it.
func encodeV1(b *Batch) []byte {
	dst := append(make([]byte, 0, SizeHint(b)), magicV1[:]...)
	dst = appendString(dst, b.ID)
	dst = appendString(dst, b.Table)
	dst = binary.AppendVarint(dst, b.Received)
	dst = binary.AppendUvarint(dst, uint64(b.Len))
	dst = binary.AppendUvarint(dst, uint64(len(b.Columns)))
	for _, c := range b.Columns {
		dst = appendString(dst, c.Name)
		dst = append(dst, byte(c.Type))
		if c.Null != nil {
			dst = append(dst, 1)
			dst = appendBits(dst, c.Null[:b.Len])
		} else {
			dst = append(dst, 0)
		}
		switch KindOf(c.Type) {
		case KindInt:
			var prev int64
			for _, v := range c.Ints[:b.Len] {
				dst = binary.AppendVarint(dst, v-prev)
				prev = v
			}
		case KindFloat:
			for _, v := range c.Floats[:b.Len] {
				dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(v))
			}
		case KindBool:
			dst = appendBits(dst, c.Bools[:b.Len])
		default:
			for _, v := range c.Strs[:b.Len] {
				dst = appendString(dst, v)
			}
		}
	}
	return dst
}

// codecSample has string columns of every shape the slots meet: constant, alternating, cycling through more
// values than there are slots, unique, empty and null.
func codecSample(n int) *Batch {
	b := &Batch{ID: "id-1", Table: "Syslog", Received: 42, Len: n}
	cols := map[string]func(i int) string{
		"Type":          func(int) string { return "Syslog" },
		"Computer":      func(i int) string { return []string{"web-1", "app-1.example.com"}[i%2] },
		"ProcessName":   func(i int) string { return "p" + strings.Repeat("x", i%11) }, // 11 values > strSlots
		"SyslogMessage": func(i int) string { return "msg " + strings.Repeat("y", i%300) + string(rune('a'+i%26)) },
		"HostIP":        func(i int) string { return []string{"", "10.0.0.1", "", "10.0.0.2", "10.0.0.3"}[i%5] },
	}
	for _, name := range []string{"Computer", "HostIP", "ProcessName", "SyslogMessage", "Type"} {
		c := &Column{Name: name, Type: schema.TypeString, Strs: make([]string, n)}
		for i := range c.Strs {
			c.Strs[i] = cols[name](i)
		}
		if name == "HostIP" {
			c.Null = make([]bool, n)
			for i := range c.Null {
				c.Null[i] = c.Strs[i] == ""
			}
		}
		b.Columns = append(b.Columns, c)
	}
	ints := &Column{Name: "TimeGenerated", Type: schema.TypeDatetime, Ints: make([]int64, n)}
	for i := range ints.Ints {
		ints.Ints[i] = 1_700_000_000_000_000 + int64(i)*1000
	}
	return &Batch{ID: b.ID, Table: b.Table, Received: b.Received, Len: n, Columns: append(b.Columns, ints)}
}

// Version 2 decodes to the very batch that was encoded, as version 1 does, and is smaller for repeated values.
func TestCodecV2RoundTripAndV1StillDecodes(t *testing.T) {
	for _, n := range []int{0, 1, 2, 9, 100, 4096} {
		in := codecSample(n)
		v2 := Encode(nil, in)
		v1 := encodeV1(in)
		require.Equal(t, "VB2", string(v2[:3]))
		for _, dec := range []func([]byte) (*Batch, error){Decode, DecodeOwned} {
			got2, err := dec(append([]byte(nil), v2...))
			require.NoError(t, err)
			require.Equal(t, in, got2, "n=%d v2", n)
			got1, err := dec(append([]byte(nil), v1...))
			require.NoError(t, err)
			require.Equal(t, in, got1, "n=%d v1", n)
		}
		if n >= 2 {
			// At least: "Syslog" (7 bytes in version 1) is 1 byte after the first row, and so is a host name (6 or
			// 18) after the second.
			require.GreaterOrEqual(t, len(v1)-len(v2), 6*(n-1)+5*(n-2), "n=%d: repeated values are written once", n)
		}
	}
}

// A reference to a slot not yet filled is corrupt input, not a panic or a wrong value.
func TestCodecV2RejectsUnfilledSlot(t *testing.T) {
	in := &Batch{ID: "x", Table: "T", Len: 2, Columns: []*Column{{Name: "s", Type: schema.TypeString, Strs: []string{"a", "a"}}}}
	enc := Encode(nil, in)
	require.Equal(t, byte(1), enc[len(enc)-1], "the second value refers to slot 0")
	enc[len(enc)-1] = 3 // slot 1: never filled
	_, err := Decode(enc)
	require.ErrorIs(t, err, ErrCorrupt)
}

// Any string column survives the round trip.
func FuzzCodecStrings(f *testing.F) {
	f.Add("a|b|a|b||c|a")
	f.Add("x|x|x|x|x|x|x|x|x|x")
	f.Add("1|2|3|4|5|6|7|8|9|1|2|9|8")
	f.Fuzz(func(t *testing.T, joined string) {
		vals := strings.Split(joined, "|")
		in := &Batch{ID: "f", Table: "T", Len: len(vals), Columns: []*Column{{Name: "s", Type: schema.TypeString, Strs: vals}}}
		out, err := Decode(Encode(nil, in))
		require.NoError(t, err)
		require.Equal(t, in, out)
	})
}

// BenchmarkCodec encodes and decodes a 4096-row batch of codecSample in both versions; an op is one row.
func BenchmarkCodec(b *testing.B) {
	in := codecSample(4096)
	for _, tc := range []struct {
		name   string
		encode func(*Batch) []byte
	}{{"v1", encodeV1}, {"v2", func(b *Batch) []byte { return Encode(nil, b) }}} {
		b.Run(tc.name, func(b *testing.B) {
			var size int
			for i := 0; i < b.N; i += in.Len {
				enc := tc.encode(in)
				size = len(enc)
				if _, err := DecodeOwned(enc); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(size)/float64(in.Len), "bytes/row")
		})
	}
}

// A column of unique values stops looking for repeats after strProbe values; a reference after that is corrupt
// input, and the values still round-trip.
func TestCodecV2UniqueColumn(t *testing.T) {
	vals := make([]string, 100)
	for i := range vals {
		vals[i] = "v" + strings.Repeat("z", i%40) // unique for 40 rows, then repeating
	}
	in := &Batch{ID: "u", Table: "T", Len: len(vals), Columns: []*Column{{Name: "s", Type: schema.TypeString, Strs: vals}}}
	enc := Encode(nil, in)
	out, err := Decode(enc)
	require.NoError(t, err)
	require.Equal(t, in, out)
	// The last value ("v" + 19 z, 20 bytes) is written out: 1 byte of length (40) and the bytes.
	require.Equal(t, byte(40), enc[len(enc)-21])
	bad := append(enc[:len(enc)-21:len(enc)-21], 1) // slot 0 instead
	_, err = Decode(bad)
	require.ErrorIs(t, err, ErrCorrupt)
	require.ErrorContains(t, err, "written without")
}
