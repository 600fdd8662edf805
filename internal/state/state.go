// Package state defines the state store: everything Vigil keeps that is not an event — API tokens, ingestion
// statistics, custom table definitions, and later rules, alerts, incidents, users and the audit trail.
// Implementations live in sub-packages (state/sqlite; PostgreSQL later).
package state

import (
	"context"
	"errors"
	"time"

	"github.com/vigilsec/vigil/internal/schema"
)

// ErrNotFound is returned when a looked-up record does not exist.
var ErrNotFound = errors.New("state: not found")

// Token is an API token's record. The secret itself is never stored, only its hash.
type Token struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Role string `json:"role"`
	// UserID is the user the token acts for ("" for a service token that holds a role itself).
	UserID string `json:"userId,omitempty"`
	// Scopes, when not empty, limit the token to these permissions (within its role or its user's role).
	Scopes    []string   `json:"scopes,omitempty"`
	CreatedAt time.Time  `json:"createdAt"`
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
	LastUsed  *time.Time `json:"lastUsed,omitempty"`
	Revoked   bool       `json:"revoked"`
}

// IngestStat counts one table's ingestion since the data directory was created.
type IngestStat struct {
	Table    string     `json:"table"`
	Received int64      `json:"received"`
	Accepted int64      `json:"accepted"`
	Rejected int64      `json:"rejected"`
	Written  int64      `json:"written"`
	LastAt   *time.Time `json:"lastAt,omitempty"`
}

// Store is the state store. All methods are safe for concurrent use.
type Store interface {
	// CreateToken stores a token record with the hash of its secret.
	CreateToken(ctx context.Context, t Token, hash []byte) error
	// TokenByHash returns the token whose secret hashes to hash, or ErrNotFound.
	TokenByHash(ctx context.Context, hash []byte) (Token, error)
	// TouchToken records that the token was used at time at.
	TouchToken(ctx context.Context, id string, at time.Time) error
	// Tokens lists all tokens.
	Tokens(ctx context.Context) ([]Token, error)
	// RevokeToken revokes a token; ErrNotFound if there is none with that id.
	RevokeToken(ctx context.Context, id string) error

	// AddIngestStats adds the deltas (Received, Accepted, Rejected, Written of each entry) to the stored counts.
	AddIngestStats(ctx context.Context, deltas []IngestStat) error
	// IngestStats returns the counts of every table, sorted by table.
	IngestStats(ctx context.Context) ([]IngestStat, error)

	// SaveCustomTable records the columns of a custom table (without the system columns).
	SaveCustomTable(ctx context.Context, name string, cols []schema.Column) error
	// CustomTables returns every recorded custom table.
	CustomTables(ctx context.Context) (map[string][]schema.Column, error)

	// Close closes the store.
	Close() error
}
