package auth

import (
	"slices"
	"sort"
	"strings"

	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/state"
)

// Reading data per table group. A custom role may limit what its holders read to some table groups; this file is
// the one place that decides what such a principal sees, for every route that shows event data: KQL hunts and the
// query editor, the schema, ingest statistics, alerts, incidents and the audit trail.
//
// The rule: a limited principal reads a table only when the table's group is one of its role's groups. Content
// drawn from event rows (an alert's event, evidence rows, entities, matched fields, custom details and the texts a
// rule formats from rows) is shown only when the principal may read every table the content came from; otherwise
// it is withheld and a [Withheld] marker says how much and why. When those tables are not known (an alert recorded
// before Vigil kept them, a Sigma correlation), the content is withheld too: the rule fails closed. The tables Vigil
// writes itself (alerts, incidents, the audit trail, rejected records) mix rows of every other table, so they form a
// group of their own, [GroupVigil], that must be granted explicitly. Principals without table groups (every
// built-in role) read everything.

// GroupVigil is the table group of the tables Vigil writes itself.
const GroupVigil = "vigil"

// vigilWritten are the tables of other schemas that Vigil fills from detections and incidents (besides its own
// Vigil* tables): their rows carry entities and evidence drawn from other tables.
var vigilWritten = map[string]bool{"SecurityAlert": true, "AlertInfo": true, "AlertEvidence": true, "SecurityIncident": true}

// TableGroup returns the group table t belongs to: vigil for the tables Vigil writes, else its source (defender,
// sentinel or custom).
func TableGroup(t *schema.Table) string {
	if t.Source == GroupVigil || vigilWritten[t.Name] {
		return GroupVigil
	}
	return t.Source
}

// TableGroups returns the groups of the catalogue's tables, sorted (always defender, sentinel, vigil and custom).
func TableGroups(cat *schema.Catalog) []string {
	seen := map[string]bool{"defender": true, "sentinel": true, GroupVigil: true, "custom": true}
	if cat != nil {
		for _, t := range cat.Tables() {
			seen[TableGroup(t)] = true
		}
	}
	out := make([]string, 0, len(seen))
	for g := range seen {
		out = append(out, g)
	}
	sort.Strings(out)
	return out
}

// Scope is the data a principal may read.
type Scope struct {
	groups []string // nil: every table
	cat    *schema.Catalog
}

// ScopeOf returns the scope of p (nil: no limit) over the tables of cat.
func ScopeOf(p *Principal, cat *schema.Catalog) Scope {
	if p == nil || len(p.TableGroups) == 0 {
		return Scope{cat: cat}
	}
	return Scope{groups: slices.Clone(p.TableGroups), cat: cat}
}

// Limited reports whether the scope leaves out any table group.
func (s Scope) Limited() bool { return s.groups != nil }

// Groups returns the scope's table groups (nil: every group).
func (s Scope) Groups() []string { return slices.Clone(s.groups) }

// Table reports whether the scope may read table t.
func (s Scope) Table(t *schema.Table) bool {
	return s.groups == nil || (t != nil && slices.Contains(s.groups, TableGroup(t)))
}

// TableNamed reports whether the scope may read the table called name. A name the catalogue does not know is
// readable only without a limit.
func (s Scope) TableNamed(name string) bool {
	if s.groups == nil {
		return true
	}
	if s.cat == nil {
		return false
	}
	t, ok := s.cat.Table(name)
	return ok && s.Table(t)
}

// Allow returns the table filter for a hunt (nil: every table).
func (s Scope) Allow() func(*schema.Table) bool {
	if s.groups == nil {
		return nil
	}
	return s.Table
}

// Withheld tells a caller what was left out of an answer because of its role's table groups.
type Withheld struct {
	// Reason says why, in a sentence.
	Reason string `json:"reason"`
	// Groups are the table groups the content came from that the caller's role lacks (empty when the content's
	// tables are not known).
	Groups []string `json:"groups"`
	// Alerts counts the alerts whose content was withheld (incidents only).
	Alerts int `json:"alerts,omitempty"`
	// EvidenceRows counts the event and evidence rows withheld; Entities the entities.
	EvidenceRows int `json:"evidenceRows"`
	Entities     int `json:"entities"`
}

// Reasons of withholding.
const (
	reasonGroups  = "the content was drawn from tables outside the table groups of your role"
	reasonUnknown = "the tables the content was drawn from are not recorded, so it is shown only to roles without table groups"
)

// AlertSources returns the tables an alert's content was drawn from (nil: not known).
func AlertSources(a *state.Alert) []string {
	if len(a.SourceTables) > 0 {
		return a.SourceTables
	}
	if a.EventTable != "" {
		return []string{a.EventTable}
	}
	return nil
}

// RuleNamer returns the current name of an analytics rule (false: no such rule).
type RuleNamer func(ruleID string) (string, bool)

