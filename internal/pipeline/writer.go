package pipeline

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/state"
	"github.com/vigilsec/vigil/internal/store"
	"github.com/vigilsec/vigil/internal/stream"
)

// WriterName is the durable consumer name of the store writer.
const WriterName = "store-writer"

// Writer consumes the stream and appends batches to the event store.
type Writer struct {
	stream  *stream.Stream
	events  store.Events
	catalog *schema.Catalog
	stats   *Stats
	metrics *Metrics
	log     *slog.Logger
	ensured map[string]*schema.Table
	// OnCommit, when set, is called after each commit with the committed batches (for tests and benchmarks).
	OnCommit func([]*batch.Batch)
}

// NewWriter returns a Writer.
func NewWriter(s *stream.Stream, ev store.Events, catalog *schema.Catalog, stats *Stats, m *Metrics, log *slog.Logger) *Writer {
	return &Writer{stream: s, events: ev, catalog: catalog, stats: stats, metrics: m, log: log, ensured: map[string]*schema.Table{}}
}

// Run consumes until ctx ends. Each delivery is committed in one store transaction together with its last stream
// sequence; deliveries at or below the recorded sequence (replays after a crash) are skipped.
func (w *Writer) Run(ctx context.Context) error {
	return w.stream.Consume(ctx, writerConsumer, w.handle)
}

var writerConsumer = stream.ConsumerConfig{Name: WriterName, MaxMessages: 32, MaxWait: 100 * time.Millisecond}

// Prepare creates the writer's durable consumer, so the stream keeps everything published from now on for it.
func (w *Writer) Prepare(ctx context.Context) error {
	_, err := w.stream.EnsureConsumer(ctx, writerConsumer)
	return err
}

func (w *Writer) handle(ctx context.Context, msgs []stream.Msg) error {
	applied, err := w.events.Applied(ctx, WriterName)
	if err != nil {
		return fmt.Errorf("read applied sequence: %w", err)
	}
	var batches []*batch.Batch
	last := applied
	for _, m := range msgs {
		if m.Seq <= applied {
			continue // already committed before a crash or restart
		}
		if err := w.ensure(ctx, m.Batch.Table); err != nil {
			return err
		}
		batches = append(batches, m.Batch)
		last = m.Seq
	}
	if len(batches) == 0 {
		return nil
	}
	start := time.Now()
	if err := w.events.Append(ctx, WriterName, last, batches); err != nil {
		return err
	}
	w.metrics.WriteSeconds.Observe(time.Since(start).Seconds())
	now := time.Now()
	for _, b := range batches {
		w.metrics.Written.WithLabelValues(b.Table).Add(float64(b.Len))
		w.metrics.Queryable.Observe(now.Sub(time.UnixMicro(b.Received)).Seconds())
		n := int64(b.Len)
		w.stats.add(b.Table, func(s *state.IngestStat) { s.Written += n })
	}
	if w.OnCommit != nil {
		w.OnCommit(batches)
	}
	return nil
}

func (w *Writer) ensure(ctx context.Context, name string) error {
	t, ok := w.catalog.Table(name)
	if !ok {
		return fmt.Errorf("batch of unknown table %s", name)
	}
	if w.ensured[name] == t {
		return nil
	}
	if err := w.events.EnsureTable(ctx, t); err != nil {
		return err
	}
	w.ensured[name] = t
	return nil
}
