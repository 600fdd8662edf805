package normalize

import (
	"fmt"
	"strings"
	"unsafe"

	"github.com/valyala/fastjson"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/x/jsonw"
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
	// quoted holds a string value quoted again, for a dynamic column or an error message.
	quoted []byte
	// line is the state of the one-pass line decoder (see line.go).
	line lineState
}

// keyCol is a field name and the position of its column, or -1 when the field goes to _Extra.
type keyCol struct {
	name string
	pos  int
	// plain says the name has no quote, backslash or control character, so a JSON string holding it is written
	// as the name between quotes.
	plain bool
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
			err = &FieldError{Field: strings.Clone(name), Reason: e.Error()}
		}
	})
	return j.finish(err)
}

// finish ends the row begun by Object or Line: on err, or when the time column is missing, the row is rolled back
// and the error returned; otherwise the fields with no column go into _Extra and the row is committed.
func (j *JSON) finish(err error) error {
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
		kc := keyCol{name: strings.Clone(name), pos: pos, plain: plainKey(name)}
		if i < len(j.keys) {
			j.keys[i] = kc
		} else if i == len(j.keys) {
			j.keys = append(j.keys, kc)
		}
	}
	return pos
}

// plainKey reports whether name is written in JSON as it is between quotes.
func plainKey(name string) bool {
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < 0x20 || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// maxKeyCols caps how many field places JSON remembers.
const maxKeyCols = 256

func (j *JSON) addExtra(key []byte, v *fastjson.Value) {
	if len(j.extra) == 0 {
		j.extra = append(j.extra, '{')
	} else {
		j.extra = append(j.extra, ',')
	}
	j.extra = jsonw.AppendString(j.extra, b2s(key))
	j.extra = append(j.extra, ':')
	j.extra = v.MarshalTo(j.extra)
}

// set converts v to the type of the column at pos.
func (j *JSON) set(pos int, v *fastjson.Value) error {
	var k kind
	var text string
	switch v.Type() {
	case fastjson.TypeNull:
		return nil // null: leave unset
	case fastjson.TypeString:
		b, _ := v.StringBytes()
		k, text = kindString, b2s(b)
	case fastjson.TypeTrue:
		k = kindTrue
	case fastjson.TypeFalse:
		k = kindFalse
	case fastjson.TypeNumber:
		j.arena.scratch = v.MarshalTo(j.arena.scratch[:0])
		k, text = kindNumber, b2s(j.arena.scratch)
	case fastjson.TypeObject:
		j.arena.scratch = v.MarshalTo(j.arena.scratch[:0])
		k, text = kindObject, b2s(j.arena.scratch)
	case fastjson.TypeArray:
		j.arena.scratch = v.MarshalTo(j.arena.scratch[:0])
		k, text = kindArray, b2s(j.arena.scratch)
	}
	return j.put(pos, k, text)
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

func s2b(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

func b2s(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}
