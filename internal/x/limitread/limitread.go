// Package limitread bounds how much of a request body is read: past the limit, reads fail with ErrTooLarge, so a
// handler can tell a body that is too large from one that merely ended (io.LimitReader cannot).
package limitread

import (
	"errors"
	"io"
)

// ErrTooLarge is returned once more than the limit has been read.
var ErrTooLarge = errors.New("request body too large")

// Reader reads from R and fails with ErrTooLarge once more than N bytes have come through.
type Reader struct {
	r io.Reader
	n int64
}

// New returns a Reader over r that allows n bytes.
func New(r io.Reader, n int64) *Reader { return &Reader{r: r, n: n} }

// Read implements io.Reader.
func (l *Reader) Read(p []byte) (int, error) {
	if l.n < 0 {
		return 0, ErrTooLarge
	}
	if int64(len(p)) > l.n+1 {
		p = p[:l.n+1]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	if l.n < 0 {
		return n, ErrTooLarge
	}
	return n, err
}
