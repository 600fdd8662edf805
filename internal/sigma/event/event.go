// Package event defines how the Sigma engine reads events: the [Event]
// interface the pipeline implements, a map-backed implementation for JSON
// events ([Map]), and the flattening of Windows event-log JSON (EVTX rendered
// by evtx_dump or the Velocidex parser) into Sigma field names
// ([FromEvtx]).
//
// Field names: the Sigma specification says field names are case-sensitive,
// but SigmaHQ rules and common backends treat them case-insensitively
// (rules say "Imphash", events say "IMPHASH"). Lookups through [Lookup] try
// the exact name first and then a case-insensitive match.
package event

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Event is one event under evaluation. Field returns the value of a Sigma
// field name and whether the event has it. Values are string, bool, nil,
// json.Number, integer and float types, []any (a multi-valued field matches
// if any element does) or time.Time. Implementations must be safe for
// concurrent reads; the engine never mutates an event.
type Event interface {
	Field(name string) (any, bool)
}

// Folder is implemented by events that can look up a field by its lower-case
// name in addition to [Event.Field].
type Folder interface {
	FieldFold(lower string) (any, bool)
}

// Ranger is implemented by events that can list their data fields; keyword
// searches (values matched against any field) need it. Envelope fields
// (for Windows events, the System element: Channel, Provider_Guid,
// TimeCreated, ...) are not data and are not listed.
type Ranger interface {
	Range(fn func(name string, value any) bool)
}

// Timed is implemented by events that carry their own timestamp; correlation
// windows use it.
type Timed interface {
	Time() time.Time
}

// Lookup returns the value of field name in ev, falling back to a
// case-insensitive match when ev implements [Folder]. lower must be
// strings.ToLower(name).
func Lookup(ev Event, name, lower string) (any, bool) {
	if v, ok := ev.Field(name); ok {
		return v, true
	}
	if f, ok := ev.(Folder); ok {
		return f.FieldFold(lower)
	}
	return nil, false
}

// Map is an [Event] backed by a flat map from field name to value. Build it
// with [NewMap], [FromJSON] or [FromEvtx]; it is immutable afterwards.
type Map struct {
	fields map[string]any
	// ents holds every field sorted by interned id (then name): one
	// allocation per event, searched by id.
	ents []Entry
	ts   time.Time
}

// Entry is one field of a [Map]: its name as written, the interned id of its
// lower-case form ([Intern]) and its value. Entries built outside this
// package are data fields (see [Ranger]).
type Entry struct {
	ID       int32
	envelope bool
	Name     string
	Value    any
}

var (
	_ Event    = (*Map)(nil)
	_ Folder   = (*Map)(nil)
	_ Ranger   = (*Map)(nil)
	_ IDRanger = (*Map)(nil)
	_ IDer     = (*Map)(nil)
	_ Timed    = (*Map)(nil)
)

// NewMap returns a [Map] over fields (not copied) with timestamp ts. All
// fields are data fields.
func NewMap(fields map[string]any, ts time.Time) *Map {
	return newMap(fields, ts, nil)
}

// newMap is [NewMap] with the names of envelope (non-data) fields.
func newMap(fields map[string]any, ts time.Time, envelope map[string]bool) *Map {
	// The fields are gathered unsorted into a scratch slice (on the stack for
	// the usual sizes), ordered by sorting (id, position) pairs, which hold no
	// pointers, and copied once into place.
	var tmpBuf [64]Entry
	var orderBuf [64]uint64
	tmp, order := tmpBuf[:0], orderBuf[:0]
	for k, v := range fields {
		id := idOf(k)
		order = append(order, uint64(uint32(id))<<32|uint64(len(tmp)))
		tmp = append(tmp, Entry{ID: id, envelope: envelope[k], Name: k, Value: v})
	}
	slices.Sort(order)
	m := &Map{fields: fields, ts: ts, ents: make([]Entry, len(tmp))}
	for i, o := range order {
		m.ents[i] = tmp[uint32(o)]
	}
	// Names that differ only in case share an id; among them, order by name.
	for i := 1; i < len(m.ents); i++ {
		if m.ents[i].ID == m.ents[i-1].ID {
			j := i
			for j+1 < len(m.ents) && m.ents[j+1].ID == m.ents[i].ID {
				j++
			}
			slices.SortFunc(m.ents[i-1:j+1], func(a, b Entry) int { return strings.Compare(a.Name, b.Name) })
			i = j
		}
	}
	return m
}

// Field implements [Event].
func (m *Map) Field(name string) (any, bool) {
	if m.fields == nil {
		return m.entryField(name)
	}
	v, ok := m.fields[name]
	return v, ok
}

