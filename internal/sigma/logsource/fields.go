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
