package api

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/vigilsec/vigil/internal/state"
)

func (s *Server) listAlerts(w http.ResponseWriter, r *http.Request) error {
	if s.d.Alerts == nil {
		return &Error{Status: http.StatusServiceUnavailable, Code: "unavailable", Message: "alerts are not available"}
	}
	q := r.URL.Query()
	f := state.AlertFilter{Severity: q.Get("severity"), Status: q.Get("status"), RuleID: q.Get("ruleId")}
	for name, dst := range map[string]*int{"limit": &f.Limit, "offset": &f.Offset} {
		if v := q.Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return &Error{Status: http.StatusBadRequest, Code: "bad_request", Message: name + " must be a non-negative integer"}
			}
			*dst = n
		}
	}
	alerts, total, err := s.d.Alerts.ListAlerts(r.Context(), f)
	if err != nil {
		return err
	}
	sc, names := s.scope(r), s.ruleNames(r.Context())
	out := make([]alertView, len(alerts))
	for i := range alerts {
		wh := sc.Alert(&alerts[i], names)
		out[i] = alertView{Alert: alerts[i], Withheld: wh}
		out[i].Event = nil // the list stays light; GET /alerts/{id} has the evidence
	}
	return writeJSON(w, http.StatusOK, map[string]any{"alerts": out, "total": total})
}

func (s *Server) getAlert(w http.ResponseWriter, r *http.Request) error {
	if s.d.Alerts == nil {
		return &Error{Status: http.StatusServiceUnavailable, Code: "unavailable", Message: "alerts are not available"}
	}
	a, err := s.d.Alerts.Alert(r.Context(), chi.URLParam(r, "id"))
	if err != nil {
		return err
	}
	wh := s.scope(r).Alert(&a, s.ruleNames(r.Context()))
	return writeJSON(w, http.StatusOK, alertView{Alert: a, Withheld: wh})
}
