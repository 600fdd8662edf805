package tables

import (
	"math"
	"strconv"
	"strings"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/ingest/normalize"
	"github.com/vigilsec/vigil/internal/schema"
)

// Row writes one row of a builder by column name. Setters ignore a column the table lacks, and a value the column's
// type cannot hold (the Text setter reports it), so a normaliser can map one source onto tables that differ slightly.
// Values must be owned strings: the builder keeps them.
type Row struct {
	b *batch.Builder
	t *schema.Table
}

// Begin starts a row of b.
func Begin(b *batch.Builder) Row {
	b.Begin()
	return Row{b: b, t: b.Table()}
}

// Table returns the row's table.
func (r Row) Table() *schema.Table { return r.t }

// Has reports whether the table has a column called col.
func (r Row) Has(col string) bool {
	_, _, ok := r.t.Column(col)
	return ok
}

// IsSet reports whether col is set in the row.
func (r Row) IsSet(col string) bool {
	_, pos, ok := r.t.Column(col)
	return ok && r.b.IsSet(pos)
}

// String sets a string-kind column to v; an empty v leaves it null.
func (r Row) String(col, v string) {
	if v == "" {
		return
	}
	r.StringCol(Lookup(r.t, col), v)
}

// Int sets an integer column (int, long, or a datetime/timespan in µs); for a string column it writes the decimal
// text.
func (r Row) Int(col string, v int64) { r.IntCol(Lookup(r.t, col), v) }

// Bool sets a bool column.
func (r Row) Bool(col string, v bool) {
	c, pos, ok := r.t.Column(col)
	if ok && c.Type == schema.TypeBool {
		r.b.SetBool(pos, v)
	}
}

// parseInt reads a decimal integer or 0x-prefixed hex (never octal: "0080" is 80), up to MaxInt64.
func parseInt(v string) (int64, bool) {
	v = strings.TrimSpace(v)
	base := 10
	if len(v) > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X') {
		base, v = 16, v[2:]
	}
	u, err := strconv.ParseUint(v, base, 64)
	if err == nil {
		if u > math.MaxInt64 {
			return 0, false
		}
		return int64(u), true
	}
	n, err := strconv.ParseInt(v, base, 64)
	return n, err == nil
}

// Text sets col from text, converted to the column's type (integers in decimal or 0x hex, datetimes as
// [normalize.ParseDatetime] reads them). It reports false, leaving the column unset, when the text does not convert;
// empty text leaves the column null and reports true.
func (r Row) Text(col, v string) bool {
	if v == "" {
		return true
	}
	return r.TextCol(Lookup(r.t, col), v)
}

// text sets the existing column c from non-empty text (see [Row.Text]).
func (r Row) text(c Col, v string) bool {
	pos := c.pos - 1
	switch c.typ {
	case schema.TypeString, schema.TypeGUID, schema.TypeDynamic:
		r.b.SetString(pos, v)
	case schema.TypeInt, schema.TypeLong:
		n, ok := parseInt(v)
		if !ok {
			return false
		}
		if c.typ == schema.TypeInt && (n > math.MaxInt32 || n < math.MinInt32) {
			return false
		}
		r.b.SetInt(pos, n)
	case schema.TypeReal, schema.TypeDecimal:
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return false
		}
		r.b.SetFloat(pos, f)
	case schema.TypeBool:
		bv, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return false
		}
		r.b.SetBool(pos, bv)
	case schema.TypeDatetime:
		us, err := normalize.ParseDatetime(v)
		if err != nil {
			return false
		}
		r.b.SetInt(pos, us)
	case schema.TypeTimespan:
		us, err := normalize.ParseTimespan(v)
		if err != nil {
			return false
		}
		r.b.SetInt(pos, us)
	default:
		return false
	}
	return true
}

// Commit ends the row.
func (r Row) Commit() { r.b.Commit() }

// Rollback drops the row.
func (r Row) Rollback() { r.b.Rollback() }
