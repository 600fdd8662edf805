package event

import (
	_ "embed"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// fieldmapYAML maps Sigma field names to paths under the EVTX "System"
// element. EventData and UserData children are taken as is (spaces removed).
//
//go:embed fieldmap.yml
var fieldmapYAML []byte

// SystemField is one entry of the System field map: the Sigma field name and
// the candidate paths (dot-separated) under System, first present wins.
type SystemField struct {
	Name  string   `yaml:"name"`
	Paths []string `yaml:"paths"`
}

// SystemFields is the System field map loaded from fieldmap.yml.
var SystemFields = mustFieldmap()

func mustFieldmap() []SystemField {
	var doc struct {
		System []SystemField `yaml:"system"`
	}
	if err := yaml.Unmarshal(fieldmapYAML, &doc); err != nil {
		panic(fmt.Sprintf("event: bad embedded fieldmap.yml: %v", err))
	}
	return doc.System
}

// IsEvtx reports whether obj looks like a Windows event-log record rendered to
// JSON (a System element, optionally under "Event").
func IsEvtx(obj map[string]any) bool {
	if ev, ok := obj["Event"].(map[string]any); ok {
		obj = ev
	}
	_, ok := obj["System"].(map[string]any)
	return ok
}

// FromEvtx flattens a Windows event-log record rendered to JSON into Sigma
// field names. It accepts the evtx_dump shape ({"Event": {"System": ...,
// "EventData": ...}} with "#attributes" and "#text") and the Velocidex shape
// ({"System": {"EventID": {"Value": 1}}, "EventData": ...}). System fields are
// renamed per fieldmap.yml (EventID, Channel, Provider_Name, Computer, ...);
// EventData and UserData fields keep their names with spaces removed
// ("Threat Name" becomes "ThreatName"); nested values get dotted names.
// System fields are the envelope: keyword searches do not look at them
// (see [Ranger]).
func FromEvtx(obj map[string]any) *Map {
	if ev, ok := obj["Event"].(map[string]any); ok {
		obj = ev
	}
	sys, _ := obj["System"].(map[string]any)
	out := make(map[string]any, 48)
	envelope := make(map[string]bool, len(SystemFields))
	for _, f := range SystemFields {
		for _, p := range f.Paths {
			if v, ok := path(sys, p); ok {
				out[f.Name] = scalar(v)
				envelope[f.Name] = true
				break
			}
		}
	}
	if ed, ok := obj["EventData"]; ok {
		data(ed, out, envelope)
	}
	if ud, ok := obj["UserData"].(map[string]any); ok {
		for _, v := range ud {
			data(v, out, envelope)
		}
	}
	ts, _ := ParseTime(out["TimeCreated"])
	return newMap(out, ts, envelope)
}

// data copies EventData-like children into out; a data field with the name
// of an envelope field replaces it and is data.
func data(v any, out map[string]any, envelope map[string]bool) {
	m, ok := v.(map[string]any)
	if !ok {
		if v != nil {
			out["Data"] = v
		}
		return
	}
	for k, v := range m {
		if strings.HasPrefix(k, "#") || strings.HasPrefix(k, "xmlns") {
			continue
		}
		name := strings.ReplaceAll(k, " ", "")
		if sub, ok := v.(map[string]any); ok {
			if t, ok := sub["#text"]; ok {
				out[name] = t
				delete(envelope, name)
				continue
			}
			flat := map[string]any{}
			flatten(name, name == "", sub, flat)
			for fk, fv := range flat {
				if !strings.Contains(fk, "#attributes") {
					out[fk] = fv
				}
			}
			continue
		}
		if _, exists := out[name]; exists && k != name && !envelope[name] {
			continue
		}
		out[name] = v
		delete(envelope, name)
	}
}

// path follows a dotted path through nested maps; at each step a key may also
// be found under "#attributes".
func path(m map[string]any, p string) (any, bool) {
	var cur any = m
	for _, part := range strings.Split(p, ".") {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		next, ok := mm[part]
		if !ok {
			attrs, _ := mm["#attributes"].(map[string]any)
			if next, ok = attrs[part]; !ok {
				return nil, false
			}
		}
		cur = next
	}
	return cur, cur != nil
}

// scalar unwraps {"Value": x} and {"#text": x} objects.
func scalar(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	for _, k := range []string{"Value", "#text"} {
		if x, ok := m[k]; ok {
			return x
		}
	}
	return v
}
