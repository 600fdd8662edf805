// Package linereader reads newline-terminated lines with a length limit, never buffering more than the limit of
// an over-long line: the line readers of every text input format share it.
package linereader

import (
	"bufio"
	"errors"
	"io"
)

// Reader reads lines. It is not safe for concurrent use.
type Reader struct {
	br   *bufio.Reader
	max  int
	long []byte
}

// New returns a Reader over r for lines of at most max bytes.
func New(r io.Reader, max int) *Reader {
	return &Reader{br: bufio.NewReaderSize(r, 64<<10), max: max}
}

// Next returns the next line with its newline (the last line may lack one), and whether it was longer than the
// limit, in which case only about its first max bytes are returned and the rest is skipped. The line is valid until
// the next call. err is io.EOF with (or after) the last line, or the reading error.
func (r *Reader) Next() (line []byte, tooLong bool, err error) {
	chunk, err := r.br.ReadSlice('\n')
	if !errors.Is(err, bufio.ErrBufferFull) {
		return chunk, false, err
	}
	// Gather the rest of the line up to the limit, then skip what is beyond it.
	r.long = append(r.long[:0], chunk...)
	for errors.Is(err, bufio.ErrBufferFull) {
		chunk, err = r.br.ReadSlice('\n')
		if len(r.long) <= r.max {
			r.long = append(r.long, chunk...)
		}
	}
	return r.long, len(r.long) > r.max, err
}
