package batch

import "github.com/vigilsec/vigil/internal/schema"

// Builder accumulates rows of one table into a Batch. A row is started with [Builder.Begin], filled with the Set
// methods (columns left unset are null) and ended with [Builder.Commit] or dropped with [Builder.Rollback].
// A Builder is not safe for concurrent use.
type Builder struct {
	table *schema.Table
	cols  []*Column // by table column position; nil until first set
	order []int     // positions in first-set order
	n     int       // committed rows
	set   []bool    // by position: set in the current row
	dirty []int     // positions set in the current row
	// last is the row count of the previous batch: a column's values start with room for as many, so a builder
	// that fills batches of similar sizes does not grow every value slice from empty each time.
	last int
}

// NewBuilder returns a Builder for table t.
func NewBuilder(t *schema.Table) *Builder {
	return &Builder{table: t, cols: make([]*Column, len(t.Columns)), set: make([]bool, len(t.Columns))}
}

// Grow gives every column of the batch being built room for n rows in all, the columns set so far and those first
// set later, for a caller that expects about n rows; it changes no value. After a Finish the next batch is sized
// like the last one anyway.
func (b *Builder) Grow(n int) {
	if n > b.last {
		b.last = n
	}
	for _, c := range b.cols {
		if c != nil {
			c.grow(n)
		}
	}
}

// grow gives the slices of c capacity for n values.
func (c *Column) grow(n int) {
	if c.Null != nil && cap(c.Null) < n {
		c.Null = append(make([]bool, 0, n), c.Null...)
	}
	switch KindOf(c.Type) {
	case KindInt:
		if cap(c.Ints) < n {
			c.Ints = append(make([]int64, 0, n), c.Ints...)
		}
	case KindFloat:
		if cap(c.Floats) < n {
			c.Floats = append(make([]float64, 0, n), c.Floats...)
		}
	case KindBool:
		if cap(c.Bools) < n {
			c.Bools = append(make([]bool, 0, n), c.Bools...)
		}
	default:
		if cap(c.Strs) < n {
			c.Strs = append(make([]string, 0, n), c.Strs...)
		}
	}
}

// Table returns the builder's table.
func (b *Builder) Table() *schema.Table { return b.table }

// Len returns the number of committed rows.
func (b *Builder) Len() int { return b.n }

// Begin starts a new row.
func (b *Builder) Begin() {
	for _, p := range b.dirty {
		b.set[p] = false
	}
	b.dirty = b.dirty[:0]
}

func (b *Builder) col(pos int) *Column {
	c := b.cols[pos]
	if c == nil {
		tc := b.table.Columns[pos]
		c = &Column{Name: tc.Name, Type: tc.Type}
		c.reserve(max(b.last, b.n+1))
		b.cols[pos] = c
		b.order = append(b.order, pos)
		// Rows before this one are null.
		if b.n > 0 {
			c.Null = make([]bool, b.n, max(b.last, b.n+64))
			for i := range c.Null {
				c.Null[i] = true
			}
			c.pad(b.n)
		}
	}
	return c
}

// reserve gives the empty value slice of c room for n values.
func (c *Column) reserve(n int) {
	switch KindOf(c.Type) {
	case KindInt:
		c.Ints = make([]int64, 0, n)
	case KindFloat:
		c.Floats = make([]float64, 0, n)
	case KindBool:
		c.Bools = make([]bool, 0, n)
	default:
		c.Strs = make([]string, 0, n)
	}
}

// pad appends zero values so the value slice has n entries.
func (c *Column) pad(n int) {
	switch KindOf(c.Type) {
	case KindInt:
		for len(c.Ints) < n {
			c.Ints = append(c.Ints, 0)
		}
	case KindFloat:
		for len(c.Floats) < n {
			c.Floats = append(c.Floats, 0)
		}
	case KindBool:
		for len(c.Bools) < n {
			c.Bools = append(c.Bools, false)
		}
	default:
		for len(c.Strs) < n {
			c.Strs = append(c.Strs, "")
		}
	}
}

// mark records that position pos is set in the current row and reports false if it already was.
func (b *Builder) mark(pos int) bool {
	if b.set[pos] {
		return false
	}
	b.set[pos] = true
	b.dirty = append(b.dirty, pos)
	return true
}

// SetString sets a string-kind column (string, guid, dynamic) at position pos. A second set in a row wins.
func (b *Builder) SetString(pos int, v string) {
	c := b.col(pos)
	if !b.mark(pos) {
		c.Strs[b.n] = v
		return
	}
	c.Strs = append(c.Strs, v)
}

// SetInt sets an int-kind column (int, long, datetime µs, timespan µs) at position pos.
func (b *Builder) SetInt(pos int, v int64) {
	c := b.col(pos)
	if !b.mark(pos) {
		c.Ints[b.n] = v
		return
	}
	c.Ints = append(c.Ints, v)
}

// SetFloat sets a float-kind column (real, decimal) at position pos.
func (b *Builder) SetFloat(pos int, v float64) {
	c := b.col(pos)
	if !b.mark(pos) {
		c.Floats[b.n] = v
		return
	}
	c.Floats = append(c.Floats, v)
}

// SetBool sets a bool column at position pos.
func (b *Builder) SetBool(pos int, v bool) {
	c := b.col(pos)
	if !b.mark(pos) {
		c.Bools[b.n] = v
		return
	}
	c.Bools = append(c.Bools, v)
}

// IsSet reports whether position pos has been set in the current row.
func (b *Builder) IsSet(pos int) bool { return b.set[pos] }

// Commit ends the current row: columns not set in it become null.
func (b *Builder) Commit() {
	for _, pos := range b.order {
		c := b.cols[pos]
		if b.set[pos] {
			if c.Null != nil {
				c.Null = append(c.Null, false)
			}
			continue
		}
		if c.Null == nil {
			c.Null = make([]bool, b.n, max(b.last, b.n+64))
		}
		c.Null = append(c.Null, true)
		c.pad(b.n + 1)
	}
	b.n++
	b.Begin()
}

// Rollback drops the values set in the current row.
func (b *Builder) Rollback() {
	for _, pos := range b.dirty {
		c := b.cols[pos]
		switch KindOf(c.Type) {
		case KindInt:
			c.Ints = c.Ints[:b.n]
		case KindFloat:
			c.Floats = c.Floats[:b.n]
		case KindBool:
			c.Bools = c.Bools[:b.n]
		default:
			c.Strs = c.Strs[:b.n]
		}
	}
	b.Begin()
}

// Finish returns the batch built so far, with columns in table order, and resets the builder.
func (b *Builder) Finish(id string, received int64) *Batch {
	b.Begin()
	out := &Batch{ID: id, Table: b.table.Name, Received: received, Len: b.n}
	for pos, c := range b.cols {
		if c != nil {
			out.Columns = append(out.Columns, c)
			b.cols[pos] = nil
		}
	}
	b.order = b.order[:0]
	b.last, b.n = b.n, 0
	return out
}
