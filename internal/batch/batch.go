// Package batch is the unit the stream carries: a set of events of one table, held column by column with their KQL
// types, and its compact binary encoding.
//
// JSON is parsed once, at the receiver, into a Batch; every consumer of the stream (store writer, stream detection)
// decodes the binary form, which costs a few copies and no parsing. Only the columns some event of the batch set are
// present; the others are null for every row.
package batch

import (
	"strconv"

	"github.com/vigilsec/vigil/internal/schema"
)

// Batch is a set of events of one table in columnar form.
type Batch struct {
	// ID identifies the batch; the stream uses it to drop a duplicate publish, and each event's id derives from it.
	ID string
	// Table names the schema table the events belong to.
	Table string
	// Received is when the receiver accepted the batch, in Unix microseconds.
	Received int64
	// Len is the number of rows.
	Len int
	// Columns holds the columns that at least one row sets, each with exactly Len values.
	Columns []*Column
}

// Column is one typed column of a batch. Exactly one value slice is used, chosen by Type:
//
//	string, guid, dynamic (JSON text)          → Strs
//	int, long, datetime (Unix µs), timespan (µs) → Ints
//	real, decimal                              → Floats
//	bool                                       → Bools
//
// Null marks the rows whose value is null; it is nil when no row is null.
type Column struct {
	Name   string
	Type   schema.Type
	Null   []bool
	Strs   []string
	Ints   []int64
	Floats []float64
	Bools  []bool
}

// Kind is the physical representation of a KQL type in a batch.
type Kind uint8

// The physical kinds.
const (
	KindString Kind = iota
	KindInt
	KindFloat
	KindBool
)

// KindOf returns the physical kind that holds values of KQL type t.
func KindOf(t schema.Type) Kind {
	switch t {
	case schema.TypeInt, schema.TypeLong, schema.TypeDatetime, schema.TypeTimespan:
		return KindInt
	case schema.TypeReal, schema.TypeDecimal:
		return KindFloat
	case schema.TypeBool:
		return KindBool
	default:
		return KindString
	}
}

// IsNull reports whether row i is null.
func (c *Column) IsNull(i int) bool { return c.Null != nil && c.Null[i] }

// Value returns row i as a Go value (string, int64, float64 or bool), or nil when it is null.
func (c *Column) Value(i int) any {
	if c.IsNull(i) {
		return nil
	}
	switch KindOf(c.Type) {
	case KindInt:
		return c.Ints[i]
	case KindFloat:
		return c.Floats[i]
	case KindBool:
		return c.Bools[i]
	default:
		return c.Strs[i]
	}
}

// Column returns the column called name, or nil.
func (b *Batch) Column(name string) *Column {
	for _, c := range b.Columns {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// ItemID returns the id of row i: the batch id and the row's position, unique across batches.
func (b *Batch) ItemID(i int) string { return b.ID + "-" + strconv.Itoa(i) }
