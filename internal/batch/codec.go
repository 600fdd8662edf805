package batch

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"unsafe"

	"github.com/vigilsec/vigil/internal/schema"
)

// The encoding, version 2: the magic "VB2", then uvarint-prefixed strings and varints:
//
//	id, table, received (varint), len (uvarint), column count (uvarint), then per column:
//	name, type (byte), null flag (byte) [+ null bitmap], values:
//	  int kinds: zigzag varints of the difference to the previous row (datetimes compress well)
//	  float kinds: 8 bytes little-endian each
//	  bool: a bitmap
//	  string kinds: per value a uvarint x; x even: a new value of x/2 bytes follows; x odd: the value is the
//	    one in slot x/2 of the column's recent values, the last strSlots new values in a ring (slot = their
//	    count so far, modulo strSlots, when each came). From value strProbe on, once fewer than one value in
//	    strRate so far was a reference, the rest of the column holds new values only (no reference), so
//	    mostly unique values (messages, JSON, ids) cost no search
//
// Version 1 ("VB1") wrote every string value as uvarint length + bytes; Decode still reads it. Repeated values
// (host names, facilities, action types, constant columns) are common in a batch, and every byte saved is a byte
// the stream does not copy, hash and write, and its consumers do not copy again.
//
// Decoding copies the input into one string and slices every string value from it.
var (
	magic   = [3]byte{'V', 'B', '2'}
	magicV1 = [3]byte{'V', 'B', '1'}
)

// strSlots is how many recent values of a string column the encoding can refer back to; from value strProbe on,
// a column with fewer than one reference in strRate values is written without looking further.
const (
	strSlots = 8
	strProbe = 32
	strRate  = 16
)

// strLiteralOnly reports whether value j of a string column, refs of the values before it references, and the rest
// are written as new values.
func strLiteralOnly(j, refs int) bool { return j >= strProbe && refs*strRate < j }

// ErrCorrupt is returned by [Decode] for input that is not a well-formed batch.
var ErrCorrupt = errors.New("batch: corrupt encoding")

// SizeHint returns an upper-bound estimate of the encoded size of b, to allocate the buffer once.
func SizeHint(b *Batch) int {
	n := 64 + len(b.ID) + len(b.Table)
	for _, c := range b.Columns {
		n += 16 + len(c.Name) + 2*(b.Len/8+1)
		switch KindOf(c.Type) {
		case KindString:
			for _, s := range c.Strs {
				n += len(s) + binary.MaxVarintLen32
			}
		case KindInt:
			n += b.Len * binary.MaxVarintLen64
		case KindFloat:
			n += b.Len * 8
		}
	}
	return n
}

// Encode appends the encoding of b to dst and returns it.
func Encode(dst []byte, b *Batch) []byte {
	if need := len(dst) + SizeHint(b); cap(dst) < need {
		dst = append(make([]byte, 0, need), dst...)
	}
	dst = append(dst, magic[:]...)
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
			dst = appendStrings(dst, c.Strs[:b.Len])
		}
	}
	return dst
}

// appendStrings appends the values of a string column, each new value once and a recent one as its slot.
func appendStrings(dst []byte, vals []string) []byte {
	var ring [strSlots]string
	next, refs := 0, 0
	for j, v := range vals {
		if strLiteralOnly(j, refs) {
			for _, v := range vals[j:] {
				dst = binary.AppendUvarint(dst, uint64(len(v))<<1)
				dst = append(dst, v...)
			}
			return dst
		}
		slot := -1
		for k := 0; k < min(next, strSlots); k++ {
			if len(ring[k]) == len(v) && ring[k] == v {
				slot = k
				break
			}
		}
		if slot >= 0 {
			dst = binary.AppendUvarint(dst, uint64(slot)<<1|1)
			refs++
			continue
		}
		dst = binary.AppendUvarint(dst, uint64(len(v))<<1)
		dst = append(dst, v...)
		ring[next%strSlots] = v
		next++
	}
	return dst
}

func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

func appendBits(dst []byte, bits []bool) []byte {
	var cur byte
	for i, v := range bits {
		if v {
			cur |= 1 << (i & 7)
		}
		if i&7 == 7 {
			dst = append(dst, cur)
			cur = 0
		}
	}
	if len(bits)&7 != 0 {
		dst = append(dst, cur)
	}
	return dst
}

type reader struct {
	s   string
	off int
	err error
}

func (r *reader) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s at byte %d", ErrCorrupt, what, r.off)
	}
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	var x uint64
	var s uint
	for i := 0; i < binary.MaxVarintLen64; i++ {
		if r.off >= len(r.s) {
			r.fail("truncated varint")
			return 0
		}
		c := r.s[r.off]
		r.off++
		if c < 0x80 {
			if i == binary.MaxVarintLen64-1 && c > 1 {
				r.fail("varint overflow")
				return 0
			}
			return x | uint64(c)<<s
		}
		x |= uint64(c&0x7f) << s
		s += 7
	}
	r.fail("varint overflow")
	return 0
}

func (r *reader) varint() int64 {
	ux := r.uvarint()
	x := int64(ux >> 1)
	if ux&1 != 0 {
		x = ^x
	}
	return x
}

func (r *reader) byte() byte {
	if r.err != nil {
		return 0
	}
	if r.off >= len(r.s) {
		r.fail("truncated")
		return 0
	}
	b := r.s[r.off]
	r.off++
	return b
}

