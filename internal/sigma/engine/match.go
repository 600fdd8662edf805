package engine

import (
	"strings"
	"time"

	"github.com/vigilsec/vigil/internal/sigma/compile"
	"github.com/vigilsec/vigil/internal/sigma/event"
	"github.com/vigilsec/vigil/internal/sigma/rule"
)

// Match is one rule matching one event (or, for a correlation, a group of
// events). Alerts built from matches must keep Author (DRL 1.1 attribution).
type Match struct {
	RuleID     string    `json:"rule_id"`
	Title      string    `json:"title"`
	Kind       rule.Kind `json:"kind"`
	Level      string    `json:"level,omitempty"`
	Status     string    `json:"status,omitempty"`
	Author     string    `json:"author,omitempty"`
	File       string    `json:"file,omitempty"`
	Tags       []string  `json:"tags,omitempty"`
	Tactics    []string  `json:"tactics,omitempty"`
	Techniques []string  `json:"techniques,omitempty"`
	// Searches names the searches of the detection that matched.
	Searches []string `json:"searches,omitempty"`
	// Fields lists the fields whose values satisfied matching searches.
	Fields []compile.FieldHit `json:"fields,omitempty"`
	// Event is the matched event (for a correlation, the last one).
	Event event.Event `json:"event,omitempty"`
	Time  time.Time   `json:"time,omitzero"`
	// Correlation is set for correlation matches.
	Correlation *CorrelationResult `json:"correlation,omitempty"`

	rule *rule.Rule
	comp *compiled
}

// Rule returns the rule that produced the match.
func (m *Match) Rule() *rule.Rule { return m.rule }

// CorrelationResult describes a correlation match.
type CorrelationResult struct {
	Type    string            `json:"type"`
	GroupBy map[string]string `json:"group_by,omitempty"`
	// Count is the event count, distinct value count, or number of rules seen.
	Count int64 `json:"count"`
	// Rules lists the referenced rules that contributed.
	Rules []string  `json:"rules"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// Evidence lists the latest base-rule matches of the group (see
	// [Stream.SetEvidence]), oldest first.
	Evidence []Evidence `json:"evidence,omitempty"`
}

func (e *Engine) newMatch(c *compiled, ev, view event.Event) Match {
	m := Match{RuleID: c.r.ID, Title: c.r.Title, Kind: c.r.Kind, Level: c.r.Level, Status: c.r.Status, Author: c.r.Author,
		File: c.r.File, Tags: c.r.Tags, Tactics: c.tactics, Techniques: c.techniques, Event: ev, rule: c.r, comp: c}
	if t, ok := ev.(event.Timed); ok {
		m.Time = t.Time()
	}
	if e.cfg.explain {
		m.Searches, m.Fields = c.det.Explain(view)
	}
	return m
}

// tacticNames maps ATT&CK tag suffixes to tactic names.
var tacticNames = map[string]string{
	"reconnaissance": "Reconnaissance", "resource-development": "Resource Development",
	"initial-access": "Initial Access", "execution": "Execution", "persistence": "Persistence",
	"privilege-escalation": "Privilege Escalation", "defense-evasion": "Defense Evasion",
	"credential-access": "Credential Access", "discovery": "Discovery", "lateral-movement": "Lateral Movement",
	"collection": "Collection", "command-and-control": "Command and Control", "exfiltration": "Exfiltration",
	"impact": "Impact",
}

// attack extracts ATT&CK tactics ("attack.execution") and techniques
// ("attack.t1059.001" → "T1059.001") from tags.
func attack(tags []string) (tactics, techniques []string) {
	for _, t := range tags {
		rest, ok := strings.CutPrefix(strings.ToLower(t), "attack.")
		if !ok {
			continue
		}
		if name, ok := tacticNames[strings.ReplaceAll(rest, "_", "-")]; ok {
			tactics = append(tactics, name)
			continue
		}
		if len(rest) >= 5 && rest[0] == 't' && rest[1] >= '0' && rest[1] <= '9' {
			techniques = append(techniques, strings.ToUpper(rest))
		}
	}
	return tactics, techniques
}
