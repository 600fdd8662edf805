package udf

import (
	"bytes"
	"database/sql/driver"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"strings"
)

// parse_xml turns XML text into a dynamic value by the conversion the Kusto documentation gives:
//
//	<e/>                          "e": null
//	<e>text</e>                   "e": "text"
//	<e name="value"/>             "e": {"@name": "value"}
//	<e name="value">text</e>      "e": {"@name": "value", "#text": "text"}
//	<e><a>x</a><b>y</b></e>       "e": {"a": "x", "b": "y"}
//	<e><a>x</a><a>y</a></e>       "e": {"a": ["x", "y"]}
//	<e>text<a>x</a></e>           "e": {"#text": "text", "a": "x"}
//
// Text that is not well-formed XML gives null.
func init() {
	Register(Func{Name: "kql_parse_xml", Args: []Type{String}, Result: JSON, Fn: func(a []driver.Value) (any, error) {
		s, _ := a[0].(string)
		v, err := ParseXML(s)
		if err != nil {
			return nil, nil
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, nil
		}
		return string(b), nil
	}})
}

// maxXMLDepth bounds element nesting so hostile input cannot exhaust the stack.
const maxXMLDepth = 256

var errXML = errors.New("not well-formed XML")

// xmlElem is an element being read: its attributes and children in document order, and its text.
type xmlElem struct {
	name string
	keys []string
	vals map[string]any
	text strings.Builder
}

func (e *xmlElem) add(key string, v any) {
	if e.vals == nil {
		e.vals = map[string]any{}
	}
	old, ok := e.vals[key]
	if !ok {
		e.keys = append(e.keys, key)
		e.vals[key] = v
		return
	}
	if list, isList := old.(xmlList); isList {
		e.vals[key] = append(list, v)
		return
	}
	e.vals[key] = xmlList{old, v}
}

// xmlList marks the arrays made from repeated elements (as opposed to values).
type xmlList []any

// value is the element's JSON value.
func (e *xmlElem) value() any {
	text := strings.TrimSpace(e.text.String())
	if len(e.keys) == 0 {
		if text == "" {
			return nil
		}
		return text
	}
	if text != "" {
		e.add("#text", text)
	}
	obj := make(orderedObject, 0, len(e.keys))
	for _, k := range e.keys {
		v := e.vals[k]
		if l, ok := v.(xmlList); ok {
			v = []any(l)
		}
		obj = append(obj, kv{k, v})
	}
	return obj
}

type kv struct {
	k string
	v any
}

// orderedObject is a JSON object that keeps the document order of its keys.
type orderedObject []kv

func (o orderedObject) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, p := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(p.k)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(p.v)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func xmlName(n xml.Name) string {
	if n.Space != "" {
		return n.Space + ":" + n.Local
	}
	return n.Local
}

// ParseXML converts an XML document to the value parse_xml returns (see above).
func ParseXML(s string) (any, error) {
	d := xml.NewDecoder(strings.NewReader(s))
	d.Strict = true
	root := &xmlElem{}
	stack := []*xmlElem{root}
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		top := stack[len(stack)-1]
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) > maxXMLDepth || (top == root && len(root.keys) > 0) {
				return nil, errXML
			}
			e := &xmlElem{name: xmlName(t.Name)}
			for _, a := range t.Attr {
				e.add("@"+xmlName(a.Name), a.Value)
			}
			stack = append(stack, e)
		case xml.EndElement:
			if top == root || top.name != xmlName(t.Name) {
				return nil, errXML
			}
			stack = stack[:len(stack)-1]
			stack[len(stack)-1].add(top.name, top.value())
		case xml.CharData:
			if top == root {
				if strings.TrimSpace(string(t)) != "" {
					return nil, errXML
				}
				continue
			}
			top.text.Write(t)
		}
	}
	if len(stack) != 1 || len(root.keys) == 0 {
		return nil, errXML
	}
	return root.value(), nil
}
