package duckdb

import (
	"fmt"
	"math"
	"unicode/utf8"
	"unsafe"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/schema"
)

// Filling DuckDB's vectors without a cgo call per value.
//
// vigil_batch_scan is registered through DuckDB's C API (fill_cgo.go), so each call of the scan holds the output
// chunk's vectors. Their data and validity buffers are plain memory in DuckDB's layout, and this file writes the
// batch columns into them from Go: fixed-width values as they are, validity as bit words, strings as DuckDB's
// 16-byte string_t. A string of at most 12 bytes is stored inside its string_t; a longer one is copied into a C
// memory arena that the scan owns and the string_t points there.
//
// How long the arena must live: DuckDB's executor pushes each chunk a source returns through the operators above it
// into the sink before it asks the source for the next one, and the insert's sink copies the strings into the
// table's storage. For the writer's own INSERT (a job the writer registered, bound on the writer's connection) the
// arena is therefore reused from chunk to chunk: about one chunk of strings, warm in the cache. Any other query of
// the function keeps every string until DuckDB destroys the scan's state at the end of the statement.
// TestFillArenaNotReadAfterInsert checks both: the INSERT's rows read back equal although each chunk overwrote the
// last one's strings, and although the arena was overwritten again after the statement.
//
// Copying a long string into the arena costs a few nanoseconds; pinning the batch's own Go memory
// (runtime.Pinner) would save the copy but costs about 90 ns per string here, since the strings of a batch built
// by the receiver are separate objects. The arena holds only C memory and no Go pointer reaches C, which keeps
// the cgo pointer rules trivially true.
//
// One chunk may take rows from several batches; the batch id, row number and receive time are written per row
// like any other column.

// fillKind is how one output column of the scan is filled.
type fillKind uint8

const (
	fillVarchar  fillKind = iota // a string column: string_t, UTF-8 checked
	fillJSON                     // a dynamic column: JSON text (see scanDynamic), as string_t
	fillInt32                    // int
	fillInt64                    // long
	fillDouble                   // real, decimal
	fillBool                     // bool
	fillTime                     // datetime: TIMESTAMP, microseconds
	fillInterval                 // timespan: INTERVAL {months, days int32; micros int64}
	fillBatchID                  // _BatchId: the batch's id
	fillRow                      // _Row: the row's position in its batch
	fillReceived                 // _TimeReceived: the batch's receive time
	fillRowID                    // DuckDB's virtual row id, should a query ask for it: the row's position in the scan
)

// fillKindOf returns how a data column of KQL type t is filled.
func fillKindOf(t schema.Type) fillKind {
	switch t {
	case schema.TypeInt:
		return fillInt32
	case schema.TypeLong:
		return fillInt64
	case schema.TypeReal, schema.TypeDecimal:
		return fillDouble
	case schema.TypeBool:
		return fillBool
	case schema.TypeDatetime:
		return fillTime
	case schema.TypeTimespan:
		return fillInterval
	case schema.TypeDynamic:
		return fillJSON
	default:
		return fillVarchar
	}
}

// fillString is DuckDB's string_t: the length, then either the string itself (at most 12 bytes, zero padded) or
// its first 4 bytes and a pointer to all of it.
type fillString struct {
	n   uint32
	pre [4]byte
	ptr uintptr
}

const fillInlined = 12 // the longest string stored inside its string_t

// DuckDB's string_t and interval_t are 16 bytes on the 64-bit platforms it is built for; these fail to compile
// otherwise.
var (
	_ [16 - unsafe.Sizeof(fillString{})]byte
	_ [unsafe.Sizeof(fillString{}) - 16]byte
	_ [16 - unsafe.Sizeof(fillInterval16{})]byte
	_ [unsafe.Sizeof(fillInterval16{}) - 16]byte
)

// fillInterval16 is DuckDB's interval_t.
type fillInterval16 struct {
	months, days int32
	micros       int64
}

// fillVector is one output vector of a chunk: its data buffer and its validity words (bit i of word i/64 set: row
// i is not null), both DuckDB's memory of capacity rows.
type fillVector struct {
	data     unsafe.Pointer
	validity unsafe.Pointer
}

