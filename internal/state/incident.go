package state

import (
	"context"
	"errors"
	"time"
)

// Errors of incident changes.
var (
	// ErrInvalidChange is returned for a change that breaks a rule of the incident model (an unknown status, a
	// classification reason that does not fit the classification, a split that would leave nothing behind).
	ErrInvalidChange = errors.New("state: invalid change")
	// ErrNothingToUndo is returned when an incident has no grouping operation left to undo.
	ErrNothingToUndo = errors.New("state: nothing to undo")
)

// Incident statuses.
const (
	IncidentNew      = "New"
	IncidentActive   = "Active"
	IncidentResolved = "Resolved"
)

// Incident is a group of related alerts that an analyst works as one case.
type Incident struct {
	ID     string `json:"id"`
	Number int64  `json:"number"` // human-friendly, increasing
	Title  string `json:"title"`
	// Description is free text (the first alert's description until an analyst changes it).
	Description string `json:"description,omitempty"`
	// Severity is the highest severity of the incident's alerts unless an analyst set it (SeveritySet).
	Severity    string   `json:"severity"`
	SeveritySet bool     `json:"severitySet,omitempty"`
	Status      string   `json:"status"` // New, Active, Resolved
	Owner       string   `json:"owner,omitempty"`
	Tags        []string `json:"tags"`
	// Classification is TruePositive, BenignPositive, FalsePositive or Undetermined (set when resolving).
	Classification string `json:"classification,omitempty"`
	// ClassificationReason is the determination: SuspiciousActivity (TruePositive), SuspiciousButExpected
	// (BenignPositive), IncorrectAlertLogic or InaccurateData (FalsePositive).
	ClassificationReason  string `json:"classificationReason,omitempty"`
	ClassificationComment string `json:"classificationComment,omitempty"`
	// MergedInto names the incident this one was merged into (its alerts moved there).
	MergedInto string `json:"mergedInto,omitempty"`

	AlertCount int      `json:"alertCount"`
	RuleIDs    []string `json:"ruleIds"`
	Tactics    []string `json:"tactics"`

	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
	// FirstActivity and LastActivity bound the activity time of the incident's alerts (their evidence).
	FirstActivity time.Time `json:"firstActivity"`
	LastActivity  time.Time `json:"lastActivity"`
	// FirstAlertAt is when the first of its alerts was detected.
	FirstAlertAt time.Time `json:"firstAlertAt"`
	// AcknowledgedAt is when an owner was first set or the status first became Active.
	AcknowledgedAt *time.Time `json:"acknowledgedAt,omitempty"`
	// ResolvedAt is when the status last became Resolved (nil while open).
	ResolvedAt *time.Time `json:"resolvedAt,omitempty"`
	// ModifiedBy is who made the last change ("correlator" for automatic grouping).
	ModifiedBy string `json:"modifiedBy,omitempty"`

	Metrics IncidentMetrics `json:"metrics"`
}

// IncidentMetrics are the response times of an incident, in seconds (nil while not reached).
type IncidentMetrics struct {
	// TimeToDetect is from the first evidence to the first alert.
	TimeToDetect *float64 `json:"timeToDetectSeconds,omitempty"`
	// TimeToAcknowledge is from the first alert to the first owner or Active status.
	TimeToAcknowledge *float64 `json:"timeToAcknowledgeSeconds,omitempty"`
	// TimeToResolve is from the first alert to resolution.
	TimeToResolve *float64 `json:"timeToResolveSeconds,omitempty"`
}

// Compute fills the metrics from the incident's times.
func (i *Incident) Compute() {
	secs := func(from, to time.Time) *float64 {
		if from.IsZero() || to.IsZero() {
			return nil
		}
		s := to.Sub(from).Seconds()
		if s < 0 {
			s = 0
		}
		return &s
	}
	i.Metrics = IncidentMetrics{TimeToDetect: secs(i.FirstActivity, i.FirstAlertAt)}
	if i.AcknowledgedAt != nil {
		i.Metrics.TimeToAcknowledge = secs(i.FirstAlertAt, *i.AcknowledgedAt)
	}
	if i.ResolvedAt != nil {
		i.Metrics.TimeToResolve = secs(i.FirstAlertAt, *i.ResolvedAt)
	}
}

// Comment is an analyst's note on an incident.
type Comment struct {
	ID        int64     `json:"id"`
	Author    string    `json:"author"`
	Text      string    `json:"text"`
	CreatedAt time.Time `json:"createdAt"`
}

