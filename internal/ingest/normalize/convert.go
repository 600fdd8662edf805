package normalize

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/valyala/fastjson"
	"github.com/valyala/fastjson/fastfloat"

	"github.com/vigilsec/vigil/internal/schema"
)

// kind is the JSON kind of a field's value. Both ways into a row, the fastjson tree ([JSON.Object]) and the one-pass
// line decoder ([JSON.Line]), reduce a value to a kind and a text and convert it with [JSON.put], so the two follow
// the same rules.
type kind uint8

const (
	kindNull kind = iota
	kindString
	kindNumber
	kindTrue
	kindFalse
	kindObject
	kindArray
)

// String names k as fastjson's types are named, which error messages have always used.
func (k kind) String() string {
	switch k {
	case kindString:
		return "string"
	case kindNumber:
		return "number"
	case kindTrue:
		return "true"
	case kindFalse:
		return "false"
	case kindObject:
		return "object"
	case kindArray:
		return "array"
	}
	return "null"
}

// put converts a value of kind k to the type of the column at pos. text is a string's unescaped content, a number
// as written, or an object or array as compact JSON (none for true, false and null); it need only stay valid
// during the call: what is kept is copied into the arena.
func (j *JSON) put(pos int, k kind, text string) error {
	if k == kindNull {
		return nil // null: leave unset
	}
	typ := j.t.Columns[pos].Type
	switch typ {
	case schema.TypeString, schema.TypeGUID:
		j.b.SetString(pos, j.arena.bytes(s2b(literal(k, text))))
	case schema.TypeDynamic:
		if k == kindString {
			// A string holding a JSON object or array is stored as that value, as Log Analytics does.
			if t := strings.TrimSpace(text); len(t) > 1 && (t[0] == '{' || t[0] == '[') && fastjson.Validate(t) == nil {
				j.b.SetString(pos, j.arena.bytes(s2b(t)))
				return nil
			}
			j.quoted = quoteString(j.quoted[:0], text)
			j.b.SetString(pos, j.arena.bytes(j.quoted))
			return nil
		}
		j.b.SetString(pos, j.arena.bytes(s2b(literal(k, text))))
	case schema.TypeInt, schema.TypeLong:
		n, err := j.toInt(k, text)
		if err != nil {
			return err
		}
		if typ == schema.TypeInt && (n > math.MaxInt32 || n < math.MinInt32) {
			return fmt.Errorf("value %d out of range for int", n)
		}
		j.b.SetInt(pos, n)
	case schema.TypeReal, schema.TypeDecimal:
		f, err := toFloat(k, text)
		if err != nil {
			return err
		}
		j.b.SetFloat(pos, f)
	case schema.TypeBool:
		bv, err := j.toBool(k, text)
		if err != nil {
			return err
		}
		j.b.SetBool(pos, bv)
	case schema.TypeDatetime:
		if k != kindString {
			return fmt.Errorf("expected a datetime string, got %s", k)
		}
		us, err := ParseDatetime(text)
		if err != nil {
			return err
		}
		j.b.SetInt(pos, us)
	case schema.TypeTimespan:
		us, err := toSpan(k, text)
		if err != nil {
			return err
		}
		j.b.SetInt(pos, us)
	default:
		return fmt.Errorf("column type %s cannot be ingested", typ)
	}
	return nil
}

// literal returns the text a non-string value is stored as in a string column: true and false spelled out, a
// number as written, an object or array as compact JSON.
func literal(k kind, text string) string {
	switch k {
	case kindTrue:
		return "true"
	case kindFalse:
		return "false"
	}
	return text
}

// shown returns a value as error messages show it: as JSON text, a string quoted.
func (j *JSON) shown(k kind, text string) string {
	if k == kindString {
		j.quoted = quoteString(j.quoted[:0], text)
		return clip(string(j.quoted))
	}
	return clip(literal(k, text))
}

// quoteString appends s as a quoted string the way fastjson writes an unescaped string value back (which dynamic
// columns have always stored): as it is between quotes when it holds no quote, backslash or control character,
// else in Go's quoted form.
func quoteString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' {
			return strconv.AppendQuote(dst, s)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}

func (j *JSON) toInt(k kind, text string) (int64, error) {
	switch k {
	case kindNumber:
		if n, err := fastfloat.ParseInt64(text); err == nil {
			return n, nil
		}
		f, err := fastfloat.Parse(text)
		if err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<63 {
			return int64(f), nil
		}
		return 0, fmt.Errorf("expected an integer, got %s", clip(text))
	case kindString:
		s := strings.TrimSpace(text)
		if n, err := strconv.ParseInt(s, 0, 64); err == nil {
			return n, nil
		}
		if n, err := strconv.ParseUint(s, 0, 64); err == nil && n <= math.MaxInt64 {
			return int64(n), nil
		}
		return 0, fmt.Errorf("expected an integer, got %q", clip(s))
	case kindTrue:
		return 1, nil
	case kindFalse:
		return 0, nil
	}
	return 0, fmt.Errorf("expected an integer, got %s", k)
}

func toFloat(k kind, text string) (float64, error) {
	switch k {
	case kindNumber:
		return fastfloat.Parse(text)
	case kindString:
		s := strings.TrimSpace(text)
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return 0, fmt.Errorf("expected a number, got %q", clip(s))
		}
		return f, nil
	}
	return 0, fmt.Errorf("expected a number, got %s", k)
}

func (j *JSON) toBool(k kind, text string) (bool, error) {
	switch k {
	case kindTrue:
		return true, nil
	case kindFalse:
		return false, nil
	case kindNumber:
		n, err := fastfloat.ParseInt64(text)
		if err == nil && (n == 0 || n == 1) {
			return n == 1, nil
		}
	case kindString:
		switch strings.ToLower(strings.TrimSpace(text)) {
		case "true", "1":
			return true, nil
		case "false", "0":
			return false, nil
		}
	}
	return false, fmt.Errorf("expected a bool, got %s", j.shown(k, text))
}

func toSpan(k kind, text string) (int64, error) {
	switch k {
	case kindString:
		return ParseTimespan(text)
	case kindNumber:
		// A bare number is a count of seconds.
		f, err := fastfloat.Parse(text)
		if err != nil {
			return 0, err
		}
		return int64(math.Round(f * 1e6)), nil
	}
	return 0, fmt.Errorf("expected a timespan, got %s", k)
}
