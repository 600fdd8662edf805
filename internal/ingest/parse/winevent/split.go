package winevent

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// Splitter cuts a stream into JSON values. It reads either JSON lines (when the first value ends on its first line,
// every line is judged on its own, so a broken line never swallows the next) or a stream of concatenated,
// possibly pretty-printed values, optionally wrapped in one JSON array (as evtx_dump and many exports write); in
// a stream, a '{' at the start of a line while a value is still open starts the next value, so a truncated record
// costs only itself.
type Splitter struct {
	br    *bufio.Reader
	max   int
	line  int
	mode  int // 0 unknown, 1 lines, 2 stream
	buf   []byte
	line0 []byte // reused line buffer
	back  bool   // line0 holds a line pushed back, to be read again
	err   error
}

const (
	modeUnknown = iota
	modeLines
	modeStream
)

// NewSplitter returns a Splitter over r that rejects values longer than max bytes.
func NewSplitter(r io.Reader, max int) *Splitter {
	return &Splitter{br: bufio.NewReaderSize(r, 64<<10), max: max}
}

// errTooLong marks a line longer than the limit.
var errTooLong = errors.New("value too long")

// readLine returns the next line without its end; ok is false at the end of the input.
func (s *Splitter) readLine() ([]byte, bool, error) {
	if s.back {
		s.back = false
		return s.line0, true, nil
	}
	if s.err != nil {
		return nil, false, s.err
	}
	line := s.line0[:0]
	long := false
	for {
		chunk, err := s.br.ReadSlice('\n')
		if len(line)+len(chunk) <= s.max+2 {
			line = append(line, chunk...)
		} else {
			long = true
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				s.err = err
				return nil, false, err
			}
			s.err = io.EOF
			if len(line) == 0 && !long {
				return nil, false, io.EOF
			}
		}
		break
	}
	s.line++
	if long {
		s.line0 = line[:0]
		return nil, true, errTooLong
	}
	s.line0 = bytes.TrimRight(line, "\r\n")
	return s.line0, true, nil
}

// Next returns the next value and the line it starts on. A value that cannot be cut out (a line longer than the
// limit, text outside any value, a value left open at the end of the input) is returned as an error together with
// its line; the caller records it and calls Next again. Next returns io.EOF at the end of the input.
func (s *Splitter) Next() (value []byte, line int, err error) {
	for {
		l, ok, rerr := s.readLine()
		if !ok {
			if rerr != nil && !errors.Is(rerr, io.EOF) {
				return nil, s.line, fmt.Errorf("read line %d: %w", s.line+1, rerr)
			}
			return nil, s.line, io.EOF
		}
		if errors.Is(rerr, errTooLong) {
			return nil, s.line, fmt.Errorf("line longer than %d bytes", s.max)
		}
		t := bytes.TrimSpace(l)
		if len(t) == 0 {
			continue
		}
		if s.mode == modeStream {
			// Array punctuation between values.
			t = bytes.TrimLeft(t, "[,")
			t = bytes.TrimSpace(bytes.TrimRight(t, "],"))
			if len(t) == 0 {
				continue
			}
		}
		if s.mode == modeUnknown {
			if t[0] == '[' {
				s.mode = modeStream
				t = bytes.TrimSpace(t[1:])
				if len(t) == 0 {
					continue
				}
			} else if depth(t) == 0 {
				s.mode = modeLines
			} else {
				s.mode = modeStream
			}
		}
		start := s.line
		if s.mode == modeLines {
			return t, start, nil
		}
		if t[0] != '{' {
			return nil, start, fmt.Errorf("expected a JSON object, found %q", clip(t))
		}
		s.buf = append(s.buf[:0], t...)
		d := depth(t)
		for d > 0 {
			l, ok, rerr = s.readLine()
			if !ok || rerr != nil {
				if errors.Is(rerr, errTooLong) {
					return nil, start, fmt.Errorf("value longer than %d bytes", s.max)
				}
				return nil, start, fmt.Errorf("JSON value starting on line %d is not closed", start)
			}
			if len(l) > 0 && l[0] == '{' {
				// An unindented '{' starts the next record of a pretty-printed stream: this one was cut short.
				// Keep the line for the next call, so the records after a broken one are still read.
				s.back = true
				return nil, start, fmt.Errorf("JSON value starting on line %d is not closed before line %d", start, s.line)
			}
			s.buf = append(s.buf, '\n')
			s.buf = append(s.buf, l...)
			if len(s.buf) > s.max {
				// Skip to the end of this value so the next one is read whole.
				for d > 0 {
					d += depth(l)
					if d <= 0 {
						break
					}
					l, ok, rerr = s.readLine()
					if !ok || rerr != nil {
						break
					}
				}
				return nil, start, fmt.Errorf("value longer than %d bytes", s.max)
			}
			d = depth(s.buf)
		}
		v := bytes.TrimSpace(s.buf)
		v = bytes.TrimRight(v, ",]")
		return v, start, nil
	}
}

// depth returns the bracket depth at the end of b (strings and escapes skipped); 0 means b holds whole values.
func depth(b []byte) int {
	d := 0
	in, esc := false, false
	for _, c := range b {
		switch {
		case esc:
			esc = false
		case in:
			if c == '\\' {
				esc = true
			} else if c == '"' {
				in = false
			}
		case c == '"':
			in = true
		case c == '{' || c == '[':
			d++
		case c == '}' || c == ']':
			d--
		}
	}
	return d
}

func clip(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "…"
	}
	return string(b)
}
