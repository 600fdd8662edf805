package api

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/vigilsec/vigil/internal/audit"
	"github.com/vigilsec/vigil/internal/auth"
	"github.com/vigilsec/vigil/internal/state"
)

// Approver runs an approved action of one kind. Response actions register one per kind (Deps.Approvers); an
// approval of a kind without an Approver is only recorded, for actions carried out outside Vigil.
type Approver func(ctx context.Context, a state.Approval) error

var approvalKindRE = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$`)

// approvalTTL is how long a request waits for a decision before it expires.
const approvalTTL = 24 * time.Hour

// expire marks a pending approval past its expiry as expired (on read).
func (s *Server) expire(ctx context.Context, a state.Approval) state.Approval {
	if a.Status == "pending" && time.Now().After(a.ExpiresAt) {
		a.Status = "expired"
		now := time.Now().UTC().Truncate(time.Microsecond)
		a.DecidedAt = &now
		if err := s.d.Identity.DecideApproval(ctx, a); err != nil {
			s.d.Log.Warn("expiring approval", "id", a.ID, "err", err)
		}
	}
	return a
}

func (s *Server) listApprovals(w http.ResponseWriter, r *http.Request) error {
	if err := s.identityOn(); err != nil {
		return err
	}
	status := r.URL.Query().Get("status")
	list, err := s.d.Identity.Approvals(r.Context(), "")
	if err != nil {
		return err
	}
	out := []state.Approval{}
	for _, a := range list {
		a = s.expire(r.Context(), a)
		if status == "" || a.Status == status {
			out = append(out, a)
		}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"approvals": out})
}

func (s *Server) getApproval(w http.ResponseWriter, r *http.Request) error {
	if err := s.identityOn(); err != nil {
		return err
	}
	a, err := s.d.Identity.Approval(r.Context(), chi.URLParam(r, "id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.expire(r.Context(), a))
}

type approvalRequest struct {
	Kind   string          `json:"kind"`
	Target string          `json:"target"`
	Params json.RawMessage `json:"params"`
	Reason string          `json:"reason"`
}

func (s *Server) requestApproval(w http.ResponseWriter, r *http.Request) error {
	if err := s.identityOn(); err != nil {
		return err
	}
	var req approvalRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	audit.Describe(r.Context(), audit.Change{Action: "approval.request", TargetType: "approval", Target: req.Kind})
	if !approvalKindRE.MatchString(req.Kind) || len(req.Kind) > 128 {
		return &Error{Status: http.StatusBadRequest, Code: "bad_request", Message: "kind: dotted lower-case words, such as response.isolate_device"}
	}
	if len(req.Params) > 0 && !json.Valid(req.Params) {
		return &Error{Status: http.StatusBadRequest, Code: "bad_request", Message: "params: not JSON"}
	}
	p, _ := PrincipalFrom(r.Context())
	now := time.Now().UTC().Truncate(time.Microsecond)
	a := state.Approval{ID: "apr_" + auth.RandomID(), Kind: req.Kind, Target: req.Target, Params: req.Params, Reason: req.Reason,
		Permission: string(auth.PermApproveResponse), RequestedBy: p.Kind + ":" + p.ID, RequestedAt: now,
		ExpiresAt: now.Add(approvalTTL), Status: "pending"}
	if err := s.d.Identity.CreateApproval(r.Context(), a); err != nil {
		return err
	}
	audit.Describe(r.Context(), audit.Change{Action: "approval.request", TargetType: "approval", Target: a.ID, After: a})
	return writeJSON(w, http.StatusCreated, a)
}

func (s *Server) decide(w http.ResponseWriter, r *http.Request, status string) error {
	if err := s.identityOn(); err != nil {
		return err
	}
	var req struct {
		Comment string `json:"comment"`
	}
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	ctx := r.Context()
	id := chi.URLParam(r, "id")
	action := map[string]string{"approved": "approval.approve", "rejected": "approval.reject", "cancelled": "approval.cancel"}[status]
	audit.Describe(ctx, audit.Change{Action: action, TargetType: "approval", Target: id})
	before, err := s.d.Identity.Approval(ctx, id)
	if err != nil {
		return err
	}
	before = s.expire(ctx, before)
	p, _ := PrincipalFrom(ctx)
	me := p.Kind + ":" + p.ID
	switch {
	case status == "cancelled" && before.RequestedBy != me && !p.Can(auth.PermManageUsers):
		return &Error{Status: http.StatusForbidden, Code: "forbidden", Message: "only the requester or an admin may cancel a request"}
	case status != "cancelled" && before.RequestedBy == me:
		return &Error{Status: http.StatusForbidden, Code: "four_eyes", Message: "a request must be decided by someone other than its requester"}
	case status != "cancelled" && !p.Can(auth.Permission(before.Permission)):
		return auth.ErrForbidden
	}
	after := before
	now := time.Now().UTC().Truncate(time.Microsecond)
	after.Status, after.DecidedBy, after.DecidedAt, after.Comment = status, me, &now, req.Comment
	if err := s.d.Identity.DecideApproval(ctx, after); err != nil {
		return err
	}
	audit.Describe(ctx, audit.Change{Action: action, TargetType: "approval", Target: id, Before: before, After: after})
	out := map[string]any{"approval": after}
	if status == "approved" {
		if run, ok := s.d.Approvers[after.Kind]; ok {
			if err := run(ctx, after); err != nil {
				out["runError"] = err.Error()
			} else {
				out["ran"] = true
			}
		}
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) approve(w http.ResponseWriter, r *http.Request) error {
	return s.decide(w, r, "approved")
}
func (s *Server) reject(w http.ResponseWriter, r *http.Request) error {
	return s.decide(w, r, "rejected")
}
func (s *Server) cancelApproval(w http.ResponseWriter, r *http.Request) error {
	return s.decide(w, r, "cancelled")
}

// tableGroups are the groups a custom role may limit reading to (auth.TableGroups: defender, sentinel, vigil,
// custom).
func (s *Server) tableGroups() []string { return auth.TableGroups(s.d.Catalog) }

func (s *Server) validTableGroup(g string) bool {
	for _, k := range s.tableGroups() {
		if k == g {
			return true
		}
	}
	return false
}
