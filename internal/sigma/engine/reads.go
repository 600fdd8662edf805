package engine

import "github.com/vigilsec/vigil/internal/sigma/event"

// FieldSet is the set of event fields an [Engine] can read, by interned lower-case name ([event.Intern]).
type FieldSet struct {
	all bool
	ids []bool // by id
}

// All reports whether the engine may read any data field: some loaded rule has a keyword search.
func (s *FieldSet) All() bool { return s.all }

// Has reports whether the engine may read the field with the interned lower-case name id.
func (s *FieldSet) Has(id int32) bool {
	return s.all || (id >= 0 && int(id) < len(s.ids) && s.ids[id])
}

// Range calls fn with the id of every field of the set but those [FieldSet.All] adds.
func (s *FieldSet) Range(fn func(id int32)) {
	for id, ok := range s.ids {
		if ok {
			fn(int32(id))
		}
	}
}

func (s *FieldSet) add(n event.Name) {
	for int(n.ID) >= len(s.ids) {
		s.ids = append(s.ids, false)
	}
	s.ids[n.ID] = true
}

// Reads returns the fields evaluating an event can look up: the fields of every loaded rule's detection and filters
// (with their fieldref targets), the group-by, alias and value_count fields of the correlations, and the fields
// logsource routing reads (Channel, EventID, and the where conditions and alias targets of the routes that rules use
// or that alias fields). A field outside the set may be left
// out of an event without changing any match, explanation or correlation. When some rule has a keyword search, which
// reads every data field, the set holds every field ([FieldSet.All]).
func (e *Engine) Reads() *FieldSet { return e.reads }

// buildReads computes e.reads; it runs once rules and correlations are compiled.
func (e *Engine) buildReads() {
	s := &FieldSet{}
	for _, c := range e.rules {
		if c.det.Reads(s.add) {
			s.all = true
		}
		for _, f := range c.filters {
			if f.Reads(s.add) {
				s.all = true
			}
		}
	}
	for _, c := range e.corrs {
		names := append([]string{}, c.c.GroupBy...)
		if c.c.Type == "value_count" {
			names = append(names, c.c.Condition.Field)
		}
		for _, byRule := range c.c.Aliases {
			for _, alt := range byRule {
				names = append(names, alt)
			}
		}
		for _, n := range names {
			if n != "" {
				s.add(event.NewName(n))
			}
		}
	}
	if !e.cfg.noRouting {
		e.routing.Reads(s.add)
	}
	e.reads = s
}
