// Package ndjson reads newline-delimited JSON: one event a line, each a JSON object holding a table's own columns.
//
// Every line is judged on its own: a line that is not a JSON object, is too long, or has a value its column cannot
// hold is rejected with its line number and the reason, and the good lines around it are kept.
package ndjson

import (
	"errors"
	"fmt"
	"io"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/ingest/normalize"
	"github.com/vigilsec/vigil/internal/x/linereader"
)

// Options limit what a reader accepts.
type Options struct {
	// MaxLineBytes is the longest line accepted; longer lines are rejected (and skipped without being buffered).
	MaxLineBytes int
	// BatchRows is how many rows are gathered before Flush is called.
	BatchRows int
	// MaxRejects caps how many rejected lines are reported one by one; the rest are only counted.
	MaxRejects int
	// RowsHint is how many lines the caller expects (a receiver: as many as its last request had). Once the first
	// batch reaches growAt rows, its columns get room for that many rows, up to BatchRows, at once instead of
	// growing row by row; a smaller read never reserves more than it uses.
	RowsHint int
}

// Defaults for [Options].
const (
	DefaultMaxLineBytes = 1 << 20
	DefaultBatchRows    = 4096
	DefaultMaxRejects   = 1000
)

func (o *Options) fill() {
	if o.MaxLineBytes <= 0 {
		o.MaxLineBytes = DefaultMaxLineBytes
	}
	if o.BatchRows <= 0 {
		o.BatchRows = DefaultBatchRows
	}
	if o.MaxRejects <= 0 {
		o.MaxRejects = DefaultMaxRejects
	}
}

// Reject is a line that was not accepted.
type Reject struct {
	Line  int    `json:"line"`
	Error string `json:"error"`
	// Raw is the line as received (cut at MaxRawBytes); it is kept in VigilIngestErrors, never echoed to clients.
	Raw string `json:"-"`
}

// MaxRawBytes is how much of a rejected line is kept.
const MaxRawBytes = 64 << 10

// Result counts what a Read did.
type Result struct {
	Read     int      `json:"read"`
	Accepted int      `json:"accepted"`
	Rejected int      `json:"rejected"`
	Rejects  []Reject `json:"rejects,omitempty"`
}

func (r *Result) reject(max, line int, err error, raw []byte) {
	r.Rejected++
	if len(r.Rejects) < max {
		if len(raw) > MaxRawBytes {
			raw = raw[:MaxRawBytes]
		}
		r.Rejects = append(r.Rejects, Reject{Line: line, Error: err.Error(), Raw: string(raw)})
	}
}

// Read reads NDJSON from in into rows of b. Every BatchRows rows, and once at the end when rows remain, it calls
// flush, which must take the rows (b.Finish) before returning. Blank lines are skipped and not counted. An error from
// in or flush stops the read; the Result then counts only what was flushed successfully as accepted.
func Read(in io.Reader, b *batch.Builder, opts Options, flush func(*batch.Builder) error) (Result, error) {
	return read(in, b, opts, flush, readLine)
}

// read is Read with the function that decodes each line into a row (tests compare decoders).
func read(in io.Reader, b *batch.Builder, opts Options, flush func(*batch.Builder) error,
	readLine func(*normalize.JSON, []byte) error) (Result, error) {
	opts.fill()
	grow := min(opts.RowsHint, opts.BatchRows)
	var res Result
	lr := linereader.New(in, opts.MaxLineBytes)
	w := normalize.NewJSON(b)
	pending := 0
	line := 0
	doFlush := func() error {
		if b.Len() == 0 {
			return nil
		}
		if err := flush(b); err != nil {
			return err
		}
		res.Accepted += pending
		pending = 0
		return nil
	}
	for {
		chunk, tooLong, err := lr.Next()
		if err != nil && !errors.Is(err, io.EOF) {
			return res, fmt.Errorf("read line %d: %w", line+1, err)
		}
		if len(chunk) > 0 {
			line++
			text := trimLine(chunk)
			switch {
			case tooLong || len(text) > opts.MaxLineBytes:
				res.Read++
				res.reject(opts.MaxRejects, line, fmt.Errorf("line longer than %d bytes", opts.MaxLineBytes), text)
			case len(text) == 0:
			default:
				res.Read++
				if rerr := readLine(w, text); rerr != nil {
					res.reject(opts.MaxRejects, line, rerr, text)
				} else {
					pending++
					if b.Len() == growAt && grow > growAt {
						b.Grow(grow)
					}
					if b.Len() >= opts.BatchRows {
						if ferr := doFlush(); ferr != nil {
							return res, ferr
						}
					}
				}
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
	}
	return res, doFlush()
}

// growAt is the row count at which the first batch's columns are given room for RowsHint rows.
const growAt = 128

func trimLine(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r' || b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	return b
}

// readLine decodes one line into a row of w's builder, in one pass over its text (see normalize.JSON.Line).
func readLine(w *normalize.JSON, text []byte) error {
	return w.Line(text)
}