// Task is a step of an incident's response.
type Task struct {
	ID          int64      `json:"id"`
	Title       string     `json:"title"`
	Description string     `json:"description,omitempty"`
	Status      string     `json:"status"` // New, Completed
	CreatedBy   string     `json:"createdBy"`
	CreatedAt   time.Time  `json:"createdAt"`
	CompletedBy string     `json:"completedBy,omitempty"`
	CompletedAt *time.Time `json:"completedAt,omitempty"`
}

// TimelineEntry is one change of an incident: who, when, what, and the value before and after.
type TimelineEntry struct {
	ID     int64     `json:"id"`
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"` // created, alert_added, alert_removed, update, comment, task_added, task_updated, merge, split, move, undo, reopened
	Field  string    `json:"field,omitempty"`
	Before string    `json:"before,omitempty"`
	After  string    `json:"after,omitempty"`
	// Detail explains the change; for grouping decisions, why ("shares host ws-042 and account alice with alert X").
	Detail  string `json:"detail,omitempty"`
	AlertID string `json:"alertId,omitempty"`
}

// IncidentEntity is an entity of an incident's alerts, with how many of them carry it.
type IncidentEntity struct {
	Type   string `json:"type"`
	Value  string `json:"value"`
	Alerts int    `json:"alerts"`
}

// IncidentDetail is an incident with everything an analyst opens it for.
type IncidentDetail struct {
	Incident
	Alerts   []Alert          `json:"alerts"`
	Entities []IncidentEntity `json:"entities"`
	// Evidence is the evidence of the alerts: the event of a streaming alert, the rows of a query alert (capped).
	Evidence []map[string]any `json:"evidence"`
	Timeline []TimelineEntry  `json:"timeline"`
	Comments []Comment        `json:"comments"`
	Tasks    []Task           `json:"tasks"`
}

// IncidentFilter selects and orders incidents; zero fields select everything.
type IncidentFilter struct {
	Status   []string
	Severity []string
	Owner    string
	Tag      string
	// Search matches a substring of the title (case-insensitive) or the incident number.
	Search string
	// Sort is created, updated, severity or number (default updated); Desc orders newest/highest first.
	Sort  string
	Desc  bool
	Limit int // default 50, at most 1000
	// Offset skips rows; Cursor (from a previous page, same filter and sort) is the faster way to page deep.
	Offset int
	Cursor string
}

// IncidentPage is one page of a list.
type IncidentPage struct {
	Incidents  []Incident `json:"incidents"`
	Total      int        `json:"total"`
	NextCursor string     `json:"nextCursor,omitempty"`
}

// IncidentUpdate is an analyst's change; nil fields are left as they are.
type IncidentUpdate struct {
	Title                 *string   `json:"title,omitempty"`
	Description           *string   `json:"description,omitempty"`
	Severity              *string   `json:"severity,omitempty"` // "" returns to the computed severity
	Status                *string   `json:"status,omitempty"`
	Owner                 *string   `json:"owner,omitempty"`
	Tags                  *[]string `json:"tags,omitempty"`
	Classification        *string   `json:"classification,omitempty"`
	ClassificationReason  *string   `json:"classificationReason,omitempty"`
	ClassificationComment *string   `json:"classificationComment,omitempty"`
}

// TaskUpdate changes a task; nil fields are left as they are.
type TaskUpdate struct {
	Title       *string `json:"title,omitempty"`
	Description *string `json:"description,omitempty"`
	Status      *string `json:"status,omitempty"` // New or Completed
}

// SharedEntity is an entity a new alert shares with an incident, and the weight it carried.
type SharedEntity struct {
	Type   string  `json:"type"`
	Value  string  `json:"value"`
	Weight float64 `json:"weight"`
}

// Placement is the correlator's decision for one alert.
type Placement struct {
	// IncidentID is the incident the alert joins ("" creates a new incident, unless NoIncident).
	IncidentID string
	// NoIncident leaves the alert without an incident (its rule creates none and nothing matched).
	NoIncident bool
	// Reopen reopens the incident if it is resolved.
	Reopen bool
	// SizeCap is the most alerts an incident may hold; a full incident makes a new one instead (0: no cap).
	SizeCap int
	// MatchedAlert is the alert of the incident the new alert was matched with.
	MatchedAlert string
	Shared       []SharedEntity
	Score        float64
	// Reason says why, in words.
	Reason string
	At     time.Time
	// Bridged are other open incidents the alert links strongly enough to join as well: they are merged into
	// IncidentID after the alert is placed (the merge is an ordinary, undoable grouping operation).
	Bridged []string
}

// EntityHit is an alert that carries one of the looked-up entity keys, with its incident.
type EntityHit struct {
	Key            string
	AlertID        string
	RuleID         string
	RuleTitle      string
	At             time.Time
	IncidentID     string
	IncidentNumber int64
	IncidentStatus string
	IncidentAlerts int
}

