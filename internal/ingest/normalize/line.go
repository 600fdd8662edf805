package normalize

import (
	"fmt"
	"strings"

	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/x/jsonw"
)

// lineState holds the buffers of [JSON.Line], reused from line to line.
type lineState struct {
	key   []byte // a field name with escapes, unescaped
	val   []byte // a string value with escapes, unescaped, when its column parses it (not kept)
	nest  []byte // an object or array written compactly
	field string // the field whose value failed to convert
	text  []bool // by column position: the column holds text as it is (string, guid)
}

// SyntaxError is a line that is not the JSON [JSON.Line] accepts.
type SyntaxError struct {
	// Offset is the byte offset in the line where the problem was found.
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON: %s at column %d", e.Msg, e.Offset+1)
}

func syntaxErr(off int, msg string) error { return &SyntaxError{Offset: off, Msg: msg} }

// Line adds one line of NDJSON, a JSON object, as a row, walking its text once: each field's value is converted to
// its column's type as it is read, without building a tree of the object first. It accepts exactly what fastjson's
// parser followed by [JSON.Object] accepts and stores the same values byte for byte (an object or array as written
// without the whitespace between its tokens, as fastjson writes it back); scan.go lists what that accepts.
//
// A line that is not JSON gives a [*SyntaxError] (what and where); a value its column cannot hold gives a
// [*FieldError], reported only when the rest of the line is JSON. On error the row is not added.
func (j *JSON) Line(s []byte) error {
	i := skipSpace(s, 0)
	if i == len(s) {
		return syntaxErr(i, "empty line")
	}
	if s[i] != '{' {
		k, end, _, err := scanValue(s, i, 1)
		if err != nil {
			return err
		}
		if e := skipSpace(s, end); e < len(s) {
			return syntaxErr(e, "unexpected text after the value")
		}
		return fmt.Errorf("not a JSON object but %s", k)
	}
	if j.line.text == nil {
		j.line.text = make([]bool, len(j.t.Columns))
		for p, c := range j.t.Columns {
			j.line.text[p] = c.Type == schema.TypeString || c.Type == schema.TypeGUID
		}
	}
	j.b.Begin()
	j.extra = j.extra[:0]
	j.line.field = ""
	end, ferr, err := j.lineFields(s, i+1)
	if err == nil {
		if e := skipSpace(s, end); e < len(s) {
			err = syntaxErr(e, "unexpected text after the object")
		}
	}
	if err == nil && ferr != nil {
		err = &FieldError{Field: j.line.field, Reason: ferr.Error()}
	}
	return j.finish(err)
}

// lineFields reads the fields of the object whose '{' is just before s[i] into the row and returns the offset after
// its '}'. A value that does not convert stops the conversion of the fields after it (ferr, with its field in
// j.line.field), not the reading: the rest of the line must still be JSON.
func (j *JSON) lineFields(s []byte, i int) (end int, ferr, err error) {
	i = skipSpace(s, i)
	if i < len(s) && s[i] == '}' {
		return i + 1, nil, nil
	}
	for n := 0; ; n++ {
		if i >= len(s) || s[i] != '"' {
			return i, ferr, syntaxErr(i, "expected a field name in quotes")
		}
		// Most lines repeat the fields of the last one in the same order: a field name that is the one seen at
		// this place before is recognised by comparing bytes, without scanning for its end.
		var name string
		pos, kEnd := -1, -1
		if n < len(j.keys) && j.keys[n].plain {
			kc := &j.keys[n]
			if e := i + 1 + len(kc.name); e < len(s) && s[e] == '"' && string(s[i+1:e]) == kc.name {
				name, pos, kEnd = kc.name, kc.pos, e
			}
		}
		if kEnd < 0 {
			e, esc, err := scanString(s, i+1)
			if err != nil {
				return i, ferr, err
			}
			kEnd, name = e, b2s(s[i+1:e])
			if esc {
				j.line.key = unescapeAppend(j.line.key[:0], s[i+1:e])
				name = b2s(j.line.key)
			}
			if ferr == nil {
				pos = j.column(n, name)
			}
		}
		i = skipSpace(s, kEnd+1)
		if i >= len(s) || s[i] != ':' {
			return i, ferr, syntaxErr(i, "expected ':' after the field name")
		}
		i = skipSpace(s, i+1)
		if ferr != nil {
			_, i, _, err = scanValue(s, i, 2)
		} else if pos < 0 {
			i, err = j.lineExtra(s, i, name)
		} else {
			var e error
			i, e, err = j.lineValue(s, i, pos)
			if e != nil && err == nil {
				ferr, j.line.field = e, strings.Clone(name)
			}
		}
		if err != nil {
			return i, ferr, err
		}
		i = skipSpace(s, i)
		if i >= len(s) {
			return i, ferr, syntaxErr(i, "unexpected end of the line in an object")
		}
		switch s[i] {
		case ',':
			i = skipSpace(s, i+1)
		case '}':
			return i + 1, ferr, nil
		default:
			return i, ferr, syntaxErr(i, "expected ',' or '}' after a field's value")
		}
	}
}