// Alert applies the scope to a: when the scope may not read every table a's content came from, the content is
// removed — event, evidence rows, entities, matched fields, custom details and description — and the title becomes
// one no row wrote (see [SafeTitle]). It returns what was withheld (nil: nothing).
func (s Scope) Alert(a *state.Alert, names RuleNamer) *Withheld {
	if s.groups == nil {
		return nil
	}
	w := &Withheld{Reason: reasonGroups, Groups: []string{}}
	src := AlertSources(a)
	if len(src) == 0 {
		w.Reason = reasonUnknown
	}
	for _, name := range src {
		if s.TableNamed(name) {
			continue
		}
		g := "unknown"
		if t, ok := s.cat.Table(name); ok {
			g = TableGroup(t)
		}
		if !slices.Contains(w.Groups, g) {
			w.Groups = append(w.Groups, g)
		}
	}
	if len(src) > 0 && len(w.Groups) == 0 {
		return nil
	}
	sort.Strings(w.Groups)
	w.EvidenceRows, w.Entities = len(a.Evidence), len(a.Entities)
	if a.Event != nil && len(a.Evidence) == 0 {
		w.EvidenceRows = 1
	}
	a.RuleTitle = SafeTitle(a, names)
	a.Event, a.Evidence, a.CustomDetails, a.Description = nil, nil, nil, ""
	a.Entities, a.MatchedFields = []state.Entity{}, []state.MatchedField{}
	return w
}

// SafeTitle is an alert's title as no event row wrote it: a Sigma rule's title as it is (it is the rule's), the
// current name of a scheduled or NRT rule (whose title may be formatted from row columns), else a generic title.
func SafeTitle(a *state.Alert, names RuleNamer) string {
	switch a.Source {
	case "sigma":
		return a.RuleTitle
	case "scheduled", "nrt":
		if names != nil {
			if n, ok := names(a.RuleID); ok && n != "" {
				return n
			}
		}
		return "Analytics rule " + a.RuleID
	case "external":
		return "Alert from another product"
	}
	return "Alert of " + a.Source + " rule " + a.RuleID
}

// Incident applies the scope to an incident: each alert as [Scope.Alert] says; the entities are counted again
// over the alerts left whole; evidence rows of withheld alerts are dropped; timeline entries about withheld alerts
// lose their details (the grouping reasons name entities); and a title or description copied from a withheld
// alert is replaced. It returns what was withheld (nil: nothing).
func (s Scope) Incident(d *state.IncidentDetail, names RuleNamer) *Withheld {
	if s.groups == nil {
		return nil
	}
	var total *Withheld
	hidden := map[string]bool{}
	for i := range d.Alerts {
		a := &d.Alerts[i]
		rawTitle, rawDesc := a.RuleTitle, a.Description
		w := s.Alert(a, names)
		if w == nil {
			continue
		}
		hidden[a.ID] = true
		if total == nil {
			total = &Withheld{Reason: w.Reason, Groups: []string{}}
		} else if w.Reason != total.Reason {
			total.Reason = reasonGroups + "; " + reasonUnknown
		}
		for _, g := range w.Groups {
			if !slices.Contains(total.Groups, g) {
				total.Groups = append(total.Groups, g)
			}
		}
		total.Alerts++
		total.EvidenceRows += w.EvidenceRows
		if d.Title == rawTitle {
			d.Title = a.RuleTitle
		}
		if rawDesc != "" && d.Description == rawDesc {
			d.Description = ""
		}
		for j := range d.Timeline {
			e := &d.Timeline[j]
			if e.AlertID == a.ID {
				e.Detail = "withheld: " + w.Reason
			}
			if e.Before == rawTitle {
				e.Before = a.RuleTitle
			}
			if e.After == rawTitle {
				e.After = a.RuleTitle
			}
		}
	}
	if total == nil {
		return nil
	}
	sort.Strings(total.Groups)
	kept := d.Evidence[:0]
	for _, ev := range d.Evidence {
		if id, _ := ev["alertId"].(string); !hidden[id] {
			kept = append(kept, ev)
		}
	}
	d.Evidence = kept
	before := len(d.Entities)
	d.Entities = []state.IncidentEntity{}
	index := map[string]int{}
	for _, a := range d.Alerts {
		for _, e := range a.Entities {
			k := strings.ToLower(e.Type) + "\x00" + strings.ToLower(e.Value)
			if i, ok := index[k]; ok {
				d.Entities[i].Alerts++
				continue
			}
			index[k] = len(d.Entities)
			d.Entities = append(d.Entities, state.IncidentEntity{Type: e.Type, Value: e.Value, Alerts: 1})
		}
	}
	total.Entities = before - len(d.Entities)
	return total
}

// Covers reports whether the scope reads every table that groups reads (empty groups: every table). Nobody grants
// more than they hold: a role limited to table groups may hand out only roles limited to some of its groups.
func (s Scope) Covers(groups []string) bool {
	if s.groups == nil {
		return true
	}
	if len(groups) == 0 {
		return false
	}
	for _, g := range groups {
		if !slices.Contains(s.groups, g) {
			return false
		}
	}
	return true
}
