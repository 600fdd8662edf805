package syslog

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"unsafe"
)

// Scanner cuts a TCP syslog stream into messages (RFC 6587): each frame is either octet-counted ("LEN SP MSG",
// detected per frame by a leading digit) or ends at LF (non-transparent framing; a CR before it, and NULs some
// senders use as trailer, are dropped). A Scanner is not safe for concurrent use.
//
// Messages are read into blocks of memory shared by consecutive messages: [Scanner.Text] hands out the current one
// as a string without another copy, and a block is freed when no string made from it is left.
type Scanner struct {
	br  *bufio.Reader
	max int
	// buf is the current block; the message being read is buf[start:]. Bytes before start belong to strings
	// Text returned and are never written again.
	buf   []byte
	start int
	err   error
	long  bool
}

// scanBlock is the size of the blocks messages are read into.
const scanBlock = 64 << 10

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

// reset starts a new message, reusing the room of the last one unless Text kept it.
func (s *Scanner) reset() {
	s.buf = s.buf[:s.start]
	s.long = false
}

// room makes room for n more bytes of the current message, moving it to a new block when this one is full.
func (s *Scanner) room(n int) {
	if len(s.buf)+n <= cap(s.buf) {
		return
	}
	msg := s.buf[s.start:]
	nb := make([]byte, len(msg), max(scanBlock, 2*(len(msg)+n)))
	copy(nb, msg)
	s.buf, s.start = nb, 0
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
	s.reset()
	s.room(n)
	end := len(s.buf) + n
	if _, err := io.ReadFull(s.br, s.buf[len(s.buf):end]); err != nil {
		s.err = fmt.Errorf("octet-counted frame: %w", io.ErrUnexpectedEOF)
		return false, true
	}
	s.buf = s.buf[:end]
	s.trim()
	return true, true
}

// line reads an LF-framed message; it reports false for an empty line.
func (s *Scanner) line() bool {
	s.reset()
	for {
		chunk, err := s.br.ReadSlice('\n')
		if have := len(s.buf) - s.start; have+len(chunk) > s.max {
			chunk = chunk[:max(s.max-have, 0)]
			s.long = true
		}
		s.room(len(chunk))
		s.buf = append(s.buf, chunk...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil {
			s.err = err
		}
		break
	}
	s.trim()
	return len(s.buf) > s.start
}

// trim drops the line end, and NULs, from the end of the current message.
func (s *Scanner) trim() {
	for len(s.buf) > s.start {
		if c := s.buf[len(s.buf)-1]; c != '\n' && c != '\r' && c != 0 {
			break
		}
		s.buf = s.buf[:len(s.buf)-1]
	}
}

// Bytes returns the current message; it is valid until the next Scan.
func (s *Scanner) Bytes() []byte { return s.buf[s.start:] }

// Text returns the current message as a string that stays valid: it shares the block the message was read into,
// so it costs no copy and, over many messages, few allocations.
func (s *Scanner) Text() string {
	msg := s.buf[s.start:]
	if len(msg) == 0 {
		return ""
	}
	s.start = len(s.buf)
	return unsafe.String(unsafe.SliceData(msg), len(msg))
}

// Buffered reports how many bytes of the stream are read but not yet scanned; at 0 the next Scan may wait for the
// sender.
func (s *Scanner) Buffered() int { return s.br.Buffered() }

// Truncated reports whether the current message was cut to the limit.
func (s *Scanner) Truncated() bool { return s.long }

// Err returns the error that stopped the scan, or nil at a clean end of stream.
func (s *Scanner) Err() error {
	if errors.Is(s.err, io.EOF) {
		return nil
	}
	return s.err
}
