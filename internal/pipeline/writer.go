package pipeline

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
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
	// Admission, when set, is told of each commit, so waiting ingest requests go on without waiting for the next
	// poll of the stream's lag.
	Admission *Admission
	// CheckpointRows, when positive, makes the writer run a store checkpoint after the commit that brings the rows
	// committed since the last one to at least this many (see checkpoint).
	CheckpointRows int
	// CheckpointBytes, when positive, is the least the writer commits (batch bytes on the stream) between two
	// checkpoints at row-group boundaries (see checkpoint).
	CheckpointBytes int64
	sinceCheckpoint int
	bytesSince      int64
	tableRows       map[string]int64 // rows committed per table, counted from the table's size at first sight
	checkpointDue   bool             // a checkpoint was due while one ran, or failed: it is started after the next commit
	ckpt            checkpointRun
	// OnWrite, when set, is called after each store transaction with its size and timing (for benchmarks).
	OnWrite func(WriteStat)
	// OnCheckpoint, when set, is called after each checkpoint the writer started, with its duration (for
	// benchmarks; it runs on the checkpoint's goroutine).
	OnCheckpoint func(time.Duration)
	lastDone     time.Time
}

// checkpointRun is the state of the writer's checkpoints, which run beside its transactions.
type checkpointRun struct {
	running atomic.Bool // a checkpoint is running
	failed  atomic.Bool // the last one failed: start another after the next commit
	failing bool        // a failure was logged (read and written only by the checkpoint goroutine)
	wg      sync.WaitGroup
}

// WriteStat describes one store transaction of the writer.
type WriteStat struct {
	Batches, Rows int
	// Idle is the time from the end of the previous transaction to the start of this one: waiting for the stream.
	Idle time.Duration
	// Took is the time the transaction took, commit included (and an automatic checkpoint the commit ran).
	Took time.Duration
}

// NewWriter returns a Writer.
func NewWriter(s *stream.Stream, ev store.Events, catalog *schema.Catalog, stats *Stats, m *Metrics, log *slog.Logger) *Writer {
	return &Writer{stream: s, events: ev, catalog: catalog, stats: stats, metrics: m, log: log, ensured: map[string]*schema.Table{},
		tableRows: map[string]int64{}}
}

// Run consumes until ctx ends. Each delivery is committed in one store transaction together with its batch ids;
// batches already written (replays after a crash) are skipped.
func (w *Writer) Run(ctx context.Context) error {
	err := w.stream.Consume(ctx, writerConsumer, w.handle)
	w.ckpt.wg.Wait()
	return err
}

// writerConsumer takes up to 9 MiB of batches per transaction (eight of the ingest benchmark's 5,000-event batches
// of DeviceProcessEvents, about 1.1 MB each), and up to 16 of them, and waits at most 100 ms for them. Bounding by
// bytes rather than by count lets narrow rows (Syslog: 2,700 rows in 0.3 MB) fill larger transactions, which cost
// less per row, while wide ones keep the size that holds ingest-to-queryable latency and memory: a count of 16
// for every table gave Syslog its gain but pushed the ingest benchmark's p99 past 2 s and its RSS near 1 GiB
// (docs/ingest-performance.md, "Rows per transaction"). Larger transactions cost less per row only while they stay
// under DuckDB's row group (122,880 rows): beyond it DuckDB writes them straight into row groups of their own,
// leaving a partly filled one per transaction (a larger, slower-to-scan file), and every row waits for the whole
// transaction to commit, which is what ingest-to-queryable latency measures.
var writerConsumer = stream.ConsumerConfig{Name: WriterName, MaxMessages: 16, MaxBytes: 9 << 20, MaxWait: 100 * time.Millisecond}

// Prepare creates the writer's durable consumer, so the stream keeps everything published from now on for it.
func (w *Writer) Prepare(ctx context.Context) error {
	_, err := w.stream.EnsureConsumer(ctx, writerConsumer)
	return err
}

