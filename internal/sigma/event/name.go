package event

import (
	"strings"
	"sync"
)

// registry interns lower-case field names to small integers shared by
// events and compiled rules, so lookups need no string hashing.
var registry = struct {
	sync.RWMutex
	ids   map[string]int32
	names []string
}{ids: map[string]int32{}}

// written caches the id of field names as events write them ("CommandLine"),
// so building an event costs one lookup per field instead of a lower-casing
// and an interning. It is capped: names beyond the cap are lower-cased each
// time, so names from untrusted input cannot grow it without bound.
var written = struct {
	sync.RWMutex
	ids map[string]int32
}{ids: map[string]int32{}}

const maxWritten = 1 << 16

// idOf returns the id of the lower-case form of name.
func idOf(name string) int32 {
	written.RLock()
	id, ok := written.ids[name]
	written.RUnlock()
	if ok {
		return id
	}
	id = Intern(strings.ToLower(name))
	written.Lock()
	if len(written.ids) < maxWritten {
		written.ids[strings.Clone(name)] = id
	}
	written.Unlock()
	return id
}

// lookupID returns the id of a lower-case name without interning it.
func lookupID(lower string) (int32, bool) {
	registry.RLock()
	defer registry.RUnlock()
	id, ok := registry.ids[lower]
	return id, ok
}

// Intern returns the id of a lower-case field name, assigning one on first
// use. Ids are dense, start at 0 and are stable for the process lifetime.
func Intern(lower string) int32 {
	registry.RLock()
	id, ok := registry.ids[lower]
	registry.RUnlock()
	if ok {
		return id
	}
	registry.Lock()
	defer registry.Unlock()
	if id, ok := registry.ids[lower]; ok {
		return id
	}
	id = int32(len(registry.ids))
	lower = strings.Clone(lower)
	registry.ids[lower] = id
	registry.names = append(registry.names, lower)
	return id
}

// NameOf returns the lower-case name interned as id, or "".
func NameOf(id int32) string {
	registry.RLock()
	defer registry.RUnlock()
	if id < 0 || int(id) >= len(registry.names) {
		return ""
	}
	return registry.names[id]
}

// Name is a field name prepared for lookups: as written, lower case, and
// interned.
type Name struct {
	Name  string
	Lower string
	ID    int32
}

// NewName prepares a field name.
func NewName(name string) Name {
	l := strings.ToLower(name)
	return Name{Name: name, Lower: l, ID: Intern(l)}
}

// IDer is implemented by events that can look up a field by its interned
// lower-case name ([Intern]); the lookup is case-insensitive. When an event
// has several names differing only in case, which one is returned is
// unspecified.
type IDer interface {
	FieldID(id int32) (any, bool)
}

// IDRanger is implemented by events that can list all their fields by
// interned id, saying which are data fields (see [Ranger]); the engine's
// index uses it to visit each field once.
type IDRanger interface {
	RangeID(fn func(id int32, value any, data bool) bool)
}

// Get returns the value of field n in ev: by id when ev implements [IDer],
// else through [Lookup].
func Get(ev Event, n Name) (any, bool) {
	if f, ok := ev.(IDer); ok {
		return f.FieldID(n.ID)
	}
	return Lookup(ev, n.Name, n.Lower)
}
