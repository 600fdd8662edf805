package api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/vigilsec/vigil/internal/analytics"
	"github.com/vigilsec/vigil/internal/auth"
	"github.com/vigilsec/vigil/internal/state/sqlite"
)

// RuleService manages analytics rules (*analytics.Service).
type RuleService interface {
	List(ctx context.Context) ([]analytics.RuleInfo, error)
	Get(ctx context.Context, id string) (analytics.RuleInfo, error)
	Create(ctx context.Context, body []byte, by string) (analytics.RuleInfo, error)
	Update(ctx context.Context, id string, body []byte, by string) (analytics.RuleInfo, error)
	SetEnabled(ctx context.Context, id string, enabled bool, by string) (analytics.RuleInfo, error)
	Delete(ctx context.Context, id, by string) error
	Versions(ctx context.Context, id string) ([]sqlite.RuleVersion, []sqlite.RuleChange, error)
	Runs(ctx context.Context, id string, limit int) ([]sqlite.RuleRun, error)
}

// maxRuleBytes bounds a rule definition in a request body.
const maxRuleBytes = 1 << 20

// mountRules registers the analytics rules routes.
func (s *Server) mountRules(r chi.Router) {
	read, manage := s.require(auth.PermReadData), s.require(auth.PermManageRules)
	r.With(read).Get("/rules", handle(s.listRules))
	r.With(manage).Post("/rules", handle(s.createRule))
	r.With(read).Get("/rules/{id}", handle(s.getRule))
	r.With(manage).Put("/rules/{id}", handle(s.updateRule))
	r.With(manage).Delete("/rules/{id}", handle(s.deleteRule))
	r.With(read).Get("/rules/{id}/versions", handle(s.ruleVersions))
	r.With(read).Get("/rules/{id}/runs", handle(s.ruleRuns))
	r.With(manage).Post("/rules/{id}/enable", handle(s.enableRule(true)))
	r.With(manage).Post("/rules/{id}/disable", handle(s.enableRule(false)))
}

func (s *Server) rules() (RuleService, error) {
	if s.d.Rules == nil {
		return nil, &Error{Status: http.StatusServiceUnavailable, Code: "unavailable", Message: "analytics rules are not available"}
	}
	return s.d.Rules, nil
}

// ruleError maps the rule service's errors to API errors: a refused definition is a 400 with its reason code and,
// for a KQL error, the line and column in the query; a taken id is a 409.
func ruleError(err error) error {
	var inv *analytics.InvalidRuleError
	switch {
	case errors.As(err, &inv):
		return &Error{Status: http.StatusBadRequest, Code: inv.Refusal.Reason, Message: inv.Refusal.Detail, Err: err,
			Extra: map[string]any{"refusal": inv.Refusal}}
	case errors.Is(err, sqlite.ErrRuleExists):
		return &Error{Status: http.StatusConflict, Code: "rule_exists", Message: "a rule with this id exists; PUT /api/v1/rules/{id} changes it", Err: err}
	}
	return err
}

// changedBy names the token that made a change, for the rule's change log.
func changedBy(r *http.Request) string {
	if t, ok := TokenFrom(r.Context()); ok {
		if t.Name != "" {
			return t.Name + " (" + t.ID + ")"
		}
		return t.ID
	}
	return ""
}

func readRuleBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRuleBytes))
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return nil, &Error{Status: http.StatusRequestEntityTooLarge, Code: "body_too_large", Message: "a rule definition is at most 1 MiB"}
		}
		return nil, err
	}
	return body, nil
}

func (s *Server) listRules(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.rules()
	if err != nil {
		return err
	}
	list, err := svc.List(r.Context())
	if err != nil {
		return err
	}
	sc := s.scope(r)
	for i := range list {
		s.scopeRule(r.Context(), sc, &list[i])
	}
	return writeJSON(w, http.StatusOK, map[string]any{"rules": list, "total": len(list)})
}

func (s *Server) createRule(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.rules()
	if err != nil {
		return err
	}
	body, err := readRuleBody(w, r)
	if err != nil {
		return err
	}
	if err := s.checkRuleScope(r, body); err != nil {
		return err
	}
	info, err := svc.Create(r.Context(), body, changedBy(r))
	if err != nil {
		return ruleError(err)
	}
	w.Header().Set("Location", "/api/v1/rules/"+info.ID)
	return writeJSON(w, http.StatusCreated, info)
}

func (s *Server) getRule(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.rules()
	if err != nil {
		return err
	}
	info, err := svc.Get(r.Context(), chi.URLParam(r, "id"))
	if err != nil {
		return err
	}
	s.scopeRule(r.Context(), s.scope(r), &info)
	return writeJSON(w, http.StatusOK, info)
}

func (s *Server) updateRule(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.rules()
	if err != nil {
		return err
	}
	body, err := readRuleBody(w, r)
	if err != nil {
		return err
	}
	if err := s.checkRuleScope(r, body); err != nil {
		return err
	}
	info, err := svc.Update(r.Context(), chi.URLParam(r, "id"), body, changedBy(r))
	if err != nil {
		return ruleError(err)
	}
	return writeJSON(w, http.StatusOK, info)
}

func (s *Server) deleteRule(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.rules()
	if err != nil {
		return err
	}
	if err := svc.Delete(r.Context(), chi.URLParam(r, "id"), changedBy(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) enableRule(enabled bool) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		svc, err := s.rules()
		if err != nil {
			return err
		}
		info, err := svc.SetEnabled(r.Context(), chi.URLParam(r, "id"), enabled, changedBy(r))
		if err != nil {
			return err
		}
		s.scopeRule(r.Context(), s.scope(r), &info)
		return writeJSON(w, http.StatusOK, info)
	}
}

func (s *Server) ruleVersions(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.rules()
	if err != nil {
		return err
	}
	id := chi.URLParam(r, "id")
	versions, changes, err := svc.Versions(r.Context(), id)
	if err != nil {
		return err
	}
	if len(versions) == 0 && len(changes) == 0 {
		return &Error{Status: http.StatusNotFound, Code: "not_found", Message: "no rule " + strconv.Quote(id)}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"versions": versions, "changes": changes})
}

func (s *Server) ruleRuns(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.rules()
	if err != nil {
		return err
	}
	limit := 0
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return &Error{Status: http.StatusBadRequest, Code: "bad_request", Message: "limit must be an integer from 1 to 1000"}
		}
		limit = n
	}
	runs, err := svc.Runs(r.Context(), chi.URLParam(r, "id"), limit)
	if err != nil {
		return err
	}
	if sc := s.scope(r); sc.Limited() {
		info, err := svc.Get(r.Context(), chi.URLParam(r, "id"))
		if err != nil || info.Rule == nil || s.readsOutside(sc, info.Rule.Query) {
			for i := range runs {
				if runs[i].Error != "" {
					runs[i].Error = withheldRuleError
				}
			}
		}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"runs": runs})
}