func (w *Writer) handle(ctx context.Context, msgs []stream.Msg) error {
	batches := make([]*batch.Batch, 0, len(msgs))
	for _, m := range msgs {
		if err := w.ensure(ctx, m.Batch.Table); err != nil {
			return err
		}
		batches = append(batches, m.Batch)
	}
	start := time.Now()
	skipped, err := w.events.Append(ctx, batches)
	if err != nil {
		return err
	}
	took := time.Since(start)
	w.metrics.WriteSeconds.Observe(took.Seconds())
	if len(skipped) > 0 {
		w.log.Info("replayed batches skipped; they were already written", "batches", len(skipped))
	}
	isSkipped := make(map[*batch.Batch]bool, len(skipped))
	for _, b := range skipped {
		isSkipped[b] = true
	}
	now := time.Now()
	var written []*batch.Batch
	var writtenBytes int64
	for _, m := range msgs {
		b := m.Batch
		if isSkipped[b] {
			continue
		}
		written = append(written, b)
		writtenBytes += int64(m.Size)
		w.metrics.Written.WithLabelValues(b.Table).Add(float64(b.Len))
		w.metrics.Queryable.Observe(now.Sub(time.UnixMicro(b.Received)).Seconds())
		n := int64(b.Len)
		w.stats.add(b.Table, func(s *state.IngestStat) { s.Written += n })
	}
	if w.OnCommit != nil && len(written) > 0 {
		w.OnCommit(written)
	}
	w.Admission.Committed(len(batches))
	w.checkpoint(ctx, written, writtenBytes)
	if w.OnWrite != nil {
		st := WriteStat{Batches: len(batches), Took: took}
		for _, b := range batches {
			st.Rows += b.Len
		}
		if !w.lastDone.IsZero() {
			st.Idle = start.Sub(w.lastDone)
		}
		w.OnWrite(st)
	}
	w.lastDone = time.Now()
	return nil
}

// checkpointer is the part of the event store that writes its log into the database file, and counts a table's
// rows (to find its row-group boundaries).
type checkpointer interface {
	Checkpoint(ctx context.Context) error
	RowCount(ctx context.Context, table string) (int64, error)
}

// checkpoint starts a store checkpoint when a table's committed rows cross a multiple of CheckpointRows (122,880 by
// default: a DuckDB row group) and at least CheckpointBytes (20 MiB) of batches were committed since the last one,
// or when CheckpointRows × 4 rows of any tables were. The byte floor keeps narrow rows from checkpointing every
// row group, which pays a checkpoint's fixed part too often (config.DefaultCheckpointBytes).
// DuckDB runs one by itself inside the commit that brings its write-ahead log to checkpoint_threshold (512MB, about
// 1.5 million benchmark rows), and that commit then takes seconds, during which no row is written: every request in
// flight waits for it, which made the tail of ingest-to-queryable latency. A checkpoint compresses the rows added
// since the last one, and the last, partly filled row group of a table again: checkpointing just after a row
// group filled up keeps that repeated part small (docs/ingest-performance.md).
//
// The checkpoint runs on its own goroutine and connection while the writer goes on with the next transactions:
// DuckDB checkpoints what was committed when it starts, beside an open write transaction, and the writer, which
// spent about a third of its time in checkpoints, no longer waits for them. At most one runs at a time; one that
// comes due meanwhile starts after the first commit that follows its end. A failed checkpoint is logged once and
// tried again after the next commit; DuckDB's own threshold still applies. Durability does not depend on it: a
// commit is in the write-ahead log before the stream is acknowledged.
func (w *Writer) checkpoint(ctx context.Context, written []*batch.Batch, writtenBytes int64) {
	if w.CheckpointRows <= 0 {
		return
	}
	cp, ok := w.events.(checkpointer)
	if !ok {
		return
	}
	every := int64(w.CheckpointRows)
	w.bytesSince += writtenBytes
	added := map[string]int64{}
	for _, b := range written {
		added[b.Table] += int64(b.Len)
		w.sinceCheckpoint += b.Len
	}
	due := w.checkpointDue || w.ckpt.failed.Load() || w.sinceCheckpoint >= 4*w.CheckpointRows
	for table, n := range added {
		before, known := w.tableRows[table]
		if !known {
			// First commit to this table since start: its row count, this commit's rows included.
			total, err := cp.RowCount(ctx, table)
			if err != nil {
				continue
			}
			before = total - n
		}
		w.tableRows[table] = before + n
		if before/every != (before+n)/every && w.bytesSince >= w.CheckpointBytes {
			due = true
		}
	}
	if !due {
		return
	}
	if w.ckpt.running.Load() {
		w.checkpointDue = true
		return
	}
	w.ckpt.running.Store(true)
	w.sinceCheckpoint, w.bytesSince, w.checkpointDue = 0, 0, false
	w.ckpt.failed.Store(false)
	w.ckpt.wg.Add(1)
	go func() {
		defer w.ckpt.wg.Done()
		defer w.ckpt.running.Store(false)
		start := time.Now()
		if err := cp.Checkpoint(ctx); err != nil {
			if !w.ckpt.failing && ctx.Err() == nil {
				w.log.Warn("store checkpoint failed; trying again after the next commit", "err", err)
			}
			w.ckpt.failing = true
			w.ckpt.failed.Store(true)
			return
		}
		took := time.Since(start)
		w.ckpt.failing = false
		w.metrics.CheckpointSeconds.Observe(took.Seconds())
		if w.OnCheckpoint != nil {
			w.OnCheckpoint(took)
		}
	}()
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
