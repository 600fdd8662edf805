package incident

import "github.com/vigilsec/vigil/internal/state"

// Relation is what a ground truth says of a pair of alerts.
type Relation int

// The relations of a pair of alerts.
const (
	// Unknown pairs are not scored.
	Unknown Relation = iota
	// Same pairs belong in one incident.
	Same
	// Different pairs belong in different incidents (or none).
	Different
)

// Score is how well an assignment of alerts to incidents agrees with a ground truth, counted over pairs of alerts.
type Score struct {
	// TruePairs are pairs that share an incident and should.
	TruePairs int `json:"truePairs"`
	// FalsePairs are pairs that share an incident and should not.
	FalsePairs int `json:"falsePairs"`
	// MissedPairs are pairs that should share an incident and do not.
	MissedPairs int `json:"missedPairs"`
	// Precision is TruePairs / (TruePairs + FalsePairs): of the grouping done, how much was right (1 if none).
	Precision float64 `json:"precision"`
	// Recall is TruePairs / (TruePairs + MissedPairs): of the grouping due, how much was done (1 if none).
	Recall float64 `json:"recall"`
}

// ScorePairs scores the alerts' incident assignment (their IncidentID; "" is no incident) against truth, which
// says for each pair whether the two alerts belong together. Every unordered pair is looked at once.
func ScorePairs(alerts []state.Alert, truth func(a, b state.Alert) Relation) Score {
	var s Score
	for i := range alerts {
		for j := i + 1; j < len(alerts); j++ {
			a, b := alerts[i], alerts[j]
			rel := truth(a, b)
			if rel == Unknown {
				continue
			}
			together := a.IncidentID != "" && a.IncidentID == b.IncidentID
			switch {
			case together && rel == Same:
				s.TruePairs++
			case together && rel == Different:
				s.FalsePairs++
			case !together && rel == Same:
				s.MissedPairs++
			}
		}
	}
	s.Precision, s.Recall = 1, 1
	if n := s.TruePairs + s.FalsePairs; n > 0 {
		s.Precision = float64(s.TruePairs) / float64(n)
	}
	if n := s.TruePairs + s.MissedPairs; n > 0 {
		s.Recall = float64(s.TruePairs) / float64(n)
	}
	return s
}

// ByLabel returns a ground truth that groups alerts by a label (for the demo: "attack" for the alerts its ground
// truth lists, "" for the background): two alerts with the same non-empty label belong together; an alert with a
// label and one with another label or none belong apart; two alerts without a label are not scored.
func ByLabel(label func(state.Alert) string) func(a, b state.Alert) Relation {
	return func(a, b state.Alert) Relation {
		la, lb := label(a), label(b)
		switch {
		case la == "" && lb == "":
			return Unknown
		case la == lb:
			return Same
		}
		return Different
	}
}
