package normalize

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unsafe"

	"github.com/valyala/fastjson"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/schema"
)

// FieldError says why a field's value cannot go into its column.
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string {
	if e.Field == "" {
		return e.Reason
	}
	return fmt.Sprintf("field %q: %s", e.Field, e.Reason)
}

// JSON writes JSON objects into rows of a batch builder, one object a row, converting each field to its column's
// type. Fields with no column go, as a JSON object, into the _Extra column. A JSON writer is not safe for concurrent
// use.
type JSON struct {
	b        *batch.Builder
	t        *schema.Table
	timePos  int
	extraPos int
	extra    []byte
	arena    arena
	// keys remembers the column of each field by its place in the last objects: events of one source mostly repeat
	// their fields in the same order, so a field is matched to its column by comparing its name with the one seen
	// at its place before, not by a lookup.
	keys []keyCol
}

// keyCol is a field name and the position of its column, or -1 when the field goes to _Extra.
type keyCol struct {
	name string
	pos  int
}

// NewJSON returns a JSON writer that fills b.
func NewJSON(b *batch.Builder) *JSON {
	t := b.Table()
	_, tp, _ := t.Column(t.TimeColumn)
	_, ep, _ := t.Column(schema.ColExtra)
	return &JSON{b: b, t: t, timePos: tp, extraPos: ep}
}

// Object adds o as one row. On error the row is not added and the error (a *FieldError) names the field.
func (j *JSON) Object(o *fastjson.Object) error {
	j.b.Begin()
	j.extra = j.extra[:0]
	var err error
	i := 0
	o.Visit(func(key []byte, v *fastjson.Value) {
		if err != nil {
			return
		}
		name := b2s(key)
		pos := j.column(i, name)
		i++
		if pos < 0 {
			j.addExtra(key, v)
			return
		}
		if e := j.set(pos, v); e != nil {
			err = &FieldError{Field: name, Reason: e.Error()}
		}
	})
	if err == nil && !j.b.IsSet(j.timePos) {
		err = &FieldError{Field: j.t.TimeColumn, Reason: "missing time column " + j.t.TimeColumn}
	}
	if err != nil {
		j.b.Rollback()
		return err
	}
	if len(j.extra) > 0 {
		j.extra = append(j.extra, '}')
		j.b.SetString(j.extraPos, string(j.extra))
	}
	j.b.Commit()
	return nil
}

// column returns the position of the column of the i-th field, called name, or -1 when the field goes to _Extra.
func (j *JSON) column(i int, name string) int {
	if i < len(j.keys) && j.keys[i].name == name {
		return j.keys[i].pos
	}
	_, pos, ok := j.t.Column(name)
	if !ok || name == schema.ColItemID || name == schema.ColTimeReceived || name == schema.ColExtra {
		pos = -1
	}
	if i < maxKeyCols {
		kc := keyCol{name: strings.Clone(name), pos: pos}
		if i < len(j.keys) {
			j.keys[i] = kc
		} else if i == len(j.keys) {
			j.keys = append(j.keys, kc)
		}
	}
	return pos
}

// maxKeyCols caps how many field places JSON remembers.
const maxKeyCols = 256

func (j *JSON) addExtra(key []byte, v *fastjson.Value) {
	if len(j.extra) == 0 {
		j.extra = append(j.extra, '{')
	} else {
		j.extra = append(j.extra, ',')
	}
	j.extra = strconv.AppendQuote(j.extra, b2s(key))
	j.extra = append(j.extra, ':')
	j.extra = v.MarshalTo(j.extra)
}

