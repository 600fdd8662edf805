package analytics

import (
	"context"
	"fmt"
	"sync"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/kql"
	"github.com/vigilsec/vigil/internal/kql/plan"
	"github.com/vigilsec/vigil/internal/store/duckdb"
)

// An NRT query that the row evaluator cannot run event by event (summarize, mv-expand, make-series, a join with a
// let-bound table...) runs in batch mode: its compiled SQL is evaluated over the rows of each stream batch, loaded
// into a scratch in-memory DuckDB database and removed again. Each event is in exactly one batch and each batch is
// evaluated once per rule, so every event is counted once, as Sentinel's NRT rules count each event once; a summarize
// sees the events of one batch (the events that arrived together, up to the consumer's batch size) rather than a
// time window. Queries with where/extend/project only keep the event-by-event path and its latency.

// batchMode reports whether q can run in batch mode: it reads exactly one table (the table the batch belongs to)
// and compiles to SQL.
func batchMode(q *kql.Query) (string, error) {
	tables := map[string]bool{}
	var walk func(n plan.Node)
	walk = func(n plan.Node) {
		if s, ok := n.(*plan.Scan); ok {
			tables[s.Table] = true
		}
		for _, in := range n.Inputs() {
			walk(in)
		}
	}
	walk(q.Plan())
	if len(tables) != 1 {
		return "", fmt.Errorf("an NRT query reads exactly one table; this one reads %d", len(tables))
	}
	if _, err := q.DuckDB(); err != nil {
		return "", err
	}
	for t := range tables {
		return t, nil
	}
	return "", nil
}

// scratch is the in-memory database batch-mode queries run in. One batch at a time: the table holds only the
// batch being evaluated.
type scratch struct {
	mu sync.Mutex
	db *duckdb.DB
}

func (s *scratch) run(ctx context.Context, cat kql.Catalog, q *kql.Query, b *batch.Batch) ([]string, [][]any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db == nil {
		db, err := duckdb.Open(ctx, "", duckdb.Options{Threads: 1, MemoryLimit: "256MB"})
		if err != nil {
			return nil, nil, fmt.Errorf("nrt scratch database: %w", err)
		}
		s.db = db
	}
	t, ok := cat.Table(b.Table)
	if !ok {
		return nil, nil, fmt.Errorf("table %s is not in the catalogue", b.Table)
	}
	if err := s.db.EnsureTable(ctx, t); err != nil {
		return nil, nil, err
	}
	defer func() {
		// Leave nothing behind: the next batch (or a redelivery of this one) starts from an empty table.
		_ = s.db.DeleteAll(context.WithoutCancel(ctx), t)
	}()
	if _, err := s.db.Append(ctx, []*batch.Batch{b}); err != nil {
		return nil, nil, err
	}
	res, err := q.Run(ctx, s.db, 10000)
	if err != nil {
		return nil, nil, err
	}
	cols := make([]string, len(res.Columns))
	for i, c := range res.Columns {
		cols[i] = c.Name
	}
	return cols, res.Rows, nil
}
