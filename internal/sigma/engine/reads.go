package engine

import "github.com/vigilsec/vigil/internal/sigma/event"

// FieldSet is the set of event fields an [Engine] can read, by interned lower-case name ([event.Intern]), except on
// the events routed to a rule with a keyword search, which reads every data field ([Engine.ReadsEvery]).
type FieldSet struct {
	all    bool
	ids    []bool // by id
	every  []bool // by route index: a rule of the route has a keyword search
	routes bool   // some route is marked in every
}

// All reports whether the engine may read any data field of any event: a rule with a keyword search applies to
// every event (routing is off).
func (s *FieldSet) All() bool { return s.all }

// Has reports whether the engine may read the field with the interned lower-case name id of an event
// [Engine.ReadsEvery] is false for.
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

// Routed reports whether some events, by their routes, may have every field read ([Engine.ReadsEvery]).
func (s *FieldSet) Routed() bool { return s.routes }

func (s *FieldSet) add(n event.Name) {
	for int(n.ID) >= len(s.ids) {
		s.ids = append(s.ids, false)
	}
	s.ids[n.ID] = true
}

// Reads returns the fields evaluating an event can look up: the fields of every loaded rule's detection and filters
// (with their fieldref targets), the group-by, alias and value_count fields of the correlations, and the fields
// logsource routing reads (Channel, EventID, and the where conditions and alias targets of the routes that rules use
// or that alias fields). A field outside the set may be left out of an event without changing any match,
// explanation or correlation, unless [Engine.ReadsEvery] says the event reaches a rule with a keyword search (which
// reads every data field). With routing off, such a rule makes the set every field ([FieldSet.All]).
func (e *Engine) Reads() *FieldSet { return e.reads }

// ReadsEvery reports whether evaluating ev may read any of its data fields: a rule with a keyword search is routed
// to it. ev need only carry the fields of [Engine.Reads]: they include all that routing reads.
func (e *Engine) ReadsEvery(ev event.Event) bool {
	if e.reads.all {
		return true
	}
	if !e.reads.routes {
		return false
	}
	sc := e.getScratch()
	defer e.scratch.Put(sc)
	sc.routes = e.routing.MatchCached(ev, sc.routes[:0], &sc.lsCache)
	for _, r := range sc.routes {
		if e.reads.every[r.Index] {
			return true
		}
	}
	return false
}

// buildReads computes e.reads; it runs once rules, correlations and the routing table are ready.
func (e *Engine) buildReads() {
	s := &FieldSet{every: make([]bool, len(e.cfg.table.Routes))}
	for _, c := range e.rules {
		kw := c.det.Reads(s.add)
		for _, f := range c.filters {
			kw = f.Reads(s.add) || kw
		}
		if !kw {
			continue
		}
		if e.cfg.noRouting {
			s.all = true
			continue
		}
		for _, r := range c.routes {
			s.every[r.Index], s.routes = true, true
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
