package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/vigilsec/vigil/internal/auth"
	"github.com/vigilsec/vigil/internal/state"
)

// IncidentService is what the incident routes need (*incident.Service).
type IncidentService interface {
	List(ctx context.Context, f state.IncidentFilter) (state.IncidentPage, error)
	Get(ctx context.Context, id string) (state.IncidentDetail, error)
	Update(ctx context.Context, id, actor string, u state.IncidentUpdate) (state.Incident, error)
	Comment(ctx context.Context, id, actor, text string) (state.Comment, error)
	AddTask(ctx context.Context, id, actor, title, description string) (state.Task, error)
	UpdateTask(ctx context.Context, id string, taskID int64, actor string, u state.TaskUpdate) (state.Task, error)
	Merge(ctx context.Context, target string, sources []string, actor string) (state.Incident, error)
	Split(ctx context.Context, id string, alertIDs []string, actor string) (state.Incident, error)
	Move(ctx context.Context, alertID, to, actor string) (state.Incident, error)
	Undo(ctx context.Context, id, actor string) (state.Incident, error)
}

// mountIncidents registers the incident routes under /api/v1.
func (s *Server) mountIncidents(r chi.Router) {
	read, manage := r.With(s.require(auth.PermReadData)), r.With(s.require(auth.PermManageIncidents))
	read.Get("/incidents", handle(s.listIncidents))
	read.Get("/incidents/{id}", handle(s.getIncident))
	manage.Patch("/incidents/{id}", handle(s.updateIncident))
	manage.Post("/incidents/{id}/comments", handle(s.commentIncident))
	manage.Post("/incidents/{id}/tasks", handle(s.addTask))
	manage.Patch("/incidents/{id}/tasks/{taskId}", handle(s.updateTask))
	manage.Post("/incidents/merge", handle(s.mergeIncidents))
	manage.Post("/incidents/{id}/split", handle(s.splitIncident))
	manage.Post("/incidents/{id}/undo", handle(s.undoIncident))
	manage.Post("/alerts/{id}/move", handle(s.moveAlert))
}

func (s *Server) incidents() (IncidentService, error) {
	if s.d.Incidents == nil {
		return nil, &Error{Status: http.StatusServiceUnavailable, Code: "unavailable", Message: "incidents are not available"}
	}
	return s.d.Incidents, nil
}

// incidentErr maps the incident model's errors to what the client sees.
func incidentErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, state.ErrInvalidChange):
		return &Error{Status: http.StatusBadRequest, Code: "invalid_change", Message: strings.TrimPrefix(err.Error(), state.ErrInvalidChange.Error()+": "), Err: err}
	case errors.Is(err, state.ErrNothingToUndo):
		return &Error{Status: http.StatusConflict, Code: "nothing_to_undo", Message: "the incident has no merge, split or move left to undo"}
	case errors.Is(err, state.ErrNotFound):
		msg := err.Error()
		if i := strings.Index(msg, ": "+state.ErrNotFound.Error()); i > 0 {
			msg = msg[:i] + " not found"
		} else {
			msg = "not found"
		}
		return &Error{Status: http.StatusNotFound, Code: "not_found", Message: msg, Err: err}
	}
	return err
}

// actor names who makes a change: the token's name and id.
func actor(r *http.Request) string {
	tok, ok := TokenFrom(r.Context())
	if !ok {
		return ""
	}
	return tok.Name + " (" + tok.ID + ")"
}

// maxIncidentBody bounds the JSON body of an incident change.
const maxIncidentBody = 1 << 20

// decodeBody reads a JSON object into dst, refusing unknown fields, with the problem named.
func decodeBody(w http.ResponseWriter, r *http.Request, dst any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxIncidentBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return &Error{Status: http.StatusRequestEntityTooLarge, Code: "body_too_large", Message: fmt.Sprintf("the body exceeds %d bytes", maxIncidentBody)}
		}
		if errors.Is(err, io.EOF) {
			return &Error{Status: http.StatusBadRequest, Code: "bad_request", Message: "a JSON object body is required"}
		}
		return &Error{Status: http.StatusBadRequest, Code: "bad_request", Message: "invalid JSON body: " + err.Error()}
	}
	return nil
}

func badParam(name, want string) error {
	return &Error{Status: http.StatusBadRequest, Code: "bad_request", Message: name + " must be " + want}
}

func splitList(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

func (s *Server) listIncidents(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.incidents()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := state.IncidentFilter{Status: splitList(q["status"]), Severity: splitList(q["severity"]), Owner: q.Get("owner"),
		Tag: q.Get("tag"), Search: q.Get("search"), Sort: q.Get("sort"), Cursor: q.Get("cursor"), Desc: true}
	switch q.Get("order") {
	case "", "desc":
	case "asc":
		f.Desc = false
	default:
		return badParam("order", "asc or desc")
	}
	for name, dst := range map[string]*int{"limit": &f.Limit, "offset": &f.Offset} {
		if v := q.Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return badParam(name, "a non-negative integer")
			}
			*dst = n
		}
	}
	if f.Limit > 1000 {
		return badParam("limit", "at most 1000")
	}
	sc := s.scope(r)
	if sc.Limited() && f.Search != "" {
		// The search matches the stored titles, which may be formatted from rows the caller may not read.
		return &Error{Status: http.StatusBadRequest, Code: "bad_request",
			Message: "search is not available to roles with table groups (it matches titles drawn from event rows); filter by status, severity, owner or tag"}
	}
	page, err := svc.List(r.Context(), f)
	if err != nil {
		return incidentErr(err)
	}
	if !sc.Limited() {
		return writeJSON(w, http.StatusOK, page)
	}
	names := s.ruleNames(r.Context())
	list := make([]incidentRecord, 0, len(page.Incidents))
	for _, in := range page.Incidents {
		rec, err := s.scopeIncident(r.Context(), sc, names, in)
		if err != nil {
			return incidentErr(err)
		}
		list = append(list, rec)
	}
	return writeJSON(w, http.StatusOK, struct {
		Incidents  []incidentRecord `json:"incidents"`
		Total      int              `json:"total"`
		NextCursor string           `json:"nextCursor,omitempty"`
	}{list, page.Total, page.NextCursor})
}