func (r *reader) string() string {
	n := r.uvarint()
	if r.err != nil {
		return ""
	}
	if n > uint64(len(r.s)-r.off) {
		r.fail("string longer than input")
		return ""
	}
	s := r.s[r.off : r.off+int(n)]
	r.off += int(n)
	return s
}

func (r *reader) bits(n int) []bool {
	nb := (n + 7) / 8
	if r.err != nil {
		return nil
	}
	if nb > len(r.s)-r.off {
		r.fail("truncated bitmap")
		return nil
	}
	out := make([]bool, n)
	for i := range out {
		out[i] = r.s[r.off+i/8]&(1<<(i&7)) != 0
	}
	r.off += nb
	return out
}

// strings reads the n values of a string column of the given encoding version into out.
func (r *reader) strings(out []string, version byte) {
	if version == 1 {
		for j := range out {
			out[j] = r.string()
		}
		return
	}
	var ring [strSlots]string
	next, refs := 0, 0
	literal := false
	for j := range out {
		x := r.uvarint()
		if r.err != nil {
			return
		}
		literal = literal || strLiteralOnly(j, refs)
		if x&1 == 1 {
			if literal {
				r.fail("string reference in a column written without")
				return
			}
			refs++
			slot := x >> 1
			if slot >= uint64(min(next, strSlots)) {
				r.fail("string refers to no recent value")
				return
			}
			out[j] = ring[slot]
			continue
		}
		n := x >> 1
		if n > uint64(len(r.s)-r.off) {
			r.fail("string longer than input")
			return
		}
		out[j] = r.s[r.off : r.off+int(n)]
		r.off += int(n)
		ring[next%strSlots] = out[j]
		next++
	}
}

// version returns the encoding version data starts with, or 0.
func version(data []byte) byte {
	switch {
	case len(data) < len(magic):
		return 0
	case string(data[:3]) == string(magic[:]):
		return 2
	case string(data[:3]) == string(magicV1[:]):
		return 1
	}
	return 0
}

// Decode decodes a batch encoded by [Encode] (or by version 1 of the encoding). It never panics; malformed input
// returns an error wrapping [ErrCorrupt]. The batch's strings share one copy of data; data may be reused afterwards.
func Decode(data []byte) (*Batch, error) {
	v := version(data)
	if v == 0 {
		return nil, fmt.Errorf("%w: bad magic", ErrCorrupt)
	}
	return decode(data, string(data), v)
}

// DecodeOwned is [Decode] for a buffer the caller hands over: the batch's strings are slices of data itself, not of
// a copy, so data must never be modified afterwards. Stream consumers decode message payloads, which are theirs
// alone, this way: it saves a copy of every batch and halves the memory a fetched batch holds.
func DecodeOwned(data []byte) (*Batch, error) {
	v := version(data)
	if v == 0 {
		return nil, fmt.Errorf("%w: bad magic", ErrCorrupt)
	}
	return decode(data, unsafe.String(unsafe.SliceData(data), len(data)), v)
}

// decode decodes data, whose bytes s holds as a string, in encoding version v.
func decode(data []byte, s string, v byte) (*Batch, error) {
	r := &reader{s: s, off: 3}
	b := &Batch{ID: r.string(), Table: r.string(), Received: r.varint()}
	n := r.uvarint()
	nc := r.uvarint()
	if r.err != nil {
		return nil, r.err
	}
	// Every row costs at least one byte (or bit) per column, which bounds the sizes we allocate.
	if n > uint64(len(data))*8 || nc > uint64(len(data)) {
		return nil, fmt.Errorf("%w: implausible size", ErrCorrupt)
	}
	b.Len = int(n)
	for i := uint64(0); i < nc && r.err == nil; i++ {
		c := &Column{Name: r.string(), Type: schema.Type(r.byte())}
		if c.Type == schema.TypeInvalid || c.Type > schema.TypeGUID {
			r.fail("bad column type")
			break
		}
		switch r.byte() {
		case 0:
		case 1:
			c.Null = r.bits(b.Len)
		default:
			r.fail("bad null flag")
		}
		switch KindOf(c.Type) {
		case KindInt:
			if b.Len > len(r.s)-r.off {
				r.fail("truncated ints")
				break
			}
			c.Ints = make([]int64, b.Len)
			var prev int64
			for j := range c.Ints {
				prev += r.varint()
				c.Ints[j] = prev
			}
		case KindFloat:
			if b.Len*8 > len(r.s)-r.off {
				r.fail("truncated floats")
				break
			}
			c.Floats = make([]float64, b.Len)
			for j := range c.Floats {
				c.Floats[j] = math.Float64frombits(binary.LittleEndian.Uint64([]byte(r.s[r.off : r.off+8])))
				r.off += 8
			}
		case KindBool:
			c.Bools = r.bits(b.Len)
		default:
			if b.Len > len(r.s)-r.off {
				r.fail("truncated strings")
				break
			}
			c.Strs = make([]string, b.Len)
			r.strings(c.Strs, v)
		}
		b.Columns = append(b.Columns, c)
	}
	if r.err == nil && r.off != len(r.s) {
		r.fail("trailing bytes")
	}
	if r.err != nil {
		return nil, r.err
	}
	return b, nil
}