// FieldFold implements [Folder]. Every field name was interned when the map
// was built, so a name that is not interned is no field of it.
func (m *Map) FieldFold(lower string) (any, bool) {
	id, ok := lookupID(lower)
	if !ok {
		return nil, false
	}
	return m.FieldID(id)
}

// Range implements [Ranger].
// Data fields are visited in a fixed order.
func (m *Map) Range(fn func(string, any) bool) {
	for i := range m.ents {
		if e := &m.ents[i]; !e.envelope && !fn(e.Name, e.Value) {
			return
		}
	}
}

// RangeID implements [IDRanger].
func (m *Map) RangeID(fn func(int32, any, bool) bool) {
	for i := range m.ents {
		if e := &m.ents[i]; !fn(e.ID, e.Value, !e.envelope) {
			return
		}
	}
}

// FieldID implements [IDer].
func (m *Map) FieldID(id int32) (any, bool) {
	ents := m.ents
	lo, hi := 0, len(ents)
	for lo < hi {
		h := int(uint(lo+hi) >> 1)
		if ents[h].ID < id {
			lo = h + 1
		} else {
			hi = h
		}
	}
	if lo < len(ents) && ents[lo].ID == id {
		return ents[lo].Value, true
	}
	return nil, false
}

// Time implements [Timed]; it is the zero time when unknown.
func (m *Map) Time() time.Time { return m.ts }

// Fields returns the fields as a map: the underlying one, which callers must
// not modify, or for a Map built by [FromEntries] a new one.
func (m *Map) Fields() map[string]any {
	if m.fields == nil {
		out := make(map[string]any, len(m.ents))
		for _, e := range m.ents {
			out[e.Name] = e.Value
		}
		return out
	}
	return m.fields
}

// MarshalJSON renders the fields.
func (m *Map) MarshalJSON() ([]byte, error) { return json.Marshal(m.Fields()) }

// TimeFields are the flat fields [FromJSON] reads a timestamp from, in order.
var TimeFields = []string{"@timestamp", "timestamp", "TimeCreated", "UtcTime", "time"}

// FromJSON builds a [Map] from a decoded JSON object. Windows event-log
// objects (with System/EventData, optionally wrapped in "Event") are
// flattened by [FromEvtx]; any other object has nested objects flattened to
// dotted names ("a": {"b": 1} gives "a.b"), keeping top-level names as is.
// An object without nested objects is used as it is, not copied: it must not
// be modified afterwards.
func FromJSON(obj map[string]any) *Map {
	if IsEvtx(obj) {
		return FromEvtx(obj)
	}
	flat := obj
	if hasNested(obj) {
		flat = make(map[string]any, len(obj))
		flatten("", true, obj, flat)
	}
	var ts time.Time
	for _, f := range TimeFields {
		if v, ok := flat[f]; ok {
			if t, ok := ParseTime(v); ok {
				ts = t
				break
			}
		}
	}
	return NewMap(flat, ts)
}

func hasNested(obj map[string]any) bool {
	for _, v := range obj {
		if _, ok := v.(map[string]any); ok {
			return true
		}
	}
	return false
}

// flatten adds the members of obj to out under prefix + "." + name, or name alone at the top level (an empty
// member name is a name too: {"": {"": 0}} gives ".").
func flatten(prefix string, top bool, obj map[string]any, out map[string]any) {
	for k, v := range obj {
		name := k
		if !top {
			name = prefix + "." + k
		}
		if sub, ok := v.(map[string]any); ok {
			flatten(name, false, sub, out)
			continue
		}
		out[name] = v
	}
}

// ParseTime converts a timestamp value: RFC 3339 (or "2006-01-02 15:04:05.999")
// strings, Unix seconds as numbers, or time.Time.
func ParseTime(v any) (time.Time, bool) {
	switch v := v.(type) {
	case time.Time:
		return v, true
	case string:
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999"} {
			if t, err := time.Parse(layout, v); err == nil {
				return t.UTC(), true
			}
		}
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			return unixFloat(f), true
		}
	case json.Number:
		if f, err := v.Float64(); err == nil {
			return unixFloat(f), true
		}
	case float64:
		return unixFloat(v), true
	case int64:
		return time.Unix(v, 0).UTC(), true
	case int:
		return time.Unix(int64(v), 0).UTC(), true
	}
	return time.Time{}, false
}

func unixFloat(f float64) time.Time {
	sec := int64(f)
	return time.Unix(sec, int64((f-float64(sec))*1e9)).UTC()
}

// WithTime returns m with timestamp ts (m itself when ts is zero). The copy
// shares m's fields.
func (m *Map) WithTime(ts time.Time) *Map {
	if ts.IsZero() {
		return m
	}
	c := *m
	c.ts = ts
	return &c
}
