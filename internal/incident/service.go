package incident

import (
	"context"
	"fmt"
	"time"

	"github.com/vigilsec/vigil/internal/state"
)

// Service is the analyst's side of incidents: reads, and changes that are recorded with their actor and
// published to the SecurityIncident table.
type Service struct {
	store state.Incidents
	// Changed, if set, is called after every change (to wake the publisher).
	Changed func()
	now     func() time.Time
}

// NewService returns a service over the state store.
func NewService(store state.Incidents) *Service {
	return &Service{store: store, now: time.Now}
}

func (s *Service) changed(err error) {
	if err == nil && s.Changed != nil {
		s.Changed()
	}
}

func actorOf(actor string) (string, error) {
	if actor == "" {
		return "", fmt.Errorf("%w: a change needs an actor", state.ErrInvalidChange)
	}
	return actor, nil
}

// List returns a page of incidents.
func (s *Service) List(ctx context.Context, f state.IncidentFilter) (state.IncidentPage, error) {
	return s.store.ListIncidents(ctx, f)
}

// Get returns an incident with its alerts, entities, evidence, timeline, comments and tasks.
func (s *Service) Get(ctx context.Context, id string) (state.IncidentDetail, error) {
	return s.store.Incident(ctx, id)
}

// Update applies an analyst's change.
func (s *Service) Update(ctx context.Context, id, actor string, u state.IncidentUpdate) (state.Incident, error) {
	if _, err := actorOf(actor); err != nil {
		return state.Incident{}, err
	}
	in, err := s.store.UpdateIncident(ctx, id, actor, u, s.now())
	s.changed(err)
	return in, err
}

// Comment adds a comment.
func (s *Service) Comment(ctx context.Context, id, actor, text string) (state.Comment, error) {
	if _, err := actorOf(actor); err != nil {
		return state.Comment{}, err
	}
	c, err := s.store.AddComment(ctx, id, actor, text, s.now())
	s.changed(err)
	return c, err
}

// AddTask adds a task.
func (s *Service) AddTask(ctx context.Context, id, actor, title, description string) (state.Task, error) {
	if _, err := actorOf(actor); err != nil {
		return state.Task{}, err
	}
	t, err := s.store.AddTask(ctx, id, actor, title, description, s.now())
	s.changed(err)
	return t, err
}

// UpdateTask changes a task.
func (s *Service) UpdateTask(ctx context.Context, id string, taskID int64, actor string, u state.TaskUpdate) (state.Task, error) {
	if _, err := actorOf(actor); err != nil {
		return state.Task{}, err
	}
	t, err := s.store.UpdateTask(ctx, id, taskID, actor, u, s.now())
	s.changed(err)
	return t, err
}

// Merge moves the alerts of sources into target.
func (s *Service) Merge(ctx context.Context, target string, sources []string, actor string) (state.Incident, error) {
	if _, err := actorOf(actor); err != nil {
		return state.Incident{}, err
	}
	in, err := s.store.MergeIncidents(ctx, target, sources, actor, s.now())
	s.changed(err)
	return in, err
}

// Split moves alerts out of an incident into a new one.
func (s *Service) Split(ctx context.Context, id string, alertIDs []string, actor string) (state.Incident, error) {
	if _, err := actorOf(actor); err != nil {
		return state.Incident{}, err
	}
	in, err := s.store.SplitIncident(ctx, id, alertIDs, actor, s.now())
	s.changed(err)
	return in, err
}

// Move moves an alert into another incident.
func (s *Service) Move(ctx context.Context, alertID, to, actor string) (state.Incident, error) {
	if _, err := actorOf(actor); err != nil {
		return state.Incident{}, err
	}
	in, err := s.store.MoveAlert(ctx, alertID, to, actor, s.now())
	s.changed(err)
	return in, err
}

// Undo reverses the last grouping operation that involved the incident.
func (s *Service) Undo(ctx context.Context, id, actor string) (state.Incident, error) {
	if _, err := actorOf(actor); err != nil {
		return state.Incident{}, err
	}
	in, err := s.store.UndoGrouping(ctx, id, actor, s.now())
	s.changed(err)
	return in, err
}

// NotifyingAlerts is a [state.Alerts] that wakes the correlator after new alerts are recorded.
type NotifyingAlerts struct {
	state.Alerts
	Notify func()
}

// AddAlerts implements [state.Alerts].
func (n NotifyingAlerts) AddAlerts(ctx context.Context, alerts []state.Alert) (int, error) {
	added, err := n.Alerts.AddAlerts(ctx, alerts)
	if added > 0 && n.Notify != nil {
		n.Notify()
	}
	return added, err
}