func (s *Server) getIncident(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.incidents()
	if err != nil {
		return err
	}
	d, err := svc.Get(r.Context(), chi.URLParam(r, "id"))
	if err != nil {
		return incidentErr(err)
	}
	wh := s.scope(r).Incident(&d, s.ruleNames(r.Context()))
	return writeJSON(w, http.StatusOK, incidentView{IncidentDetail: d, Withheld: wh})
}

func (s *Server) updateIncident(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.incidents()
	if err != nil {
		return err
	}
	var u state.IncidentUpdate
	if err := decodeBody(w, r, &u); err != nil {
		return err
	}
	in, err := svc.Update(r.Context(), chi.URLParam(r, "id"), actor(r), u)
	if err != nil {
		return incidentErr(err)
	}
	return s.writeIncident(w, r, http.StatusOK, in)
}

func (s *Server) commentIncident(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.incidents()
	if err != nil {
		return err
	}
	var body struct {
		Text string `json:"text"`
	}
	if err := decodeBody(w, r, &body); err != nil {
		return err
	}
	c, err := svc.Comment(r.Context(), chi.URLParam(r, "id"), actor(r), body.Text)
	if err != nil {
		return incidentErr(err)
	}
	return writeJSON(w, http.StatusCreated, c)
}

func (s *Server) addTask(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.incidents()
	if err != nil {
		return err
	}
	var body struct {
		Title       string `json:"title"`
		Description string `json:"description"`
	}
	if err := decodeBody(w, r, &body); err != nil {
		return err
	}
	t, err := svc.AddTask(r.Context(), chi.URLParam(r, "id"), actor(r), body.Title, body.Description)
	if err != nil {
		return incidentErr(err)
	}
	return writeJSON(w, http.StatusCreated, t)
}

func (s *Server) updateTask(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.incidents()
	if err != nil {
		return err
	}
	taskID, err := strconv.ParseInt(chi.URLParam(r, "taskId"), 10, 64)
	if err != nil || taskID <= 0 {
		return badParam("taskId", "a positive integer")
	}
	var u state.TaskUpdate
	if err := decodeBody(w, r, &u); err != nil {
		return err
	}
	t, err := svc.UpdateTask(r.Context(), chi.URLParam(r, "id"), taskID, actor(r), u)
	if err != nil {
		return incidentErr(err)
	}
	return writeJSON(w, http.StatusOK, t)
}

func (s *Server) mergeIncidents(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.incidents()
	if err != nil {
		return err
	}
	var body struct {
		Target  string   `json:"target"`
		Sources []string `json:"sources"`
	}
	if err := decodeBody(w, r, &body); err != nil {
		return err
	}
	if body.Target == "" || len(body.Sources) == 0 {
		return &Error{Status: http.StatusBadRequest, Code: "bad_request", Message: "target (an incident id) and sources (incident ids) are required"}
	}
	in, err := svc.Merge(r.Context(), body.Target, body.Sources, actor(r))
	if err != nil {
		return incidentErr(err)
	}
	return s.writeIncident(w, r, http.StatusOK, in)
}

func (s *Server) splitIncident(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.incidents()
	if err != nil {
		return err
	}
	var body struct {
		AlertIDs []string `json:"alertIds"`
	}
	if err := decodeBody(w, r, &body); err != nil {
		return err
	}
	in, err := svc.Split(r.Context(), chi.URLParam(r, "id"), body.AlertIDs, actor(r))
	if err != nil {
		return incidentErr(err)
	}
	return s.writeIncident(w, r, http.StatusCreated, in)
}

func (s *Server) undoIncident(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.incidents()
	if err != nil {
		return err
	}
	in, err := svc.Undo(r.Context(), chi.URLParam(r, "id"), actor(r))
	if err != nil {
		return incidentErr(err)
	}
	return s.writeIncident(w, r, http.StatusOK, in)
}

func (s *Server) moveAlert(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.incidents()
	if err != nil {
		return err
	}
	var body struct {
		IncidentID string `json:"incidentId"`
	}
	if err := decodeBody(w, r, &body); err != nil {
		return err
	}
	if body.IncidentID == "" {
		return &Error{Status: http.StatusBadRequest, Code: "bad_request", Message: "incidentId (the incident to move the alert to) is required"}
	}
	in, err := svc.Move(r.Context(), chi.URLParam(r, "id"), body.IncidentID, actor(r))
	if err != nil {
		return incidentErr(err)
	}
	return s.writeIncident(w, r, http.StatusOK, in)
}

// writeIncident answers a change with the incident record as the caller may see it.
func (s *Server) writeIncident(w http.ResponseWriter, r *http.Request, status int, in state.Incident) error {
	rec, err := s.scopeIncident(r.Context(), s.scope(r), s.ruleNames(r.Context()), in)
	if err != nil {
		return incidentErr(err)
	}
	return writeJSON(w, status, rec)
}
