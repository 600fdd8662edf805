package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/vigilsec/vigil/internal/audit"
	"github.com/vigilsec/vigil/internal/hunt"
)

func decodeJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &Error{Status: http.StatusBadRequest, Code: "bad_request", Message: "invalid JSON body: " + err.Error()}
	}
	return nil
}

func (s *Server) hunt(w http.ResponseWriter, r *http.Request) error {
	if s.d.Hunt == nil {
		return &Error{Status: http.StatusServiceUnavailable, Code: "unavailable", Message: "hunting is not available"}
	}
	var req hunt.Request
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	audit.Describe(r.Context(), audit.Change{Action: "hunt.run", TargetType: "query",
		Details: map[string]any{"query": req.Query, "timespan": req.Timespan, "limit": req.Limit}})
	req.Allow = s.scope(r).Allow()
	res, err := s.d.Hunt.Run(r.Context(), req)
	var qe *hunt.QueryError
	if errors.As(err, &qe) {
		diags := make([]hunt.Diagnostic, 0, len(qe.Errors))
		for _, e := range qe.Errors {
			diags = append(diags, hunt.Diagnostic{Error: *e})
		}
		return &Error{Status: http.StatusBadRequest, Code: "kql_error", Message: qe.Error(), Extra: map[string]any{"diagnostics": diags}}
	}
	if err != nil {
		return err
	}
	if strings.Contains(r.Header.Get("Accept"), "application/x-ndjson") {
		// One line with the columns, a line per row (a JSON array), and a closing line with the statistics.
		w.Header().Set("Content-Type", "application/x-ndjson")
		enc := json.NewEncoder(w)
		if err := enc.Encode(map[string]any{"columns": res.Columns}); err != nil {
			return nil
		}
		for _, row := range res.Rows {
			if err := enc.Encode(row); err != nil {
				return nil // the client went away
			}
		}
		_ = enc.Encode(map[string]any{"stats": res.Stats, "truncated": res.Truncated})
		return nil
	}
	return writeJSON(w, http.StatusOK, res)
}

type kqlRequest struct {
	Query string `json:"query"`
	// Position is the cursor's byte offset (complete only); -1 or absent: the end.
	Position *int `json:"position,omitempty"`
}

func (s *Server) kqlCheck(w http.ResponseWriter, r *http.Request) error {
	if s.d.Hunt == nil {
		return &Error{Status: http.StatusServiceUnavailable, Code: "unavailable", Message: "the KQL engine is not available"}
	}
	var req kqlRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.d.Hunt.CheckScoped(req.Query, s.scope(r).Allow()))
}

func (s *Server) kqlComplete(w http.ResponseWriter, r *http.Request) error {
	if s.d.Hunt == nil {
		return &Error{Status: http.StatusServiceUnavailable, Code: "unavailable", Message: "the KQL engine is not available"}
	}
	var req kqlRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	pos := len(req.Query)
	if req.Position != nil && *req.Position >= 0 {
		if *req.Position > len(req.Query) {
			return &Error{Status: http.StatusBadRequest, Code: "bad_request", Message: fmt.Sprintf("position %d is past the end of the query (%d bytes)", *req.Position, len(req.Query))}
		}
		pos = *req.Position
	}
	return writeJSON(w, http.StatusOK, map[string]any{"completions": s.d.Hunt.CompleteScoped(req.Query, pos, s.scope(r).Allow())})
}
