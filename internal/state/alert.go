package state

import (
	"context"
	"time"
)

// Entity is something an alert is about: an account, host, IP, process, file, hash or URL.
type Entity struct {
	Type  string            `json:"type"`
	Value string            `json:"value"`
	Props map[string]string `json:"props,omitempty"`
}

// MatchedField is one field whose value made a rule match.
type MatchedField struct {
	Field string `json:"field"`
	Value string `json:"value"`
}

// Alert is one detection. Its id is derived from the rule and the evidence, so recording the same detection twice
// (a replayed event) keeps one alert.
type Alert struct {
	ID            string         `json:"id"`
	Source        string         `json:"source"` // sigma, scheduled, nrt, ti, external
	RuleID        string         `json:"ruleId"`
	RuleTitle     string         `json:"ruleTitle"`
	RuleAuthor    string         `json:"ruleAuthor,omitempty"`
	Severity      string         `json:"severity"` // Informational, Low, Medium, High
	Status        string         `json:"status"`   // New, InProgress, Resolved
	Tactics       []string       `json:"tactics"`
	Techniques    []string       `json:"techniques"`
	Entities      []Entity       `json:"entities"`
	MatchedFields []MatchedField `json:"matchedFields"`
	Event         map[string]any `json:"event,omitempty"`
	EventTable    string         `json:"eventTable"`
	EventItemID   string         `json:"eventItemId"`
	EventTime     time.Time      `json:"eventTime"`
	DetectedAt    time.Time      `json:"detectedAt"`

	// The fields below are the alert's details (kept together in the store).

	// Description is the alert's description (a rule's alertDescriptionFormat, if any, already applied).
	Description string `json:"description,omitempty"`
	// RuleVersion is the version of the rule that produced the alert (0 when the source has no versions).
	RuleVersion int `json:"ruleVersion,omitempty"`
	// CustomDetails are a rule's customDetails, evaluated over the evidence rows: name → values.
	CustomDetails map[string][]string `json:"customDetails,omitempty"`
	// Evidence holds the rows that made a query rule fire (at most a few hundred); Event is the single event of a
	// streaming rule.
	Evidence []map[string]any `json:"evidence,omitempty"`
	// WindowStart and WindowEnd bound the query window of a scheduled rule's run.
	WindowStart *time.Time `json:"windowStart,omitempty"`
	WindowEnd   *time.Time `json:"windowEnd,omitempty"`
	// Grouping is how the rule wants its alerts grouped into incidents (nil: the defaults).
	Grouping *Grouping `json:"grouping,omitempty"`

	// SourceTables are the tables the alert's content (evidence rows, entities, details) was drawn from, when
	// more than EventTable says (a scheduled rule's query); access checks read them (auth.AlertSources).
	SourceTables []string `json:"sourceTables,omitempty"`

	// IncidentID is the incident the alert belongs to ("" until correlation has placed it).
	IncidentID string `json:"incidentId,omitempty"`
}

// Grouping is a rule's incident configuration (Sentinel's incidentConfiguration).
type Grouping struct {
	// CreateIncident is false when the rule's alerts must not create incidents (they still may join one).
	CreateIncident bool `json:"createIncident"`
	// Enabled turns grouping of the rule's alerts on; when false every alert gets its own incident.
	Enabled bool `json:"enabled"`
	// Lookback is how far back an incident may be to take a new alert.
	Lookback time.Duration `json:"lookback,omitempty"`
	// Method is AllEntities, AnyAlert or Selected.
	Method string `json:"method,omitempty"`
	// ReopenClosed lets a new alert reopen a closed incident it matches.
	ReopenClosed bool `json:"reopenClosed,omitempty"`
	// EntityTypes (Selected) are the entity types that must match.
	EntityTypes []string `json:"entityTypes,omitempty"`
	// AlertDetails (Selected) are alert details that must match: DisplayName, Severity.
	AlertDetails []string `json:"alertDetails,omitempty"`
	// CustomDetails (Selected) are custom detail names that must match.
	CustomDetails []string `json:"customDetails,omitempty"`
}

// AlertFilter selects alerts; zero fields select everything.
type AlertFilter struct {
	Severity string
	Status   string
	RuleID   string
	Limit    int // default 100, at most 1000
	Offset   int
}

// Alerts is the alert part of the state store.
type Alerts interface {
	// AddAlerts records alerts, skipping ids already recorded, and returns how many were new.
	AddAlerts(ctx context.Context, alerts []Alert) (int, error)
	// ListAlerts returns a page of alerts, newest detection first, and the total matching the filter.
	ListAlerts(ctx context.Context, f AlertFilter) ([]Alert, int, error)
	// Alert returns one alert or ErrNotFound.
	Alert(ctx context.Context, id string) (Alert, error)
}
