package pipeline

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/vigilsec/vigil/internal/state"
)

// Stats gathers per-table ingestion counts in memory and adds them to the state store periodically and on Flush.
type Stats struct {
	st  state.Store
	log *slog.Logger

	mu      sync.Mutex
	pending map[string]*state.IngestStat
}

// NewStats returns a Stats that saves into st.
func NewStats(st state.Store, log *slog.Logger) *Stats {
	return &Stats{st: st, log: log, pending: map[string]*state.IngestStat{}}
}

func (s *Stats) add(table string, f func(*state.IngestStat)) {
	s.mu.Lock()
	p := s.pending[table]
	if p == nil {
		p = &state.IngestStat{Table: table}
		s.pending[table] = p
	}
	f(p)
	now := time.Now().UTC()
	p.LastAt = &now
	s.mu.Unlock()
}

// Flush saves the pending counts.
func (s *Stats) Flush(ctx context.Context) error {
	s.mu.Lock()
	deltas := make([]state.IngestStat, 0, len(s.pending))
	for _, p := range s.pending {
		deltas = append(deltas, *p)
	}
	s.pending = map[string]*state.IngestStat{}
	s.mu.Unlock()
	if err := s.st.AddIngestStats(ctx, deltas); err != nil {
		// Put them back so they are not lost.
		for _, d := range deltas {
			d := d
			s.add(d.Table, func(p *state.IngestStat) {
				p.Received += d.Received
				p.Accepted += d.Accepted
				p.Rejected += d.Rejected
				p.Written += d.Written
			})
		}
		return err
	}
	return nil
}

// Run flushes every interval until ctx ends, then once more.
func (s *Stats) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			if err := s.Flush(context.WithoutCancel(ctx)); err != nil {
				s.log.Warn("saving ingest stats failed", "err", err)
			}
			return
		case <-t.C:
			if err := s.Flush(ctx); err != nil {
				s.log.Warn("saving ingest stats failed", "err", err)
			}
		}
	}
}
