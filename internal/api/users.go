package api

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/vigilsec/vigil/internal/audit"
	"github.com/vigilsec/vigil/internal/auth"
	"github.com/vigilsec/vigil/internal/state"
)

// errEscalation refuses granting rights the caller does not hold.
func errEscalation(what string) error {
	return &Error{Status: http.StatusForbidden, Code: "escalation", Message: "you cannot grant " + what + " that you do not hold yourself"}
}

// canGrantPermissions checks that the caller holds every permission in perms: nobody hands out more than they have,
// so a custom role allowed to manage users cannot make anyone (itself included) an admin.
func canGrantPermissions(r *http.Request, perms []string) error {
	p, ok := PrincipalFrom(r.Context())
	if !ok {
		return auth.ErrForbidden
	}
	for _, perm := range perms {
		if !p.Can(auth.Permission(perm)) {
			return errEscalation("the permission " + strconv.Quote(perm))
		}
	}
	return nil
}

// canGrantGroups checks that the caller reads every table a role limited to groups reads (auth.Scope.Covers).
func (s *Server) canGrantGroups(r *http.Request, groups []string) error {
	if sc := s.scope(r); !sc.Covers(groups) {
		return &Error{Status: http.StatusForbidden, Code: "escalation",
			Message: "you cannot grant reading tables outside your role's table groups (" + strings.Join(sc.Groups(), ", ") + ")"}
	}
	return nil
}

// canGrantRole checks that the caller holds every permission of role and reads every table it reads (unknown
// roles are left to the validation).
func (s *Server) canGrantRole(r *http.Request, role string) error {
	perms, groups, err := s.d.Authz.RolePermissions(r.Context(), role)
	if err != nil {
		return nil
	}
	if err := s.canGrantGroups(r, groups); err != nil {
		return &Error{Status: http.StatusForbidden, Code: "escalation",
			Message: "you cannot grant the role " + strconv.Quote(role) + ", which reads tables outside your role's table groups"}
	}
	names := make([]string, len(perms))
	for i, p := range perms {
		names[i] = string(p)
	}
	if err := canGrantPermissions(r, names); err != nil {
		return errEscalation("the role " + strconv.Quote(role) + ", which holds rights")
	}
	return nil
}