// Prevalence is how widely an entity is seen over a window: the distinct hosts, accounts, alerts and incidents
// it appears with.
type Prevalence struct {
	Hosts     int
	Accounts  int
	Alerts    int
	Incidents int
}

// Incidents is the incident part of the state store. Every change is recorded in the incident's timeline with the
// actor, and queued (in the same transaction) for the SecurityIncident table.
type Incidents interface {
	// ListIncidents returns a page of incidents and the total matching the filter.
	ListIncidents(ctx context.Context, f IncidentFilter) (IncidentPage, error)
	// Incident returns one incident with its alerts, entities, evidence, timeline, comments and tasks.
	Incident(ctx context.Context, id string) (IncidentDetail, error)
	// UpdateIncident applies an analyst's change.
	UpdateIncident(ctx context.Context, id, actor string, u IncidentUpdate, at time.Time) (Incident, error)
	// AddComment adds a comment.
	AddComment(ctx context.Context, id, actor, text string, at time.Time) (Comment, error)
	// AddTask adds a task.
	AddTask(ctx context.Context, id, actor, title, description string, at time.Time) (Task, error)
	// UpdateTask changes a task (completing it records who and when).
	UpdateTask(ctx context.Context, id string, taskID int64, actor string, u TaskUpdate, at time.Time) (Task, error)
	// MergeIncidents moves the alerts of sources into target; the sources are resolved as merged.
	MergeIncidents(ctx context.Context, target string, sources []string, actor string, at time.Time) (Incident, error)
	// SplitIncident moves alerts out of an incident into a new incident, which it returns.
	SplitIncident(ctx context.Context, id string, alertIDs []string, actor string, at time.Time) (Incident, error)
	// MoveAlert moves one alert into another incident and returns that incident.
	MoveAlert(ctx context.Context, alertID, to, actor string, at time.Time) (Incident, error)
	// UndoGrouping reverses the last merge, split or move that involved the incident; ErrNothingToUndo if none.
	UndoGrouping(ctx context.Context, id, actor string, at time.Time) (Incident, error)

	// IndexAlerts records the entity keys of alerts (by their activity time) so prevalence and matching see them.
	IndexAlerts(ctx context.Context, alerts []Alert, keys [][]EntityKey) error
	// PendingAlerts returns up to limit alerts that have no incident and no correlation decision yet, in
	// detection order.
	PendingAlerts(ctx context.Context, limit int) ([]Alert, error)
	// EntityHits returns the placed alerts whose activity time is in [since, until] and that carry one of keys.
	EntityHits(ctx context.Context, keys []string, since, until time.Time) ([]EntityHit, error)
	// RuleAlerts returns the placed alerts of one rule whose activity time is in [since, until], newest first.
	RuleAlerts(ctx context.Context, ruleID string, since, until time.Time, limit int) ([]Alert, error)
	// EntityPrevalence measures each key over the alerts (placed or not) whose activity time is in [since, until].
	EntityPrevalence(ctx context.Context, keys []string, since, until time.Time) (map[string]Prevalence, error)
	// IncidentBrief returns the status and the alert count of an incident.
	IncidentBrief(ctx context.Context, id string) (status string, alerts int, err error)
	// PlaceAlert records the correlator's decision for alert a, whose entity keys are keys.
	PlaceAlert(ctx context.Context, a Alert, keys []EntityKey, p Placement) (Incident, error)

	// NextIncidentChanges returns the next batch of queued incident changes (up to limit, oldest first) and an id
	// for it. Until the batch is acknowledged, every call returns the same batch with the same id, so a publisher
	// that crashed after publishing publishes it again under the same id and the event store skips it.
	NextIncidentChanges(ctx context.Context, limit int) (batchID string, changes []IncidentChange, err error)
	// AckIncidentChanges removes a published batch from the queue.
	AckIncidentChanges(ctx context.Context, batchID string) error
}

// EntityKey is an entity in its normalised, comparable form (for example "host:ws-042", "account:alice").
type EntityKey struct {
	Key   string
	Type  string
	Value string
}

// IncidentChange is a queued change of an incident: the incident as it was after the change, with the alert ids.
type IncidentChange struct {
	Seq      int64
	Incident Incident
	AlertIDs []string
	Comments []Comment
	Tasks    []Task
}

// ActivityTime is when the activity an alert reports happened: the time of its event, else the end of its query
// window, else its detection time.
func (a Alert) ActivityTime() time.Time {
	switch {
	case !a.EventTime.IsZero() && a.EventTime.Unix() > 0:
		return a.EventTime
	case a.WindowEnd != nil:
		return *a.WindowEnd
	}
	return a.DetectedAt
}
