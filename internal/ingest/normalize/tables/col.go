package tables

import (
	"math"
	"strconv"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/schema"
)

// Col is a column of a table found once by name, for a normaliser that writes many rows: the setters that take a
// Col ([Row.StringCol], [Row.IntCol]) skip the lookup by name and do what the setters by name do. The zero Col is a
// column the table lacks, which setters ignore.
type Col struct {
	pos int // position in the table, plus one; 0: absent
	typ schema.Type
}

// Lookup returns the column of t called name, or the zero Col when t has none.
func Lookup(t *schema.Table, name string) Col {
	c, pos, ok := t.Column(name)
	if !ok {
		return Col{}
	}
	return Col{pos: pos + 1, typ: c.Type}
}

// Exists reports whether the table has the column.
func (c Col) Exists() bool { return c.pos > 0 }

// StringCol is [Row.String] for a column found with [Lookup] on the row's table.
func (r Row) StringCol(c Col, v string) {
	if v == "" || c.pos == 0 {
		return
	}
	if batch.KindOf(c.typ) != batch.KindString {
		r.text(c, v)
		return
	}
	r.b.SetString(c.pos-1, v)
}

// IntCol is [Row.Int] for a column found with [Lookup] on the row's table.
func (r Row) IntCol(c Col, v int64) {
	if c.pos == 0 {
		return
	}
	switch batch.KindOf(c.typ) {
	case batch.KindInt:
		if c.typ == schema.TypeInt && (v > math.MaxInt32 || v < math.MinInt32) {
			return
		}
		r.b.SetInt(c.pos-1, v)
	case batch.KindFloat:
		r.b.SetFloat(c.pos-1, float64(v))
	case batch.KindString:
		r.b.SetString(c.pos-1, strconv.FormatInt(v, 10))
	}
}

// TextCol is [Row.Text] for a column found with [Lookup] on the row's table.
func (r Row) TextCol(c Col, v string) bool {
	if v == "" {
		return true
	}
	if c.pos == 0 {
		return false
	}
	return r.text(c, v)
}
