package syslog

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// Scanner cuts a TCP syslog stream into messages (RFC 6587): each frame is either octet-counted ("LEN SP MSG",
// detected per frame by a leading digit) or ends at LF (non-transparent framing; a CR before it, and NULs some
// senders use as trailer, are dropped). A Scanner is not safe for concurrent use.
type Scanner struct {
	br   *bufio.Reader
	max  int
	msg  []byte
	err  error
	long bool
}

// ErrFrameTooLong is returned for an octet-counted frame longer than the limit; the stream cannot be resynchronised
// after it and should be closed. LF-framed lines longer than the limit are cut to it instead (see [Scanner.Truncated]).
var ErrFrameTooLong = errors.New("syslog frame longer than the limit")

// NewScanner returns a Scanner over r for messages of at most max bytes.
func NewScanner(r io.Reader, max int) *Scanner {
	if max <= 0 {
		max = 64 << 10
	}
	return &Scanner{br: bufio.NewReaderSize(r, 64<<10), max: max}
}

// Scan advances to the next message, skipping empty frames; it returns false at the end of the stream or on an
// error ([Scanner.Err]).
func (s *Scanner) Scan() bool {
	for s.err == nil {
		c, err := s.br.Peek(1)
		if err != nil {
			s.err = err
			break
		}
		if c[0] >= '1' && c[0] <= '9' {
			if ok, done := s.octets(); done {
				return ok
			}
		}
		if s.line() {
			return true
		}
	}
	return false
}

// octets reads an octet-counted frame if the stream holds one here; done is false when it does not (the digits
// are then read as the start of an LF-framed line).
func (s *Scanner) octets() (ok, done bool) {
	head, _ := s.br.Peek(11)
	n := 0
	i := 0
	for ; i < len(head) && head[i] >= '0' && head[i] <= '9'; i++ {
		n = n*10 + int(head[i]-'0')
	}
	if i == len(head) || head[i] != ' ' || i > 9 {
		return false, false
	}
	if n > s.max {
		s.err = fmt.Errorf("%w: %d bytes", ErrFrameTooLong, n)
		return false, true
	}
	if _, err := s.br.Discard(i + 1); err != nil {
		s.err = err
		return false, true
	}
	if cap(s.msg) < n {
		s.msg = make([]byte, n)
	}
	s.msg = s.msg[:n]
	if _, err := io.ReadFull(s.br, s.msg); err != nil {
		s.err = fmt.Errorf("octet-counted frame: %w", io.ErrUnexpectedEOF)
		return false, true
	}
	s.long = false
	s.msg = trimEnd(s.msg)
	return true, true
}

// line reads an LF-framed message; it reports false for an empty line.
func (s *Scanner) line() bool {
	s.msg = s.msg[:0]
	s.long = false
	for {
		chunk, err := s.br.ReadSlice('\n')
		if len(s.msg)+len(chunk) <= s.max {
			s.msg = append(s.msg, chunk...)
		} else {
			if room := s.max - len(s.msg); room > 0 {
				s.msg = append(s.msg, chunk[:room]...)
			}
			s.long = true
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil {
			s.err = err
		}
		break
	}
	s.msg = trimEnd(s.msg)
	return len(s.msg) > 0
}

func trimEnd(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r' || b[len(b)-1] == 0) {
		b = b[:len(b)-1]
	}
	return b
}

// Bytes returns the current message; it is valid until the next Scan.
func (s *Scanner) Bytes() []byte { return s.msg }

// Truncated reports whether the current message was cut to the limit.
func (s *Scanner) Truncated() bool { return s.long }

// Err returns the error that stopped the scan, or nil at a clean end of stream.
func (s *Scanner) Err() error {
	if errors.Is(s.err, io.EOF) {
		return nil
	}
	return s.err
}
