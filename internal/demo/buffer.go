package demo

import (
	"slices"
	"strconv"

	"github.com/vigilsec/vigil/internal/x/jsonw"
)

// Batch limits for one Sink.Write call.
const (
	maxBatchLines = 5000
	maxBatchBytes = 4 << 20
)

// entry locates one encoded row in a table's arena.
type entry struct {
	ts       int64 // event time, Unix nanoseconds
	off, end int
}

// table accumulates the rows of one table: rows are encoded straight into an arena, sorted by time when an hour
// is flushed, and copied into NDJSON batches for the sink. A table encodes one row at a time.
type table struct {
	idx      int
	name     string
	defender bool            // Defender tables carry Timestamp (and TimeGenerated); Sentinel tables only TimeGenerated
	strCols  map[string]bool // columns the catalogue types as string: JSON values go there as JSON text
	arena    []byte
	spare    []byte
	rows     []entry
	keep     []entry
	cur      int   // start offset of the row being encoded
	curTS    int64 // time of the row being encoded
	out      []byte
	outLines int
	written  int
}

// begin starts a row at time ns, writing the time columns.
func (t *table) begin(ns int64) {
	t.cur = len(t.arena)
	t.curTS = ns
	if t.defender {
		t.arena = append(t.arena, `{"Timestamp":"`...)
		t.arena = appendTime(t.arena, ns)
		t.arena = append(t.arena, `","TimeGenerated":"`...)
		t.arena = appendTime(t.arena, ns)
		t.arena = append(t.arena, '"')
		return
	}
	t.arena = append(t.arena, `{"TimeGenerated":"`...)
	t.arena = appendTime(t.arena, ns)
	t.arena = append(t.arena, '"')
}

// end finishes the row started by begin.
func (t *table) end() {
	t.arena = append(t.arena, "}\n"...)
	t.rows = append(t.rows, entry{ts: t.curTS, off: t.cur, end: len(t.arena)})
}

func (t *table) key(k string) {
	t.arena = append(t.arena, ',', '"')
	t.arena = append(t.arena, k...)
	t.arena = append(t.arena, '"', ':')
}

// s writes a string column; an empty value is left out (the store reads it as null, which KQL's isempty accepts).
func (t *table) s(k, v string) {
	if v == "" {
		return
	}
	t.key(k)
	t.arena = jsonw.AppendString(t.arena, v)
}

// n writes a numeric (int or long) column.
func (t *table) n(k string, v int64) {
	t.key(k)
	t.arena = strconv.AppendInt(t.arena, v, 10)
}

// b writes a bool column.
func (t *table) b(k string, v bool) {
	t.key(k)
	t.arena = strconv.AppendBool(t.arena, v)
}

// tm writes a datetime column; ns <= 0 is left out.
func (t *table) tm(k string, ns int64) {
	if ns <= 0 {
		return
	}
	t.key(k)
	t.arena = append(t.arena, '"')
	t.arena = appendTime(t.arena, ns)
	t.arena = append(t.arena, '"')
}

// raw writes a column whose value is JSON (an object or array): as is for a dynamic column, as JSON text for a
// column the catalogue types as string (Defender documents several such columns, e.g. AdditionalFields of some
// tables, as strings holding JSON).
func (t *table) raw(k, json string) {
	if json == "" {
		return
	}
	t.key(k)
	if t.strCols[k] {
		t.arena = jsonw.AppendString(t.arena, json)
		return
	}
	t.arena = append(t.arena, json...)
}

// rawBytes is raw for a value held in a byte slice.
func (t *table) rawBytes(k string, json []byte) {
	t.key(k)
	if t.strCols[k] {
		t.arena = jsonw.AppendString(t.arena, string(json))
		return
	}
	t.arena = append(t.arena, json...)
}

// flush moves every finished row before boundary (Unix ns) into the output batches, in time order, and keeps the
// others for a later flush.
func (t *table) flush(boundary int64, sink Sink) error {
	if len(t.rows) == 0 {
		return nil
	}
	slices.SortStableFunc(t.rows, func(a, b entry) int {
		switch {
		case a.ts < b.ts:
			return -1
		case a.ts > b.ts:
			return 1
		}
		return 0
	})
	t.spare = t.spare[:0]
	t.keep = t.keep[:0]
	for _, e := range t.rows {
		line := t.arena[e.off:e.end]
		if e.ts >= boundary {
			off := len(t.spare)
			t.spare = append(t.spare, line...)
			t.keep = append(t.keep, entry{ts: e.ts, off: off, end: len(t.spare)})
			continue
		}
		if t.outLines >= maxBatchLines || len(t.out)+len(line) > maxBatchBytes {
			if err := t.write(sink); err != nil {
				return err
			}
		}
		t.out = append(t.out, line...)
		t.outLines++
	}
	t.arena, t.spare = t.spare, t.arena
	t.rows, t.keep = t.keep, t.rows
	return nil
}

// write hands the pending batch to the sink.
func (t *table) write(sink Sink) error {
	if t.outLines == 0 {
		return nil
	}
	if err := sink.Write(t.name, t.out); err != nil {
		return err
	}
	t.written += t.outLines
	t.out = t.out[:0]
	t.outLines = 0
	return nil
}

// appendTime appends Unix nanoseconds ns as RFC 3339 UTC with microseconds, e.g. 2026-11-27T07:05:23.123456Z.
func appendTime(b []byte, ns int64) []byte {
	us := ns / 1000
	if ns < 0 && ns%1000 != 0 {
		us--
	}
	secs := us / 1e6
	frac := us - secs*1e6
	if frac < 0 {
		frac += 1e6
		secs--
	}
	days := secs / 86400
	sod := secs - days*86400
	if sod < 0 {
		sod += 86400
		days--
	}
	y, m, d := civil(days)
	b = append4(b, y)
	b = append(b, '-')
	b = append2(b, m)
	b = append(b, '-')
	b = append2(b, d)
	b = append(b, 'T')
	b = append2(b, int(sod/3600))
	b = append(b, ':')
	b = append2(b, int(sod%3600/60))
	b = append(b, ':')
	b = append2(b, int(sod%60))
	b = append(b, '.')
	f := int(frac)
	b = append(b, byte('0'+f/100000), byte('0'+f/10000%10), byte('0'+f/1000%10), byte('0'+f/100%10), byte('0'+f/10%10), byte('0'+f%10))
	return append(b, 'Z')
}

func append2(b []byte, v int) []byte { return append(b, byte('0'+v/10), byte('0'+v%10)) }

func append4(b []byte, v int) []byte {
	return append(b, byte('0'+v/1000%10), byte('0'+v/100%10), byte('0'+v/10%10), byte('0'+v%10))
}

// civil converts days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
func civil(days int64) (year, month, day int) {
	z := days + 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return int(y), int(m), int(d)
}