// set converts v to the type of the column at pos.
func (j *JSON) set(pos int, v *fastjson.Value) error {
	if v.Type() == fastjson.TypeNull {
		return nil // null: leave unset
	}
	col := j.t.Columns[pos]
	switch col.Type {
	case schema.TypeString, schema.TypeGUID:
		switch v.Type() {
		case fastjson.TypeString:
			j.b.SetString(pos, j.arena.str(v))
		case fastjson.TypeTrue, fastjson.TypeFalse, fastjson.TypeNumber:
			j.b.SetString(pos, j.arena.bytes(v.MarshalTo(j.arena.scratch[:0])))
		default:
			j.b.SetString(pos, j.arena.bytes(v.MarshalTo(j.arena.scratch[:0])))
		}
	case schema.TypeDynamic:
		if v.Type() == fastjson.TypeString {
			s := j.arena.str(v)
			// A string holding a JSON object or array is stored as that value, as Log Analytics does.
			if t := strings.TrimSpace(s); len(t) > 1 && (t[0] == '{' || t[0] == '[') && fastjson.Validate(t) == nil {
				j.b.SetString(pos, t)
				return nil
			}
		}
		j.b.SetString(pos, j.arena.bytes(v.MarshalTo(j.arena.scratch[:0])))
	case schema.TypeInt, schema.TypeLong:
		n, err := toInt(v)
		if err != nil {
			return err
		}
		if col.Type == schema.TypeInt && (n > math.MaxInt32 || n < math.MinInt32) {
			return fmt.Errorf("value %d out of range for int", n)
		}
		j.b.SetInt(pos, n)
	case schema.TypeReal, schema.TypeDecimal:
		f, err := toFloat(v)
		if err != nil {
			return err
		}
		j.b.SetFloat(pos, f)
	case schema.TypeBool:
		bv, err := toBool(v)
		if err != nil {
			return err
		}
		j.b.SetBool(pos, bv)
	case schema.TypeDatetime:
		if v.Type() != fastjson.TypeString {
			return fmt.Errorf("expected a datetime string, got %s", v.Type())
		}
		us, err := ParseDatetime(str(v))
		if err != nil {
			return err
		}
		j.b.SetInt(pos, us)
	case schema.TypeTimespan:
		us, err := toSpan(v)
		if err != nil {
			return err
		}
		j.b.SetInt(pos, us)
	default:
		return fmt.Errorf("column type %s cannot be ingested", col.Type)
	}
	return nil
}

func toInt(v *fastjson.Value) (int64, error) {
	switch v.Type() {
	case fastjson.TypeNumber:
		if n, err := v.Int64(); err == nil {
			return n, nil
		}
		f, err := v.Float64()
		if err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<63 {
			return int64(f), nil
		}
		return 0, fmt.Errorf("expected an integer, got %s", clip(v.String()))
	case fastjson.TypeString:
		s := strings.TrimSpace(str(v))
		if n, err := strconv.ParseInt(s, 0, 64); err == nil {
			return n, nil
		}
		if n, err := strconv.ParseUint(s, 0, 64); err == nil && n <= math.MaxInt64 {
			return int64(n), nil
		}
		return 0, fmt.Errorf("expected an integer, got %q", clip(s))
	case fastjson.TypeTrue:
		return 1, nil
	case fastjson.TypeFalse:
		return 0, nil
	}
	return 0, fmt.Errorf("expected an integer, got %s", v.Type())
}

func toFloat(v *fastjson.Value) (float64, error) {
	switch v.Type() {
	case fastjson.TypeNumber:
		return v.Float64()
	case fastjson.TypeString:
		s := strings.TrimSpace(str(v))
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return 0, fmt.Errorf("expected a number, got %q", clip(s))
		}
		return f, nil
	}
	return 0, fmt.Errorf("expected a number, got %s", v.Type())
}

func toBool(v *fastjson.Value) (bool, error) {
	switch v.Type() {
	case fastjson.TypeTrue:
		return true, nil
	case fastjson.TypeFalse:
		return false, nil
	case fastjson.TypeNumber:
		n, err := v.Int64()
		if err == nil && (n == 0 || n == 1) {
			return n == 1, nil
		}
	case fastjson.TypeString:
		switch strings.ToLower(strings.TrimSpace(str(v))) {
		case "true", "1":
			return true, nil
		case "false", "0":
			return false, nil
		}
	}
	return false, fmt.Errorf("expected a bool, got %s", clip(v.String()))
}

func toSpan(v *fastjson.Value) (int64, error) {
	switch v.Type() {
	case fastjson.TypeString:
		return ParseTimespan(str(v))
	case fastjson.TypeNumber:
		// A bare number is a count of seconds.
		f, err := v.Float64()
		if err != nil {
			return 0, err
		}
		return int64(math.Round(f * 1e6)), nil
	}
	return 0, fmt.Errorf("expected a timespan, got %s", v.Type())
}

// str returns a JSON string value that is valid only until the parser parses again.
func str(v *fastjson.Value) string {
	b, _ := v.StringBytes()
	return b2s(b)
}

// arena copies strings into large shared chunks, so a batch's many short strings cost a few allocations instead of
// one each. A chunk is never reallocated, so strings made from it stay valid.
type arena struct {
	chunk   []byte
	scratch []byte
}

const arenaChunk = 64 << 10

func (a *arena) bytes(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > arenaChunk/4 {
		return string(b)
	}
	if cap(a.chunk)-len(a.chunk) < len(b) {
		a.chunk = make([]byte, 0, arenaChunk)
	}
	start := len(a.chunk)
	a.chunk = append(a.chunk, b...)
	return b2s(a.chunk[start:len(a.chunk):len(a.chunk)])
}

func (a *arena) str(v *fastjson.Value) string {
	b, _ := v.StringBytes()
	return a.bytes(b)
}

func b2s(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}
