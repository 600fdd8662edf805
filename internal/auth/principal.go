package auth

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/vigilsec/vigil/internal/state"
)

// PermAuthenticated is not a right of any role but the mark of routes every signed-in principal may use (its own
// profile, password, second factor and tokens, signing out).
const PermAuthenticated Permission = "authenticated"

// AllPermissions lists the permissions a role may hold, in a stable order.
func AllPermissions() []Permission {
	return []Permission{PermIngest, PermReadData, PermManageTokens, PermReadMetrics, PermHunt, PermManageRules,
		PermManageIncidents, PermRunResponse, PermApproveResponse, PermManageAutomation, PermManageUsers, PermManageSettings}
}

// ValidPermission reports whether p is a permission a role may hold.
func ValidPermission(p Permission) bool { return slices.Contains(AllPermissions(), p) }

// Principal is who a request acts as: a user (through a session or one of their tokens) or a service token.
type Principal struct {
	// Kind is "user" or "token" (a service token that belongs to no user).
	Kind string `json:"kind"`
	// ID is the user id for users, the token id for service tokens; Name is the user name or the token name.
	ID   string `json:"id"`
	Name string `json:"name"`
	Role string `json:"role"`
	// Method is "session" or "token".
	Method    string `json:"method"`
	TokenID   string `json:"tokenId,omitempty"`
	SessionID string `json:"sessionId,omitempty"`
	// Permissions are the rights in force: the role's, narrowed by a token's scopes.
	Permissions []Permission `json:"permissions"`
	// TableGroups, when not empty, limit reading and hunting to these table groups (a custom role's restriction).
	TableGroups []string `json:"tableGroups,omitempty"`
	// CSRF is the session's anti-forgery token (sessions only).
	CSRF string `json:"-"`
}

// Can reports whether the principal holds p. Every principal holds PermAuthenticated.
func (p *Principal) Can(perm Permission) bool {
	return perm == PermAuthenticated || slices.Contains(p.Permissions, perm)
}

// UserID returns the id of the user the principal acts for ("" for a service token).
func (p *Principal) UserID() string {
	if p.Kind == "user" {
		return p.ID
	}
	return ""
}

// Authorizer resolves roles, built-in and custom, to their permissions.
type Authorizer struct {
	Store state.Identity
}

// RolePermissions returns the permissions and table groups of a built-in or custom role.
func (a *Authorizer) RolePermissions(ctx context.Context, role string) ([]Permission, []string, error) {
	if perms, ok := Roles[role]; ok {
		return perms, nil, nil
	}
	if a == nil || a.Store == nil {
		return nil, nil, fmt.Errorf("%w %q", ErrUnknownRole, role)
	}
	r, err := a.Store.Role(ctx, role)
	if errors.Is(err, state.ErrNotFound) {
		return nil, nil, fmt.Errorf("%w %q", ErrUnknownRole, role)
	}
	if err != nil {
		return nil, nil, err
	}
	perms := make([]Permission, 0, len(r.Permissions))
	for _, p := range r.Permissions {
		perms = append(perms, Permission(p))
	}
	return perms, r.TableGroups, nil
}

// CheckRole returns an error naming the known roles when role is neither built-in nor a custom role.
func (a *Authorizer) CheckRole(ctx context.Context, role string) error {
	_, _, err := a.RolePermissions(ctx, role)
	if errors.Is(err, ErrUnknownRole) {
		names := RoleNames()
		if a != nil && a.Store != nil {
			if custom, cerr := a.Store.Roles(ctx); cerr == nil {
				for _, r := range custom {
					names = append(names, r.Name)
				}
			}
		}
		return fmt.Errorf("%w (one of %s)", err, strings.Join(names, ", "))
	}
	return err
}

// Narrow returns the permissions of perms that are also in scopes (all of perms when scopes is empty).
func Narrow(perms []Permission, scopes []string) []Permission {
	if len(scopes) == 0 {
		return slices.Clone(perms)
	}
	out := []Permission{}
	for _, p := range perms {
		if slices.Contains(scopes, string(p)) {
			out = append(out, p)
		}
	}
	return out
}

// CheckScopes refuses scopes that are not permissions.
func CheckScopes(scopes []string) error {
	var bad []string
	for _, s := range scopes {
		if !ValidPermission(Permission(s)) {
			bad = append(bad, s)
		}
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return fmt.Errorf("%w: unknown scopes %s", ErrBadScope, strings.Join(bad, ", "))
	}
	return nil
}

// ErrBadScope is returned for a token scope that is not a permission.
var ErrBadScope = errors.New("invalid scope")

// ForToken resolves the principal of a verified token: a user's token acts with its user's current role (a disabled
// or deleted user's tokens stop working), a service token with its own role; scopes narrow either.
func (a *Authorizer) ForToken(ctx context.Context, tok state.Token) (*Principal, error) {
	p := &Principal{Kind: "token", ID: tok.ID, Name: tok.Name, Role: tok.Role, Method: "token", TokenID: tok.ID}
	if tok.UserID != "" {
		if a == nil || a.Store == nil {
			return nil, ErrInvalidToken
		}
		u, err := a.Store.User(ctx, tok.UserID)
		if errors.Is(err, state.ErrNotFound) {
			return nil, ErrInvalidToken
		}
		if err != nil {
			return nil, err
		}
		if u.Disabled {
			return nil, ErrInvalidToken
		}
		p.Kind, p.ID, p.Name, p.Role = "user", u.ID, u.Username, u.Role
	}
	perms, groups, err := a.RolePermissions(ctx, p.Role)
	if errors.Is(err, ErrUnknownRole) {
		perms = nil // a role deleted since: the token holds nothing
	} else if err != nil {
		return nil, err
	}
	p.Permissions, p.TableGroups = Narrow(perms, tok.Scopes), groups
	return p, nil
}

// ForUser resolves the principal of a signed-in user.
func (a *Authorizer) ForUser(ctx context.Context, u state.User, method string) (*Principal, error) {
	p := &Principal{Kind: "user", ID: u.ID, Name: u.Username, Role: u.Role, Method: method}
	perms, groups, err := a.RolePermissions(ctx, u.Role)
	if errors.Is(err, ErrUnknownRole) {
		perms = nil
	} else if err != nil {
		return nil, err
	}
	p.Permissions, p.TableGroups = slices.Clone(perms), groups
	return p, nil
}
