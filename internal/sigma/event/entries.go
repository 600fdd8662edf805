package event

import (
	"slices"
	"strings"
	"time"
)

// FromEntries returns a [Map] over ents, with timestamp ts. ents must be
// sorted by ID and, among equal IDs, by Name ([CompareEntries]), and hold no
// name twice; it is kept, not copied, and must not be modified while the Map
// is in use. It lets a caller that knows its field names in advance (the
// columns of a batch) build events without a map per event.
func FromEntries(ents []Entry, ts time.Time) *Map {
	return &Map{ents: ents, ts: ts}
}

// CompareEntries orders entries as [FromEntries] wants them.
func CompareEntries(a, b Entry) int {
	if a.ID != b.ID {
		if a.ID < b.ID {
			return -1
		}
		return 1
	}
	return strings.Compare(a.Name, b.Name)
}

// NameID returns the id of the lower-case form of name, interning it.
func NameID(name string) int32 { return idOf(name) }

// entryField returns the field called exactly name, for a Map with no
// underlying map.
func (m *Map) entryField(name string) (any, bool) {
	id, ok := knownID(name)
	if !ok {
		return nil, false
	}
	i, _ := slices.BinarySearchFunc(m.ents, id, func(e Entry, id int32) int {
		switch {
		case e.ID < id:
			return -1
		case e.ID > id:
			return 1
		}
		return 0
	})
	for ; i < len(m.ents) && m.ents[i].ID == id; i++ {
		if m.ents[i].Name == name {
			return m.ents[i].Value, true
		}
	}
	return nil, false
}

// knownID returns the id of the lower-case form of name without interning it.
func knownID(name string) (int32, bool) {
	written.RLock()
	id, ok := written.ids[name]
	written.RUnlock()
	if ok {
		return id, true
	}
	return lookupID(strings.ToLower(name))
}
