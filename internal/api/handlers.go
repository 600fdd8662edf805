package api

import (
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/vigilsec/vigil/internal/audit"
	"github.com/vigilsec/vigil/internal/auth"
	"github.com/vigilsec/vigil/internal/pipeline"
	"github.com/vigilsec/vigil/internal/x/limitread"
)

func asError(err error, target **Error) bool { return errors.As(err, target) }

func (s *Server) getSchema(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, map[string]any{"tables": scopedTables(s.scope(r), s.d.Catalog.Tables())})
}

func (s *Server) getTable(w http.ResponseWriter, r *http.Request) error {
	name := chi.URLParam(r, "table")
	t, ok := s.d.Catalog.Table(name)
	if !ok || !s.scope(r).Table(t) { // a table outside the caller's groups does not exist for it
		return &Error{Status: http.StatusNotFound, Code: "unknown_table", Message: fmt.Sprintf("unknown table %q", name)}
	}
	return writeJSON(w, http.StatusOK, t)
}

func (s *Server) ingest(w http.ResponseWriter, r *http.Request) error {
	table := chi.URLParam(r, "table")
	var body io.Reader = limitread.New(r.Body, s.d.MaxBodyBytes)
	switch enc := strings.ToLower(r.Header.Get("Content-Encoding")); enc {
	case "", "identity":
	case "gzip":
		zr, err := gzip.NewReader(body)
		if err != nil {
			return &Error{Status: http.StatusBadRequest, Code: "bad_encoding", Message: "body is not valid gzip", Err: err}
		}
		defer zr.Close()
		// The decompressed size is bounded too, so a small bomb cannot expand without limit.
		body = limitread.New(zr, s.d.MaxBodyBytes)
	default:
		return &Error{Status: http.StatusUnsupportedMediaType, Code: "bad_encoding", Message: fmt.Sprintf("unsupported Content-Encoding %q (use gzip or none)", enc)}
	}
	res, err := s.d.Ingest.IngestNDJSON(r.Context(), table, body)
	out := ingestResponse{Table: table, Result: res}
	if err != nil {
		status, code, msg := statusOf(err)
		if errors.Is(err, errBodyTooLarge) {
			msg = fmt.Sprintf("request body exceeds %d bytes; the first %d events were accepted", s.d.MaxBodyBytes, res.Accepted)
		} else if status == http.StatusInternalServerError {
			s.d.Log.Error("ingest failed", "table", table, "err", err)
		}
		if errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) || errors.Is(err, io.ErrUnexpectedEOF) {
			status, code, msg = http.StatusBadRequest, "bad_body", "the body could not be read to its end: "+err.Error()
		}
		return &Error{Status: status, Code: code, Message: msg, Err: err, Extra: map[string]any{
			"table": table, "read": res.Read, "accepted": res.Accepted, "rejected": res.Rejected, "rejects": res.Rejects}}
	}
	status := http.StatusOK
	if res.Accepted == 0 && res.Rejected > 0 {
		status = http.StatusBadRequest
	}
	return writeJSON(w, status, out)
}

type ingestResponse struct {
	Table string `json:"table"`
	pipeline.Result
}

func (s *Server) ingestStats(w http.ResponseWriter, r *http.Request) error {
	stats, err := s.d.State.IngestStats(r.Context())
	if err != nil {
		return err
	}
	if sc := s.scope(r); sc.Limited() {
		kept := stats[:0]
		for _, st := range stats {
			if sc.TableNamed(st.Table) {
				kept = append(kept, st)
			}
		}
		stats = kept
	}
	return writeJSON(w, http.StatusOK, map[string]any{"tables": stats})
}

func (s *Server) whoami(w http.ResponseWriter, r *http.Request) error {
	if tok, ok := TokenFrom(r.Context()); ok {
		return writeJSON(w, http.StatusOK, tok)
	}
	p, _ := PrincipalFrom(r.Context())
	return writeJSON(w, http.StatusOK, p)
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) error {
	toks, err := s.d.State.Tokens(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"tokens": toks})
}

type createTokenRequest struct {
	Name string `json:"name"`
	Role string `json:"role"`
	// Scopes, when set, narrow the token to these permissions of its role.
	Scopes []string `json:"scopes"`
	// TTL such as "720h"; empty for no expiry.
	TTL string `json:"ttl"`
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) error {
	var req createTokenRequest
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return &Error{Status: http.StatusBadRequest, Code: "bad_request", Message: "invalid JSON body: " + err.Error()}
	}
	var ttl time.Duration
	if req.TTL != "" {
		d, err := time.ParseDuration(req.TTL)
		if err != nil || d <= 0 {
			return &Error{Status: http.StatusBadRequest, Code: "bad_request", Message: fmt.Sprintf("ttl %q is not a positive duration", req.TTL)}
		}
		ttl = d
	}
	audit.Describe(r.Context(), audit.Change{Action: "token.create", TargetType: "token", Target: req.Name})
	if err := s.canGrantRole(r, req.Role); err != nil {
		return err
	}
	rec, secret, err := s.d.Tokens.CreateSpec(r.Context(), auth.TokenSpec{Name: req.Name, Role: req.Role, Scopes: req.Scopes, TTL: ttl})
	if err != nil {
		if errors.Is(err, auth.ErrUnknownRole) || errors.Is(err, auth.ErrBadScope) {
			return &Error{Status: http.StatusBadRequest, Code: "bad_role", Message: err.Error()}
		}
		return err
	}
	audit.Describe(r.Context(), audit.Change{Action: "token.create", TargetType: "token", Target: rec.ID, After: rec})
	return writeJSON(w, http.StatusCreated, map[string]any{"token": rec, "secret": secret})
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) error {
	audit.Describe(r.Context(), audit.Change{Action: "token.revoke", TargetType: "token", Target: chi.URLParam(r, "id")})
	if err := s.d.State.RevokeToken(r.Context(), chi.URLParam(r, "id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
