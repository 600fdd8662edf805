package logsource

import "github.com/vigilsec/vigil/internal/sigma/event"

// Reads calls fn, in no particular order, with the name of every event field routing by t can look up: Channel,
// EventID, the fields of the routes' where conditions and the event fields the routes' aliases stand for.
func (t *Table) Reads(fn func(event.Name)) {
	fn(channelName)
	fn(eventIDName)
	for _, r := range t.Routes {
		for _, w := range r.whereFields {
			fn(w.name)
		}
		for _, n := range r.aliasIDs {
			fn(n)
		}
	}
}

// Subset returns a table routing events only to the routes of t that keep accepts, in t's order and with their
// index in t: [Table.Match] on it gives t's routes without the others. Its Routes lists the kept routes only, so
// indexes do not follow positions; [Table.For] on it is not meaningful.
func (t *Table) Subset(keep func(*Route) bool) *Table {
	s := &Table{byChannel: map[string]*channelRoutes{}}
	for k, cr := range t.byChannel {
		sub := &channelRoutes{byID: map[int64][]*Route{}}
		for id, rs := range cr.byID {
			for _, r := range rs {
				if keep(r) {
					sub.byID[id] = append(sub.byID[id], r)
				}
			}
		}
		for _, r := range cr.anyID {
			if keep(r) {
				sub.anyID = append(sub.anyID, r)
			}
		}
		if len(sub.byID) > 0 || len(sub.anyID) > 0 {
			s.byChannel[k] = sub
		}
	}
	for _, r := range t.Routes {
		if keep(r) {
			s.Routes = append(s.Routes, r)
		}
	}
	return s
}