// lineValue reads the value at s[i] into the column at pos and returns the offset after it. A value that does not
// convert gives ferr; a value that is not JSON gives err.
func (j *JSON) lineValue(s []byte, i, pos int) (end int, ferr, err error) {
	if i >= len(s) {
		return i, nil, syntaxErr(i, "missing value")
	}
	if s[i] == '"' {
		if j.line.text[pos] {
			// The common case: the text is found, unescaped and copied into the arena in one pass.
			v, vEnd, err := j.arena.scanString(s, i+1)
			if err != nil {
				return i, nil, err
			}
			j.b.SetString(pos, v)
			return vEnd + 1, nil, nil
		}
		vEnd, esc, err := scanString(s, i+1)
		if err != nil {
			return i, nil, err
		}
		raw := s[i+1 : vEnd]
		text := b2s(raw)
		if esc {
			j.line.val = unescapeAppend(j.line.val[:0], raw)
			text = b2s(j.line.val)
		}
		return vEnd + 1, j.put(pos, kindString, text), nil
	}
	k, end, ws, err := scanValue(s, i, 2)
	if err != nil {
		return end, nil, err
	}
	text := s[i:end]
	if ws {
		j.line.nest = appendCompact(j.line.nest[:0], text)
		text = j.line.nest
	}
	return end, j.put(pos, k, b2s(text)), nil
}

// lineExtra appends the field name and its value at s[i], as it is written but for the whitespace between tokens,
// to the _Extra object, and returns the offset after the value.
func (j *JSON) lineExtra(s []byte, i int, name string) (int, error) {
	_, end, ws, err := scanValue(s, i, 2)
	if err != nil {
		return end, err
	}
	if len(j.extra) == 0 {
		j.extra = append(j.extra, '{')
	} else {
		j.extra = append(j.extra, ',')
	}
	j.extra = jsonw.AppendString(j.extra, name)
	j.extra = append(j.extra, ':')
	if ws {
		j.extra = appendCompact(j.extra, s[i:end])
	} else {
		j.extra = append(j.extra, s[i:end]...)
	}
	return end, nil
}

// scanString reads the string whose opening quote is just before s[i] into the arena, unescaped (see
// unescapeOne), and returns it and the offset of its closing quote.
func (a *arena) scanString(s []byte, i int) (string, int, error) {
	room := len(s) - i
	if room > arenaChunk/4 {
		end, esc, err := scanString(s, i)
		if err != nil {
			return "", end, err
		}
		if esc {
			return string(unescapeAppend(nil, s[i:end])), end, nil
		}
		return a.bytes(s[i:end]), end, nil
	}
	if cap(a.chunk)-len(a.chunk) < room {
		a.chunk = make([]byte, 0, arenaChunk)
	}
	start := len(a.chunk)
	n, end := copyString(a.chunk[start:cap(a.chunk)], s, i)
	if end >= len(s) {
		return "", i - 1, syntaxErr(i-1, "unterminated string")
	}
	if n == 0 {
		return "", end, nil
	}
	a.chunk = a.chunk[:start+n]
	return b2s(a.chunk[start : start+n : start+n]), end, nil
}
