// Package tables helps normalisers that fill several schema tables from one input: a [Set] keeps one batch builder
// per table and hands full batches on, and a [Row] writes one row with values converted to each column's type.
package tables

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/schema"
)

// Sink hands a normaliser the builder of a table by name. A normaliser adds at most a few rows per input event and
// either commits or rolls back every row it began.
type Sink interface {
	Builder(table string) (*batch.Builder, error)
}

// Set is a [Sink] over a catalogue: it creates one builder per table on first use and counts committed rows. A Set
// is not safe for concurrent use.
type Set struct {
	cat      *schema.Catalog
	builders map[string]*batch.Builder
	list     []*batch.Builder // the builders in creation order, for Rows, which receivers call per record
	prefix   string
	seq      int
}

var _ Sink = (*Set)(nil)

// NewSet returns an empty Set over cat. Batch ids it makes start with a random prefix, so ids from two Sets never
// collide.
func NewSet(cat *schema.Catalog) *Set {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return &Set{cat: cat, builders: map[string]*batch.Builder{}, prefix: hex.EncodeToString(b[:])}
}

// Builder returns the builder of table, creating it on first use. It fails for a table the catalogue lacks.
func (s *Set) Builder(table string) (*batch.Builder, error) {
	if b, ok := s.builders[table]; ok {
		return b, nil
	}
	t, ok := s.cat.Table(table)
	if !ok {
		return nil, fmt.Errorf("unknown table %q", table)
	}
	b := batch.NewBuilder(t)
	s.builders[table] = b
	s.list = append(s.list, b)
	return b, nil
}

// Rows returns the number of committed rows not yet flushed, over all tables.
func (s *Set) Rows() int {
	n := 0
	for _, b := range s.list {
		n += b.Len()
	}
	return n
}

// Flush hands every non-empty builder's rows to emit as one batch per table, in table-name order, and resets them.
// The counts of the rows emitted, by table, are added to counts when it is not nil. It stops at the first error.
func (s *Set) Flush(emit func(*batch.Batch) error, counts map[string]int) error {
	names := make([]string, 0, len(s.builders))
	for name, b := range s.builders {
		if b.Len() > 0 {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	now := time.Now().UnixMicro()
	for _, name := range names {
		s.seq++
		bt := s.builders[name].Finish(s.prefix+"-"+strconv.Itoa(s.seq), now)
		if err := emit(bt); err != nil {
			return err
		}
		if counts != nil {
			counts[name] += bt.Len
		}
	}
	return nil
}

// Discard drops every builder's committed rows.
func (s *Set) Discard() {
	for _, b := range s.builders {
		b.Finish("", 0)
	}
}