// fillSegment is rows lo..hi of batch bi, written at rows off.. of the chunk.
type fillSegment struct {
	bi, lo, hi, off int
}

// fillScan is the state of one run of vigil_batch_scan: the job, which of its columns the query reads (src[j] is
// the job column of output column j: data columns first, then _BatchId, _Row, _TimeReceived), and how far it is.
type fillScan struct {
	job   *scanJob
	kinds []fillKind // by output column
	src   []int      // by output column: the job's data column, or -1
	arena *fillArena
	// perChunk: the arena is reused for each chunk (the writer's INSERT), not kept for the whole statement.
	perChunk bool

	bi, row int // next row to return
	done    int // rows returned so far
	segs    []fillSegment
	// ids holds each batch id's string_t, made once per batch.
	ids []fillString
}

// newFillScan prepares a scan of job returning the job columns cols (indexes into the scan's result columns, as
// DuckDB asks for them after projection pushdown; fillRowIDColumn: the virtual row id).
func newFillScan(job *scanJob, cols []int, arena *fillArena) (*fillScan, error) {
	nd := len(job.cols)
	s := &fillScan{job: job, kinds: make([]fillKind, len(cols)), src: make([]int, len(cols)), arena: arena}
	for j, c := range cols {
		s.src[j] = -1
		switch {
		case c >= 0 && c < nd:
			s.kinds[j], s.src[j] = fillKindOf(job.cols[c].Type), c
		case c == nd:
			s.kinds[j] = fillBatchID
		case c == nd+1:
			s.kinds[j] = fillRow
		case c == nd+2:
			s.kinds[j] = fillReceived
		case c == fillRowIDColumn:
			s.kinds[j] = fillRowID
		default:
			return nil, fmt.Errorf("%s: no column %d", scanFunction, c)
		}
	}
	return s, nil
}

// fillRowIDColumn is the column index DuckDB passes for its virtual row id column.
const fillRowIDColumn = -1

// fill writes the next rows, at most capacity, into out (one vector per output column) and returns how many it
// wrote; 0 means the scan is over.
func (s *fillScan) fill(out []fillVector, capacity int) (int, error) {
	s.segs = s.segs[:0]
	n := 0
	for n < capacity && s.bi < len(s.job.batches) {
		b := s.job.batches[s.bi].b
		if s.row >= b.Len {
			s.bi, s.row = s.bi+1, 0
			continue
		}
		take := min(b.Len-s.row, capacity-n)
		s.segs = append(s.segs, fillSegment{bi: s.bi, lo: s.row, hi: s.row + take, off: n})
		n += take
		s.row += take
	}
	if n == 0 {
		return 0, nil
	}
	if s.perChunk {
		s.arena.reuse()
		clear(s.ids)
	}
	for j, v := range out {
		if err := s.fillColumn(j, v, n); err != nil {
			if k := s.src[j]; k >= 0 {
				return 0, fmt.Errorf("column %s: %w", s.job.cols[k].Name, err)
			}
			return 0, err
		}
	}
	s.done += n
	return n, nil
}

