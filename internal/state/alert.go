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
