package state

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// ErrConflict is returned when a record would clash with an existing one (a taken user name, a role name).
var ErrConflict = errors.New("state: conflict")

// User is a person who signs in to Vigil: a local account (password) or one created at first single sign-on.
type User struct {
	ID          string `json:"id"`
	Username    string `json:"username"`
	DisplayName string `json:"displayName,omitempty"`
	Email       string `json:"email,omitempty"`
	Role        string `json:"role"`
	// Source is "local" or "oidc".
	Source string `json:"source"`
	// ExternalID is the identity provider's issuer and subject ("issuer|sub") of an SSO user.
	ExternalID string `json:"externalId,omitempty"`
	Disabled   bool   `json:"disabled"`
	// PasswordHash is the encoded argon2id hash (empty: no password, SSO only). Never serialised.
	PasswordHash string `json:"-"`
	// FailedLogins counts consecutive failed sign-ins; LockedUntil is set when they reach the limit.
	FailedLogins int        `json:"failedLogins"`
	LockedUntil  *time.Time `json:"lockedUntil,omitempty"`
	// TOTPSecret is the sealed TOTP secret (see internal/secret); TOTPEnabled once the user confirmed a code.
	TOTPSecret    []byte `json:"-"`
	TOTPEnabled   bool   `json:"totpEnabled"`
	RecoveryCodes []byte `json:"-"` // JSON list of SHA-256 hashes of unused recovery codes
	// TOTPLastStep is the last time step accepted, so a code is never accepted twice.
	TOTPLastStep      int64      `json:"-"`
	CreatedAt         time.Time  `json:"createdAt"`
	UpdatedAt         time.Time  `json:"updatedAt"`
	LastLogin         *time.Time `json:"lastLogin,omitempty"`
	PasswordChangedAt *time.Time `json:"passwordChangedAt,omitempty"`
}

// Session is a signed-in browser session. Only the hash of its cookie value is stored.
type Session struct {
	ID        string    `json:"id"` // a public id (for listing and revoking), not the cookie value
	UserID    string    `json:"userId"`
	CSRF      string    `json:"-"`
	CreatedAt time.Time `json:"createdAt"`
	LastSeen  time.Time `json:"lastSeen"`
	ExpiresAt time.Time `json:"expiresAt"` // absolute expiry
	SourceIP  string    `json:"sourceIp"`
	UserAgent string    `json:"userAgent"`
	// Method is how the user signed in: password, password+totp, oidc.
	Method string `json:"method"`
}

// Role is a custom role: a named set of permissions (built-in roles live in code, in internal/auth).
type Role struct {
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Permissions []string `json:"permissions"`
	// TableGroups, when not empty, limits data:read and hunt to the tables of these groups.
	TableGroups []string  `json:"tableGroups,omitempty"`
	CreatedAt   time.Time `json:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt"`
}

// AuditEntry is one row of the audit trail.
type AuditEntry struct {
	Seq        int64           `json:"seq"`
	Time       time.Time       `json:"time"`
	ActorType  string          `json:"actorType"` // user, token, anonymous, system
	ActorID    string          `json:"actorId,omitempty"`
	Actor      string          `json:"actor"`
	AuthMethod string          `json:"authMethod,omitempty"` // session, token, password, oidc
	SourceIP   string          `json:"sourceIp,omitempty"`
	Action     string          `json:"action"` // user.create, auth.login, hunt.run, or METHOD route
	TargetType string          `json:"targetType,omitempty"`
	Target     string          `json:"target,omitempty"`
	Outcome    string          `json:"outcome"` // success, failure, denied
	Status     int             `json:"status,omitempty"`
	Before     json.RawMessage `json:"before,omitempty"`
	After      json.RawMessage `json:"after,omitempty"`
	Details    json.RawMessage `json:"details,omitempty"`
	RequestID  string          `json:"requestId,omitempty"`
}

// AuditFilter selects audit entries; zero fields select everything.
type AuditFilter struct {
	Since, Until time.Time
	Actor        string // actor name or id
	Action       string // exact action, or a prefix ending in "." (such as "user.")
	TargetType   string
	Target       string
	Outcome      string
	AfterSeq     int64 // entries with a greater sequence number only
	Limit        int   // default 100, at most 1000
	Ascending    bool  // oldest first (default newest first)
}

// Approval is an action that waits for a second person's approval before it runs.
type Approval struct {
	ID          string          `json:"id"`
	Kind        string          `json:"kind"` // what will run, such as response.isolate_device
	Target      string          `json:"target,omitempty"`
	Params      json.RawMessage `json:"params,omitempty"`
	Reason      string          `json:"reason,omitempty"`
	Permission  string          `json:"permission"` // what the approver must hold
	RequestedBy string          `json:"requestedBy"`
	RequestedAt time.Time       `json:"requestedAt"`
	ExpiresAt   time.Time       `json:"expiresAt"`
	Status      string          `json:"status"` // pending, approved, rejected, cancelled, expired
	DecidedBy   string          `json:"decidedBy,omitempty"`
	DecidedAt   *time.Time      `json:"decidedAt,omitempty"`
	Comment     string          `json:"comment,omitempty"`
}

// Identity is the part of the state store that holds users, sessions, custom roles, the audit trail and approvals.
type Identity interface {
	CreateUser(ctx context.Context, u User) error
	UpdateUser(ctx context.Context, u User) error
	DeleteUser(ctx context.Context, id string) error
	User(ctx context.Context, id string) (User, error)
	UserByName(ctx context.Context, username string) (User, error)
	UserByExternalID(ctx context.Context, externalID string) (User, error)
	Users(ctx context.Context) ([]User, error)
	CountUsers(ctx context.Context) (int, error)

	CreateSession(ctx context.Context, s Session, hash []byte) error
	SessionByHash(ctx context.Context, hash []byte) (Session, error)
	TouchSession(ctx context.Context, id string, at time.Time) error
	DeleteSession(ctx context.Context, id string) error
	DeleteUserSessions(ctx context.Context, userID string) error
	DeleteExpiredSessions(ctx context.Context, now time.Time, idle time.Duration) (int, error)

	CreateRole(ctx context.Context, r Role) error
	UpdateRole(ctx context.Context, r Role) error
	DeleteRole(ctx context.Context, name string) error
	Role(ctx context.Context, name string) (Role, error)
	Roles(ctx context.Context) ([]Role, error)

	AppendAudit(ctx context.Context, e AuditEntry) (int64, error)
	Audit(ctx context.Context, f AuditFilter) ([]AuditEntry, error)
	// AuditMirrored returns how far the audit trail has been copied to the event store; SetAuditMirrored moves it.
	AuditMirrored(ctx context.Context) (int64, error)
	SetAuditMirrored(ctx context.Context, seq int64) error

	CreateApproval(ctx context.Context, a Approval) error
	Approval(ctx context.Context, id string) (Approval, error)
	Approvals(ctx context.Context, status string) ([]Approval, error)
	// DecideApproval sets the status of a pending approval; ErrConflict if it is no longer pending.
	DecideApproval(ctx context.Context, a Approval) error
}
