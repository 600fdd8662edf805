package hec

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/valyala/fastjson"
)

// Splitter cuts a body of concatenated JSON objects ({…}{…} or one a line, as Splunk's event endpoint takes them)
// into one object at a time, without parsing them. After a malformed object it resynchronises at the next line
// that starts with "{", so one bad event does not cost the events after it.
type Splitter struct {
	r   *bufio.Reader
	max int
	buf []byte
	n   int
}

// NewSplitter returns a Splitter over r that refuses objects longer than max bytes.
func NewSplitter(r io.Reader, max int) *Splitter {
	return &Splitter{r: bufio.NewReaderSize(r, 64<<10), max: max}
}

// ErrTooLong is returned for an event longer than the limit.
var ErrTooLong = errors.New("event too long")

// Next returns the next object's bytes (valid until the next call) and its number (0-based, as Splunk counts
// invalid-event-number). At the end it returns io.EOF. A malformed object is returned as an error wrapping
// [ErrSyntax] with its number; the caller may go on calling Next. Other errors are read errors.
func (s *Splitter) Next() ([]byte, int, error) {
	s.buf = s.buf[:0]
	// Skip white space between objects.
	for {
		c, err := s.r.ReadByte()
		if err != nil {
			return nil, s.n, err
		}
		if c == ' ' || c == '\n' || c == '\r' || c == '\t' {
			continue
		}
		if c != '{' {
			n := s.n
			s.n++
			s.skipLine()
			return nil, n, fmt.Errorf("%w: event %d does not start with {", ErrSyntax, n)
		}
		s.buf = append(s.buf, c)
		break
	}
	depth, inStr, esc := 1, false, false
	for depth > 0 {
		c, err := s.r.ReadByte()
		if err != nil {
			n := s.n
			s.n++
			if errors.Is(err, io.EOF) {
				return nil, n, fmt.Errorf("%w: event %d is not closed", ErrSyntax, n)
			}
			return nil, n, err
		}
		if len(s.buf) >= s.max {
			n := s.n
			s.n++
			s.skipLine()
			return nil, n, fmt.Errorf("%w: event %d is longer than %d bytes", ErrTooLong, n, s.max)
		}
		s.buf = append(s.buf, c)
		switch {
		case esc:
			esc = false
		case inStr && c == '\\':
			esc = true
		case c == '"':
			inStr = !inStr
		case inStr:
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			depth--
		}
	}
	n := s.n
	s.n++
	return s.buf, n, nil
}

// skipLine drops input up to the end of the line.
func (s *Splitter) skipLine() {
	for {
		c, err := s.r.ReadByte()
		if err != nil || c == '\n' {
			return
		}
	}
}

// ErrSyntax classifies events that are not JSON objects.
var ErrSyntax = errors.New("invalid JSON event")

// Event is one HEC event with its metadata.
type Event struct {
	// Time is the event time in Unix microseconds; HasTime is false when the event had none.
	Time    int64
	HasTime bool
	Host    string
	Source  string
	// SourceType selects how Event is read (see [Router]).
	SourceType string
	Index      string
	// Event is the event itself: a string, or a JSON object.
	Event *fastjson.Value
	// Fields are the indexed fields ("fields"), or nil.
	Fields *fastjson.Object
}

// Codes of Splunk's HEC answers used for record errors.
const (
	CodeEventRequired = 12
	CodeEventBlank    = 13
	CodeInvalidFormat = 6
)

// RecordError is why one event was refused, with the HEC code it is answered with.
type RecordError struct {
	Code   int
	Reason string
}

func (e *RecordError) Error() string { return e.Reason }

// ParseEvent reads one event object: "event" (required, a string or an object), "time" (epoch seconds, a number
// or a numeric string, with a fraction), "host", "source", "sourcetype", "index" and "fields".
func ParseEvent(v *fastjson.Value) (Event, error) {
	var e Event
	o, err := v.Object()
	if err != nil {
		return e, &RecordError{Code: CodeInvalidFormat, Reason: "event is not a JSON object"}
	}
	e.Event = o.Get("event")
	switch {
	case e.Event == nil || e.Event.Type() == fastjson.TypeNull:
		return e, &RecordError{Code: CodeEventRequired, Reason: `the "event" field is required`}
	case e.Event.Type() == fastjson.TypeString && strings.TrimSpace(string(e.Event.GetStringBytes())) == "":
		return e, &RecordError{Code: CodeEventBlank, Reason: `the "event" field cannot be blank`}
	case e.Event.Type() == fastjson.TypeObject && e.Event.GetObject().Len() == 0:
		return e, &RecordError{Code: CodeEventBlank, Reason: `the "event" field cannot be blank`}
	}
	if t := o.Get("time"); t != nil && t.Type() != fastjson.TypeNull {
		us, err := epochMicros(t)
		if err != nil {
			return e, &RecordError{Code: CodeInvalidFormat, Reason: `"time": ` + err.Error()}
		}
		e.Time, e.HasTime = us, true
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"host", &e.Host}, {"source", &e.Source}, {"sourcetype", &e.SourceType}, {"index", &e.Index}} {
		if fv := o.Get(f.name); fv != nil {
			switch fv.Type() {
			case fastjson.TypeString:
				*f.dst = string(fv.GetStringBytes())
			case fastjson.TypeNull:
			default:
				return e, &RecordError{Code: CodeInvalidFormat, Reason: fmt.Sprintf("%q must be a string", f.name)}
			}
		}
	}
	if fv := o.Get("fields"); fv != nil && fv.Type() != fastjson.TypeNull {
		fo, err := fv.Object()
		if err != nil {
			return e, &RecordError{Code: 15, Reason: `"fields" must be an object`}
		}
		e.Fields = fo
	}
	return e, nil
}

// epochMicros reads epoch seconds with an optional fraction ("1700000000.123456") exactly, without float rounding.
func epochMicros(v *fastjson.Value) (int64, error) {
	var s string
	switch v.Type() {
	case fastjson.TypeNumber:
		s = v.String()
	case fastjson.TypeString:
		s = strings.TrimSpace(string(v.GetStringBytes()))
	default:
		return 0, fmt.Errorf("expected epoch seconds, got %s", v.Type())
	}
	return ParseEpoch(s)
}

// ParseEpoch reads epoch seconds with an optional fraction into Unix microseconds.
func ParseEpoch(s string) (int64, error) {
	if strings.ContainsAny(s, "eE") {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) || math.Abs(f) > 1e11 {
			return 0, fmt.Errorf("expected epoch seconds, got %q", clip(s))
		}
		return int64(math.Round(f * 1e6)), nil
	}
	whole, frac, _ := strings.Cut(s, ".")
	sec, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || sec > 1e11 || sec < -1e11 {
		return 0, fmt.Errorf("expected epoch seconds, got %q", clip(s))
	}
	us := sec * 1e6
	mult := int64(100000)
	for i := 0; i < len(frac); i++ {
		c := frac[i]
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("expected epoch seconds, got %q", clip(s))
		}
		if mult > 0 {
			if sec < 0 || strings.HasPrefix(whole, "-") {
				us -= int64(c-'0') * mult
			} else {
				us += int64(c-'0') * mult
			}
			mult /= 10
		}
	}
	return us, nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
