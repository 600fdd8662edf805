package duckdb

/*
#include <stdlib.h>
*/
import "C"

import (
	"errors"
	"math"
	"sync"
	"unsafe"
)

// fillBlockSize is the size of the arena's C memory blocks; a longer string gets a block of its own.
const fillBlockSize = 1 << 20

// fillPoolKeep is how many free blocks the store keeps between statements; the rest go back to the C heap.
const fillPoolKeep = 16

// fillPool holds the free arena blocks of one store, reused from statement to statement.
type fillPool struct {
	mu     sync.Mutex
	free   []unsafe.Pointer
	closed bool
	gets   int // blocks handed out, for tests
}

func (p *fillPool) get() unsafe.Pointer {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.gets++
	if n := len(p.free); n > 0 {
		b := p.free[n-1]
		p.free = p.free[:n-1]
		return b
	}
	return C.malloc(fillBlockSize)
}

func (p *fillPool) put(b unsafe.Pointer) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || len(p.free) >= fillPoolKeep {
		C.free(b)
		return
	}
	p.free = append(p.free, b)
}

// close frees the pool's blocks; blocks put back later are freed at once.
func (p *fillPool) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, b := range p.free {
		C.free(b)
	}
	p.free, p.closed = nil, true
}

// fillArena is the C memory holding the long strings of one scan, until DuckDB destroys the scan's state or, for
// the writer's own INSERT, until the scan fills the next chunk (see reuse).
type fillArena struct {
	pool   *fillPool
	blocks []unsafe.Pointer // from the pool
	next   int              // blocks[next] is the block to take when cur is full
	own    []unsafe.Pointer // single strings longer than a block
	cur    unsafe.Pointer
	used   int
}

var errFillStringTooLong = errors.New("string longer than 4 GiB")

// str returns the string_t of v: v itself when it fits in the string_t, else a copy of v in the arena.
func (a *fillArena) str(v string) (fillString, error) {
	n := len(v)
	if n > math.MaxUint32 {
		return fillString{}, errFillStringTooLong
	}
	st := fillString{n: uint32(n)}
	if n <= fillInlined {
		copy((*[16]byte)(unsafe.Pointer(&st))[4:], v)
		return st, nil
	}
	copy(st.pre[:], v)
	p := a.alloc(n)
	copy(unsafe.Slice((*byte)(p), n), v)
	st.ptr = uintptr(p)
	return st, nil
}

// alloc returns n bytes of C memory that stay valid until release.
func (a *fillArena) alloc(n int) unsafe.Pointer {
	if n > fillBlockSize {
		p := C.malloc(C.size_t(n))
		a.own = append(a.own, p)
		return p
	}
	if a.cur == nil || a.used+n > fillBlockSize {
		if a.next == len(a.blocks) {
			a.blocks = append(a.blocks, a.pool.get())
		}
		a.cur, a.used = a.blocks[a.next], 0
		a.next++
	}
	p := unsafe.Add(a.cur, a.used)
	a.used += n
	return p
}

// reuse makes the arena's memory available for new strings, keeping its blocks; no string_t made so far may be read
// afterwards.
func (a *fillArena) reuse() {
	for _, p := range a.own {
		C.free(p)
	}
	a.own, a.cur, a.used, a.next = a.own[:0], nil, 0, 0
}

// release gives the arena's memory back; no string_t made by it may be read afterwards.
func (a *fillArena) release() {
	a.reuse()
	for _, b := range a.blocks {
		a.pool.put(b)
	}
	a.blocks = nil
}
