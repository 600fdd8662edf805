package compile

import (
	"github.com/vigilsec/vigil/internal/sigma/event"
)

// FieldHit is one field whose value satisfied a field match of a search
// that matched.
type FieldHit struct {
	Field string `json:"field"`
	Value any    `json:"value"`
}

// Explain evaluates every search of d on ev and returns the names of the
// searches that matched and the fields that satisfied them. It is slower than
// [Detection.Match]; call it only for events that matched.
func (d *Detection) Explain(ev event.Event) (searches []string, fields []FieldHit) {
	seen := map[string]bool{}
	for _, s := range d.searches {
		if !s.Match(ev) {
			continue
		}
		searches = append(searches, s.Name)
		for _, alt := range s.alts {
			all := true
			for _, f := range alt {
				if !f.Match(ev) {
					all = false
					break
				}
			}
			if !all {
				continue
			}
			for _, f := range alt {
				if seen[f.name.Lower] {
					continue
				}
				v, ok := event.Get(ev, f.name)
				if !ok {
					continue
				}
				seen[f.name.Lower] = true
				fields = append(fields, FieldHit{Field: f.Field, Value: v})
			}
		}
	}
	return searches, fields
}