// canManageUser checks the caller may act on user id: they must hold every right of its role, so that resetting a
// password or a second factor never hands over an account stronger than the caller's.
func (s *Server) canManageUser(r *http.Request, id string) error {
	u, err := s.d.Identity.User(r.Context(), id)
	if err != nil {
		return err
	}
	return s.canGrantRole(r, u.Role)
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) error {
	if err := s.identityOn(); err != nil {
		return err
	}
	users, err := s.d.Identity.Users(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"users": users})
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) error {
	if err := s.identityOn(); err != nil {
		return err
	}
	var req auth.NewUser
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	audit.Describe(r.Context(), audit.Change{Action: "user.create", TargetType: "user", Target: req.Username})
	if err := s.canGrantRole(r, req.Role); err != nil {
		return err
	}
	u, err := s.d.Users.Create(r.Context(), req)
	if err != nil {
		return err
	}
	audit.Describe(r.Context(), audit.Change{Action: "user.create", TargetType: "user", Target: u.ID, After: u})
	return writeJSON(w, http.StatusCreated, u)
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request) error {
	if err := s.identityOn(); err != nil {
		return err
	}
	u, err := s.d.Identity.User(r.Context(), chi.URLParam(r, "id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, u)
}

func (s *Server) updateUser(w http.ResponseWriter, r *http.Request) error {
	if err := s.identityOn(); err != nil {
		return err
	}
	var p auth.UserPatch
	if err := decodeJSON(r, &p); err != nil {
		return err
	}
	id := chi.URLParam(r, "id")
	if err := s.canManageUser(r, id); err != nil {
		audit.Describe(r.Context(), audit.Change{Action: "user.update", TargetType: "user", Target: id})
		return err
	}
	if p.Role != nil {
		if err := s.canGrantRole(r, *p.Role); err != nil {
			audit.Describe(r.Context(), audit.Change{Action: "user.update", TargetType: "user", Target: id})
			return err
		}
	}
	before, after, err := s.d.Users.Update(r.Context(), id, p)
	audit.Describe(r.Context(), audit.Change{Action: "user.update", TargetType: "user", Target: id, Before: before, After: after})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, after)
}

func (s *Server) deleteUser(w http.ResponseWriter, r *http.Request) error {
	if err := s.identityOn(); err != nil {
		return err
	}
	id := chi.URLParam(r, "id")
	if p, _ := PrincipalFrom(r.Context()); p.UserID() == id {
		return &Error{Status: http.StatusConflict, Code: "conflict", Message: "you cannot delete your own account"}
	}
	if err := s.canManageUser(r, id); err != nil {
		audit.Describe(r.Context(), audit.Change{Action: "user.delete", TargetType: "user", Target: id})
		return err
	}
	before, err := s.d.Users.Delete(r.Context(), id)
	audit.Describe(r.Context(), audit.Change{Action: "user.delete", TargetType: "user", Target: id, Before: before})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) resetPassword(w http.ResponseWriter, r *http.Request) error {
	if err := s.identityOn(); err != nil {
		return err
	}
	var req struct {
		Password string `json:"password"`
	}
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	id := chi.URLParam(r, "id")
	audit.Describe(r.Context(), audit.Change{Action: "user.password_reset", TargetType: "user", Target: id})
	if err := s.canManageUser(r, id); err != nil {
		return err
	}
	if _, err := s.d.Users.SetPassword(r.Context(), id, req.Password); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) unlockUser(w http.ResponseWriter, r *http.Request) error {
	if err := s.identityOn(); err != nil {
		return err
	}
	id := chi.URLParam(r, "id")
	audit.Describe(r.Context(), audit.Change{Action: "user.unlock", TargetType: "user", Target: id})
	u, err := s.d.Users.Unlock(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, u)
}

func (s *Server) resetTOTP(w http.ResponseWriter, r *http.Request) error {
	if err := s.identityOn(); err != nil {
		return err
	}
	id := chi.URLParam(r, "id")
	audit.Describe(r.Context(), audit.Change{Action: "user.totp_reset", TargetType: "user", Target: id})
	if err := s.canManageUser(r, id); err != nil {
		return err
	}
	if err := s.d.Users.DisableTOTP(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) endUserSessions(w http.ResponseWriter, r *http.Request) error {
	if err := s.identityOn(); err != nil {
		return err
	}
	id := chi.URLParam(r, "id")
	audit.Describe(r.Context(), audit.Change{Action: "user.sessions_end", TargetType: "user", Target: id})
	if _, err := s.d.Identity.User(r.Context(), id); err != nil {
		return err
	}
	if err := s.d.Identity.DeleteUserSessions(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// roleView is a role as listed: built-in roles carry builtIn and cannot be changed.
type roleView struct {
	state.Role
	BuiltIn bool `json:"builtIn"`
}

func (s *Server) listRoles(w http.ResponseWriter, r *http.Request) error {
	var out []roleView
	for _, name := range auth.RoleNames() {
		perms := []string{}
		for _, p := range auth.Roles[name] {
			perms = append(perms, string(p))
		}
		out = append(out, roleView{Role: state.Role{Name: name, Permissions: perms}, BuiltIn: true})
	}
	if s.d.Identity != nil {
		custom, err := s.d.Identity.Roles(r.Context())
		if err != nil {
			return err
		}
		for _, c := range custom {
			out = append(out, roleView{Role: c})
		}
	}
	perms := []string{}
	for _, p := range auth.AllPermissions() {
		perms = append(perms, string(p))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"roles": out, "permissions": perms})
}

type roleRequest struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Permissions []string `json:"permissions"`
	TableGroups []string `json:"tableGroups"`
}

func (s *Server) checkRole(req roleRequest) error {
	bad := func(msg string) error { return &Error{Status: http.StatusBadRequest, Code: "bad_role", Message: msg} }
	if !auth.ValidUsername(req.Name) || len(req.Name) > 64 {
		return bad("role name: 1 to 64 letters, digits and . _ @ + -")
	}
	if len(req.Permissions) == 0 {
		return bad("a role needs at least one permission")
	}
	if err := auth.CheckScopes(req.Permissions); err != nil {
		return bad(strings.Replace(err.Error(), "scopes", "permissions", 1))
	}
	var unknown []string
	for _, g := range req.TableGroups {
		if !s.validTableGroup(g) {
			unknown = append(unknown, g)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return bad("unknown table groups: " + strings.Join(unknown, ", ") + " (one of " + strings.Join(s.tableGroups(), ", ") + ")")
	}
	return nil
}

func (s *Server) createRole(w http.ResponseWriter, r *http.Request) error {
	if err := s.identityOn(); err != nil {
		return err
	}
	var req roleRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	audit.Describe(r.Context(), audit.Change{Action: "role.create", TargetType: "role", Target: req.Name})
	if err := s.checkRole(req); err != nil {
		return err
	}
	if err := canGrantPermissions(r, req.Permissions); err != nil {
		return err
	}
	if err := s.canGrantGroups(r, req.TableGroups); err != nil {
		return err
	}
	if auth.ValidRole(strings.ToLower(req.Name)) || auth.ValidRole(req.Name) {
		return &Error{Status: http.StatusConflict, Code: "conflict", Message: "built-in roles cannot be redefined"}
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	role := state.Role{Name: req.Name, Description: req.Description, Permissions: req.Permissions, TableGroups: req.TableGroups,
		CreatedAt: now, UpdatedAt: now}
	if err := s.d.Identity.CreateRole(r.Context(), role); err != nil {
		return err
	}
	audit.Describe(r.Context(), audit.Change{Action: "role.create", TargetType: "role", Target: role.Name, After: role})
	return writeJSON(w, http.StatusCreated, role)
}

func (s *Server) getRole(w http.ResponseWriter, r *http.Request) error {
	name := chi.URLParam(r, "name")
	if perms, ok := auth.Roles[name]; ok {
		ps := []string{}
		for _, p := range perms {
			ps = append(ps, string(p))
		}
		return writeJSON(w, http.StatusOK, roleView{Role: state.Role{Name: name, Permissions: ps}, BuiltIn: true})
	}
	if err := s.identityOn(); err != nil {
		return err
	}
	role, err := s.d.Identity.Role(r.Context(), name)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, roleView{Role: role})
}

var errBuiltInRole = &Error{Status: http.StatusConflict, Code: "built_in_role", Message: "built-in roles cannot be changed or deleted"}

func (s *Server) updateRole(w http.ResponseWriter, r *http.Request) error {
	if err := s.identityOn(); err != nil {
		return err
	}
	name := chi.URLParam(r, "name")
	audit.Describe(r.Context(), audit.Change{Action: "role.update", TargetType: "role", Target: name})
	if auth.ValidRole(name) {
		return errBuiltInRole
	}
	var req roleRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if req.Name == "" {
		req.Name = name
	}
	if req.Name != name {
		return &Error{Status: http.StatusBadRequest, Code: "bad_role", Message: "a role cannot be renamed"}
	}
	if err := s.checkRole(req); err != nil {
		return err
	}
	if err := canGrantPermissions(r, req.Permissions); err != nil {
		return err
	}
	if err := s.canGrantGroups(r, req.TableGroups); err != nil {
		return err
	}
	before, err := s.d.Identity.Role(r.Context(), name)
	if err != nil {
		return err
	}
	after := before
	after.Description, after.Permissions, after.TableGroups = req.Description, req.Permissions, req.TableGroups
	after.UpdatedAt = time.Now().UTC().Truncate(time.Microsecond)
	if err := s.d.Identity.UpdateRole(r.Context(), after); err != nil {
		return err
	}
	audit.Describe(r.Context(), audit.Change{Action: "role.update", TargetType: "role", Target: name, Before: before, After: after})
	return writeJSON(w, http.StatusOK, after)
}

func (s *Server) deleteRole(w http.ResponseWriter, r *http.Request) error {
	if err := s.identityOn(); err != nil {
		return err
	}
	name := chi.URLParam(r, "name")
	audit.Describe(r.Context(), audit.Change{Action: "role.delete", TargetType: "role", Target: name})
	if auth.ValidRole(name) {
		return errBuiltInRole
	}
	before, err := s.d.Identity.Role(r.Context(), name)
	if err != nil {
		return err
	}
	if err := s.d.Identity.DeleteRole(r.Context(), name); err != nil {
		return err
	}
	audit.Describe(r.Context(), audit.Change{Action: "role.delete", TargetType: "role", Target: name, Before: before})
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listAudit(w http.ResponseWriter, r *http.Request) error {
	if s.d.Audit == nil {
		return &Error{Status: http.StatusServiceUnavailable, Code: "unavailable", Message: "the audit trail is not available"}
	}
	// The trail is the VigilAudit table: a role limited to table groups reads it only with the vigil group.
	if err := requireGroup(s.scope(r), auth.GroupVigil, "the audit trail (VigilAudit)"); err != nil {
		return err
	}
	q := r.URL.Query()
	f := state.AuditFilter{Actor: q.Get("actor"), Action: q.Get("action"), TargetType: q.Get("targetType"), Target: q.Get("target"),
		Outcome: q.Get("outcome")}
	bad := func(name, v string) error {
		return &Error{Status: http.StatusBadRequest, Code: "bad_request", Message: name + ": " + strconv.Quote(v) + " is not valid"}
	}
	for name, dst := range map[string]*time.Time{"since": &f.Since, "until": &f.Until} {
		if v := q.Get(name); v != "" {
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				return bad(name+" (RFC 3339 time)", v)
			}
			*dst = t
		}
	}
	for name, dst := range map[string]*int{"limit": &f.Limit} {
		if v := q.Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 1000 {
				return bad(name+" (1 to 1000)", v)
			}
			*dst = n
		}
	}
	if v := q.Get("afterSeq"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return bad("afterSeq", v)
		}
		f.AfterSeq = n
	}
	entries, err := s.d.Audit.Query(r.Context(), f)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"entries": entries})
}
