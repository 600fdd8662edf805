package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/vigilsec/vigil/internal/auth"
	"github.com/vigilsec/vigil/internal/hunt"
	"github.com/vigilsec/vigil/internal/state/sqlite"
)

// FunctionService manages stored KQL functions (*hunt.FunctionService).
type FunctionService interface {
	List(ctx context.Context) ([]hunt.FunctionInfo, error)
	Get(ctx context.Context, name string) (hunt.FunctionInfo, error)
	Put(ctx context.Context, f sqlite.Function, by string) (hunt.FunctionInfo, error)
	Delete(ctx context.Context, name, by string) error
	Versions(ctx context.Context, name string) ([]sqlite.FunctionVersion, error)
}

// maxFunctionBytes bounds a function definition in a request body.
const maxFunctionBytes = 1 << 20

// mountFunctions registers the stored function routes: reading them is part of hunting, changing them is managing
// detection content (analytics rules call them).
func (s *Server) mountFunctions(r chi.Router) {
	read, manage := s.require(auth.PermHunt), s.require(auth.PermManageRules)
	r.With(read).Get("/functions", handle(s.listFunctions))
	r.With(read).Get("/functions/{name}", handle(s.getFunction))
	r.With(manage).Put("/functions/{name}", handle(s.putFunction))
	r.With(manage).Delete("/functions/{name}", handle(s.deleteFunction))
	r.With(read).Get("/functions/{name}/versions", handle(s.functionVersions))
}

func (s *Server) functions() (FunctionService, error) {
	if s.d.Functions == nil {
		return nil, &Error{Status: http.StatusServiceUnavailable, Code: "unavailable", Message: "stored functions are not available"}
	}
	return s.d.Functions, nil
}

func (s *Server) listFunctions(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.functions()
	if err != nil {
		return err
	}
	list, err := svc.List(r.Context())
	if err != nil {
		return err
	}
	if src := r.URL.Query().Get("source"); src != "" {
		kept := list[:0]
		for _, f := range list {
			if f.Source == src {
				kept = append(kept, f)
			}
		}
		list = kept
	}
	if list == nil {
		list = []hunt.FunctionInfo{}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"functions": list, "total": len(list)})
}

func (s *Server) getFunction(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.functions()
	if err != nil {
		return err
	}
	f, err := svc.Get(r.Context(), chi.URLParam(r, "name"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, f)
}

// functionRequest is the body of PUT /functions/{name}.
type functionRequest struct {
	Body        string `json:"body"`
	Description string `json:"description"`
	Category    string `json:"category"`
}

func (s *Server) putFunction(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.functions()
	if err != nil {
		return err
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxFunctionBytes))
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return &Error{Status: http.StatusRequestEntityTooLarge, Code: "body_too_large", Message: "a function definition is at most 1 MiB"}
		}
		return err
	}
	var req functionRequest
	if err := json.Unmarshal(raw, &req); err != nil {
		return &Error{Status: http.StatusBadRequest, Code: "bad_request", Message: "the body must be a JSON object with body, description and category"}
	}
	if req.Body == "" {
		return &Error{Status: http.StatusBadRequest, Code: "bad_request", Message: "body (the function's KQL) is required"}
	}
	name := chi.URLParam(r, "name")
	prev, getErr := svc.Get(r.Context(), name)
	f, err := svc.Put(r.Context(), sqlite.Function{Name: name, Body: req.Body, Description: req.Description, Category: req.Category}, changedBy(r))
	if err != nil {
		if errors.Is(err, hunt.ErrInvalidFunction) {
			return &Error{Status: http.StatusBadRequest, Code: "invalid_function", Message: err.Error(), Err: err}
		}
		return err
	}
	status := http.StatusOK
	if getErr != nil || prev.Source != hunt.SourceStored {
		status = http.StatusCreated
	}
	return writeJSON(w, status, f)
}

func (s *Server) deleteFunction(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.functions()
	if err != nil {
		return err
	}
	if err := svc.Delete(r.Context(), chi.URLParam(r, "name"), changedBy(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) functionVersions(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.functions()
	if err != nil {
		return err
	}
	v, err := svc.Versions(r.Context(), chi.URLParam(r, "name"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"versions": v})
}
