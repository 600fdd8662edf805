// Package winevent reads Windows event log records rendered as JSON (by the Velocidex evtx library, evtx_dump,
// Winlogbeat or NXLog) and normalises each into its schema table with [windows.Normalize].
//
// The input is JSON lines, or concatenated (possibly pretty-printed) objects, or one JSON array of objects. Every
// record is judged on its own: a record that is not JSON, or is not a Windows event, is rejected with its line
// number and the reason, and the good records around it are kept.
package winevent

import (
	"errors"
	"io"

	"github.com/valyala/fastjson"

	"github.com/vigilsec/vigil/internal/ingest/normalize/tables"
	"github.com/vigilsec/vigil/internal/ingest/normalize/windows"
)

// Options limit what a read accepts.
type Options struct {
	// MaxEventBytes is the longest record accepted.
	MaxEventBytes int
	// MaxRejects caps how many rejected records are reported one by one; the rest are only counted.
	MaxRejects int
	// FlushEvery is how many accepted records are gathered before flush is called.
	FlushEvery int
	// Normalizer normalises the records (its DeviceTables option adds Device* rows for Security events).
	Normalizer windows.Normalizer
}

// Defaults for [Options].
const (
	DefaultMaxEventBytes = 1 << 20
	DefaultMaxRejects    = 1000
	DefaultFlushEvery    = 4096
)

func (o *Options) fill() {
	if o.MaxEventBytes <= 0 {
		o.MaxEventBytes = DefaultMaxEventBytes
	}
	if o.MaxRejects <= 0 {
		o.MaxRejects = DefaultMaxRejects
	}
	if o.FlushEvery <= 0 {
		o.FlushEvery = DefaultFlushEvery
	}
}

// Reject is a record that was not accepted: the line it starts on and why.
type Reject struct {
	Line  int    `json:"line"`
	Error string `json:"error"`
}

// Result counts what a read did.
type Result struct {
	Read     int      `json:"read"`
	Accepted int      `json:"accepted"`
	Rejected int      `json:"rejected"`
	Rejects  []Reject `json:"rejects,omitempty"`
}

func (r *Result) reject(max, line int, err error) {
	r.Rejected++
	if len(r.Rejects) < max {
		r.Rejects = append(r.Rejects, Reject{Line: line, Error: err.Error()})
	}
}

// Read reads records from in and adds their rows to out. Every FlushEvery accepted records, and once at the end,
// it calls flush (which may be nil), which should hand the rows gathered in out on. An error reading in or from
// flush stops the read.
func Read(in io.Reader, out tables.Sink, opts Options, flush func() error) (Result, error) {
	opts.fill()
	var res Result
	d := Decoder{Normalizer: opts.Normalizer}
	sp := NewSplitter(in, opts.MaxEventBytes)
	pending := 0
	doFlush := func() error {
		if flush == nil || pending == 0 {
			return nil
		}
		pending = 0
		return flush()
	}
	for {
		val, line, err := sp.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil && sp.err != nil && !errors.Is(sp.err, io.EOF) {
			return res, err
		}
		res.Read++
		if err == nil {
			err = record(&d, val, out)
		}
		if err != nil {
			var rerr *readError
			if errors.As(err, &rerr) {
				return res, err
			}
			res.reject(opts.MaxRejects, line, err)
			continue
		}
		res.Accepted++
		pending++
		if pending >= opts.FlushEvery {
			if err := doFlush(); err != nil {
				return res, err
			}
		}
	}
	return res, doFlush()
}

// jsonError is a record that is not JSON; it matches windows.ErrMalformed.
type jsonError struct{ err error }

func (e *jsonError) Error() string   { return "invalid JSON: " + e.err.Error() }
func (e *jsonError) Unwrap() []error { return []error{windows.ErrMalformed, e.err} }

type readError struct{ err error }

func (e *readError) Error() string { return e.err.Error() }
func (e *readError) Unwrap() error { return e.err }

// Decoder normalises single records given as JSON text, reusing its parser: the entry point for a source that
// renders records itself (an .evtx reader, an agent). A Decoder is not safe for concurrent use.
type Decoder struct {
	// Normalizer normalises the records.
	Normalizer windows.Normalizer
	p          fastjson.Parser
}

// Record normalises one record into out. The error wraps [windows.ErrMalformed] when the record is not a Windows
// event (and then nothing was added); any other error comes from out.
func (d *Decoder) Record(b []byte, out tables.Sink) error {
	v, err := d.p.ParseBytes(b)
	if err != nil {
		return &jsonError{err}
	}
	return d.Normalizer.Normalize(v, out)
}

func record(d *Decoder, b []byte, out tables.Sink) error {
	if err := d.Record(b, out); err != nil {
		if errors.Is(err, windows.ErrMalformed) {
			return err
		}
		return &readError{err}
	}
	return nil
}