// fillColumn writes output column j, n rows over the current segments.
func (s *fillScan) fillColumn(j int, v fillVector, n int) error {
	valid := unsafe.Slice((*uint64)(v.validity), (n+63)/64)
	for i := range valid {
		valid[i] = math.MaxUint64
	}
	kind := s.kinds[j]
	for _, g := range s.segs {
		sb := &s.job.batches[g.bi]
		var c *batch.Column
		if k := s.src[j]; k >= 0 {
			c = sb.cols[k]
			if c == nil { // the batch lacks the column: all null
				fillNulls(valid, g.off, g.off+g.hi-g.lo)
				if kind == fillVarchar || kind == fillJSON {
					clear(unsafe.Slice((*fillString)(v.data), n)[g.off : g.off+g.hi-g.lo])
				}
				continue
			}
			if c.Null != nil {
				for i := g.lo; i < g.hi; i++ {
					if c.Null[i] {
						fillSetNull(valid, g.off+i-g.lo)
					}
				}
			}
		}
		var err error
		switch kind {
		case fillVarchar, fillJSON:
			err = s.fillStrings(unsafe.Slice((*fillString)(v.data), n), valid, c, kind == fillJSON, g)
		case fillInt32:
			out := unsafe.Slice((*int32)(v.data), n)[g.off:]
			for i, x := range c.Ints[g.lo:g.hi] {
				out[i] = int32(x)
			}
		case fillInt64, fillTime:
			copy(unsafe.Slice((*int64)(v.data), n)[g.off:], c.Ints[g.lo:g.hi])
		case fillDouble:
			copy(unsafe.Slice((*float64)(v.data), n)[g.off:], c.Floats[g.lo:g.hi])
		case fillBool:
			copy(unsafe.Slice((*bool)(v.data), n)[g.off:], c.Bools[g.lo:g.hi])
		case fillInterval:
			out := unsafe.Slice((*fillInterval16)(v.data), n)[g.off:]
			for i, x := range c.Ints[g.lo:g.hi] {
				out[i] = fillInterval16{micros: x}
			}
		case fillBatchID:
			id, e := s.fillBatchString(g.bi)
			err = e
			out := unsafe.Slice((*fillString)(v.data), n)[g.off : g.off+g.hi-g.lo]
			for i := range out {
				out[i] = id
			}
		case fillRow:
			out := unsafe.Slice((*int32)(v.data), n)[g.off:]
			for i := g.lo; i < g.hi; i++ {
				out[i-g.lo] = int32(i)
			}
		case fillReceived:
			out := unsafe.Slice((*int64)(v.data), n)[g.off : g.off+g.hi-g.lo]
			for i := range out {
				out[i] = sb.b.Received
			}
		case fillRowID:
			out := unsafe.Slice((*int64)(v.data), n)[g.off:]
			for i := 0; i < g.hi-g.lo; i++ {
				out[i] = int64(s.done + g.off + i)
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// fillStrings writes rows g.lo..g.hi of c as string_t values. A null row gets an empty string_t; text that is not
// valid UTF-8 is stored as NULL, as DuckDB's own assignment (duckdb_vector_assign_string_element_len) does.
//
// A value that is the same string as the row before (same bytes in memory, as the batch decoder hands out a
// repeated value, and as a constant is) reuses its string_t: runs of equal values cost neither a check nor a copy.
func (s *fillScan) fillStrings(out []fillString, valid []uint64, c *batch.Column, dynamic bool, g fillSegment) error {
	var prev *byte
	prevLen, prevOK := -1, false
	var prevSt fillString
	for i := g.lo; i < g.hi; i++ {
		o := g.off + i - g.lo
		if c.Null != nil && c.Null[i] {
			out[o] = fillString{}
			continue
		}
		v := c.Strs[i]
		if p := unsafe.StringData(v); p == prev && len(v) == prevLen {
			out[o] = prevSt
			if !prevOK {
				fillSetNull(valid, o)
			}
			continue
		}
		prev, prevLen = unsafe.StringData(v), len(v)
		if dynamic {
			v = scanDynamic(v)
		}
		if !utf8.ValidString(v) {
			out[o], prevSt, prevOK = fillString{}, fillString{}, false
			fillSetNull(valid, o)
			continue
		}
		st, err := s.arena.str(v)
		if err != nil {
			return err
		}
		out[o], prevSt, prevOK = st, st, true
	}
	return nil
}

// fillBatchString returns the string_t of batch bi's id, made once per batch.
func (s *fillScan) fillBatchString(bi int) (fillString, error) {
	if s.ids == nil {
		s.ids = make([]fillString, len(s.job.batches))
	}
	if st := s.ids[bi]; st.n != 0 || s.job.batches[bi].b.ID == "" {
		return st, nil
	}
	id := s.job.batches[bi].b.ID
	if !utf8.ValidString(id) {
		return fillString{}, fmt.Errorf("batch id %q is not valid UTF-8", id)
	}
	st, err := s.arena.str(id)
	if err != nil {
		return fillString{}, err
	}
	s.ids[bi] = st
	return st, nil
}

func fillSetNull(valid []uint64, i int) { valid[i/64] &^= 1 << (i % 64) }

// fillNulls marks rows lo..hi null.
func fillNulls(valid []uint64, lo, hi int) {
	for i := lo; i < hi; i++ {
		fillSetNull(valid, i)
	}
}
