// Package store defines the event store: where normalised events are kept, one table per schema table, and queried
// with SQL that the KQL compiler generates. Implementations live in sub-packages (store/duckdb; ClickHouse later)
// and pass the same conformance tests.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/schema"
)

// ErrNotFound is returned for a table the store does not have.
var ErrNotFound = errors.New("store: not found")

// Events is the event store.
//
// Lifecycle: open (implementation-specific), EnsureTable for each table before its first Append, Close once.
// Append may be called by one writer at a time per consumer name; Query and Count may run concurrently with it and
// with each other, and see only committed appends.
type Events interface {
	// EnsureTable creates t if it is missing and adds any of t's columns the stored table lacks.
	EnsureTable(ctx context.Context, t *schema.Table) error
	// Append writes the batches in one transaction, together with their ids: after a crash either all of it is
	// visible or none, and a batch whose id was already appended is skipped (a replay never writes a row twice).
	// It returns the batches it skipped. Batches must be of tables made by EnsureTable.
	Append(ctx context.Context, batches []*batch.Batch) (skipped []*batch.Batch, err error)
	// Query runs a read-only SQL statement and returns at most maxRows typed rows (0: no cap) and whether more
	// were available.
	Query(ctx context.Context, sql string, maxRows int) (*Result, error)
	// DeleteBefore removes the rows of table whose time column is before cutoff and returns how many went.
	DeleteBefore(ctx context.Context, table *schema.Table, cutoff time.Time) (int64, error)
	// Close flushes and closes the store.
	Close() error
}

// ResultColumn is a column of a query result.
type ResultColumn struct {
	Name string      `json:"name"`
	Type schema.Type `json:"type"`
}

// Result is the typed outcome of a query. Values are nil, string, int64, float64, bool, time.Time (UTC),
// time.Duration, or for dynamic columns the decoded JSON (map[string]any, []any, ...).
type Result struct {
	Columns   []ResultColumn `json:"columns"`
	Rows      [][]any        `json:"rows"`
	Truncated bool           `json:"truncated,omitempty"`
}
