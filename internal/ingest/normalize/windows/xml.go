package windows

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"strings"

	"github.com/valyala/fastjson"
)

// maxXMLDepth bounds the nesting of an event's XML.
const maxXMLDepth = 32

// DecodeXML reads an event in the XML form Windows renders it (<Event xmlns=…><System>…</System><EventData>…
// </EventData></Event>), as Splunk's XmlWinEventLog source type, Windows Event Forwarding and wevtutil carry it.
func DecodeXML(s string) (*Event, error) {
	d := xml.NewDecoder(strings.NewReader(s))
	d.Strict = false
	for {
		tok, err := d.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil, malformed("no <Event> element")
			}
			return nil, malformed("XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if se.Name.Local != "Event" {
				return nil, malformed("XML root is <%s>, not <Event>", se.Name.Local)
			}
			v, err := xmlElement(d, se, 0)
			if err != nil {
				return nil, malformed("XML: %v", err)
			}
			b, err := json.Marshal(v)
			if err != nil {
				return nil, malformed("XML: %v", err)
			}
			jv, err := fastjson.ParseBytes(b)
			if err != nil {
				return nil, malformed("XML: %v", err)
			}
			return Decode(jv)
		}
	}
}

// xmlElement renders an element the way evtx_dump renders one as JSON: text alone as a string; attributes as
// "#attributes" beside "#text" and the child elements; children repeated under one name as an array.
func xmlElement(d *xml.Decoder, se xml.StartElement, depth int) (any, error) {
	if depth > maxXMLDepth {
		return nil, errors.New("nested too deeply")
	}
	obj := map[string]any{}
	if len(se.Attr) > 0 {
		attrs := map[string]any{}
		for _, a := range se.Attr {
			if a.Name.Space == "xmlns" || a.Name.Local == "xmlns" {
				continue
			}
			attrs[a.Name.Local] = a.Value
		}
		if len(attrs) > 0 {
			obj["#attributes"] = attrs
		}
	}
	var text strings.Builder
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			child, err := xmlElement(d, t, depth+1)
			if err != nil {
				return nil, err
			}
			name := t.Name.Local
			switch prev := obj[name].(type) {
			case nil:
				obj[name] = child
			case []any:
				obj[name] = append(prev, child)
			default:
				obj[name] = []any{prev, child}
			}
		case xml.CharData:
			text.Write(t)
		case xml.EndElement:
			txt := strings.TrimSpace(text.String())
			if len(obj) == 0 {
				return txt, nil
			}
			if txt != "" {
				obj["#text"] = txt
			}
			return obj, nil
		}
	}
}
