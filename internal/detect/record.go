package detect

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/valyala/fastjson"
)

// recordDecoder decodes kept records (the JSON objects in AdditionalFields and _Extra) into maps holding what
// encoding/json's Unmarshal would put there (float64 numbers, []any arrays, map[string]any objects), at a fraction
// of its cost: text that encoding/json accepts is parsed with fastjson, except text where the two could differ
// (invalid UTF-8, which encoding/json replaces; \uD800-\uDFFF escapes, whose lone halves it replaces; a number that
// does not fit a float64; nesting deeper than fastjson reads), which is left to encoding/json. A recordDecoder is not
// safe for concurrent use.
type recordDecoder struct {
	p fastjson.Parser
}

// decode fills bag (cleared by the caller) with the members of the JSON object text and reports whether text is one.
// keep, when not nil, names the members worth converting: the others are only checked (a number that does not fit a
// float64 makes the text no object for encoding/json, whichever member holds it), and may or may not be in bag.
func (rd *recordDecoder) decode(text string, bag map[string]any, keep func(name []byte) bool) bool {
	if !json.Valid([]byte(text)) {
		return false
	}
	if utf8.ValidString(text) && !strings.Contains(text, `\ud`) && !strings.Contains(text, `\uD`) {
		if v, err := rd.p.Parse(text); err == nil && v.Type() == fastjson.TypeObject {
			o, _ := v.Object()
			ok := true
			o.Visit(func(k []byte, x *fastjson.Value) {
				if !ok {
					return
				}
				if keep != nil && !keep(k) {
					ok = recordCheck(x)
					return
				}
				var val any
				if val, ok = recordValue(x); ok {
					bag[string(k)] = val
				}
			})
			if ok {
				return true
			}
			clear(bag)
		}
	}
	err := json.Unmarshal([]byte(text), &bag)
	return err == nil && bag != nil
}

// recordValue converts a fastjson value; it reports false for a number that does not fit a float64.
func recordValue(v *fastjson.Value) (any, bool) {
	switch v.Type() {
	case fastjson.TypeString:
		b, _ := v.StringBytes()
		return string(b), true
	case fastjson.TypeNumber:
		f, err := strconv.ParseFloat(string(v.MarshalTo(nil)), 64)
		return f, err == nil
	case fastjson.TypeTrue:
		return true, true
	case fastjson.TypeFalse:
		return false, true
	case fastjson.TypeNull:
		return nil, true
	case fastjson.TypeArray:
		a, _ := v.Array()
		out := make([]any, len(a))
		for i, x := range a {
			var ok bool
			if out[i], ok = recordValue(x); !ok {
				return nil, false
			}
		}
		return out, true
	case fastjson.TypeObject:
		o, _ := v.Object()
		out := make(map[string]any, o.Len())
		ok := true
		o.Visit(func(k []byte, x *fastjson.Value) {
			if !ok {
				return
			}
			var val any
			if val, ok = recordValue(x); ok {
				out[string(k)] = val
			}
		})
		return out, ok
	}
	return nil, false
}

// recordCheck reports whether recordValue would convert v, without converting it.
func recordCheck(v *fastjson.Value) bool {
	switch v.Type() {
	case fastjson.TypeNumber:
		_, err := strconv.ParseFloat(string(v.MarshalTo(nil)), 64)
		return err == nil
	case fastjson.TypeArray:
		a, _ := v.Array()
		for _, x := range a {
			if !recordCheck(x) {
				return false
			}
		}
	case fastjson.TypeObject:
		o, _ := v.Object()
		ok := true
		o.Visit(func(_ []byte, x *fastjson.Value) { ok = ok && recordCheck(x) })
		return ok
	}
	return true
}
