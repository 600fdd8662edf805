package compile

import "github.com/vigilsec/vigil/internal/sigma/event"

// Reads calls fn with the name of every field evaluating d can look up (the fields of its field matches and those
// their fieldref modifiers compare against) and reports whether d also reads every data field of an event (a keyword
// search, which [event.Ranger] serves). Matching and explaining d read no other field; the stream detector relies
// on it to leave the others out of the events it builds.
func (d *Detection) Reads(fn func(event.Name)) (all bool) {
	if d == nil {
		return false
	}
	for _, s := range d.searches {
		if len(s.keywords) > 0 {
			all = true
		}
		for _, alt := range s.alts {
			for _, f := range alt {
				if f.Field == "" {
					all = true
					continue
				}
				fn(f.name)
				for _, r := range f.refs {
					fn(r)
				}
			}
		}
	}
	return all
}
