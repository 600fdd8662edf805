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
	// CheckpointInterval bounds how long a committed batch waits for the checkpoint that makes it durable, when
	// the store's commits are durable only after one (DuckDB without its write-ahead log): the writer acknowledges
	// the stream only then, so this is also how long the stream keeps a written batch (0: 5s).
	CheckpointInterval time.Duration

	// mu guards what follows: the writer's goroutine and the ticker of Run both start checkpoints.
	mu              sync.Mutex
	sinceCheckpoint int
	bytesSince      int64
	tableRows       map[string]int64 // rows committed per table, counted from the table's size at first sight
	checkpointDue   bool             // a checkpoint was due while one ran, or failed: it is started after the next commit
	ckpt            checkpointRun
	// With deferred acknowledgement: the committed batches no checkpoint has taken yet, the stream sequences of
	// all those not yet acknowledged (a running checkpoint's included), and when the oldest of held was committed.
	deferAck  bool
	held      []stream.Receipt
	heldSeq   map[uint64]bool
	heldSince time.Time
	failedAt  time.Time // when the last checkpoint failed: the next is not tried within retryAfter of it
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
		tableRows: map[string]int64{}, heldSeq: map[uint64]bool{}}
}

// Run consumes until ctx ends. Each delivery is committed in one store transaction together with its batch ids;
// batches already written (replays after a crash) are skipped.
//
// When the store's commits are durable only once checkpointed (see CheckpointInterval), a batch is acknowledged
// on the stream after the first checkpoint that started after its commit has returned; until then the stream
// keeps it, and after a crash delivers it again to be written anew (the store lost it with the uncheckpointed
// rest, its id included). At the end Run checkpoints and acknowledges what it holds.
func (w *Writer) Run(ctx context.Context) error {
	cc := writerConsumer
	if d, ok := w.events.(durability); ok && d.CommitsNeedCheckpoint() {
		w.deferAck, cc.DeferAck = true, true
	}
	tickDone := make(chan struct{})
	var tick sync.WaitGroup
	if w.deferAck {
		tick.Add(1)
		go func() {
			defer tick.Done()
			w.checkpointEvery(ctx, tickDone)
		}()
	}
	err := w.stream.Consume(ctx, cc, w.handle)
	close(tickDone)
	tick.Wait()
	w.ckpt.wg.Wait()
	if w.deferAck {
		w.flushHeld()
	}
	return err
}

// durability is an event store that says whether a commit is durable by itself.
type durability interface {
	CommitsNeedCheckpoint() bool
}

// Unacked returns how many committed batches wait for a checkpoint to be acknowledged on the stream. The stream's
// lag counts them until then; lag minus Unacked (read after the lag) is what is not yet written.
func (w *Writer) Unacked() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return uint64(len(w.heldSeq))
}

func (w *Writer) interval() time.Duration {
	if w.CheckpointInterval > 0 {
		return w.CheckpointInterval
	}
	return 5 * time.Second
}

// checkpointEvery starts a checkpoint when the oldest held batch has waited CheckpointInterval, until done closes.
func (w *Writer) checkpointEvery(ctx context.Context, done <-chan struct{}) {
	cp, ok := w.events.(checkpointer)
	if !ok {
		return
	}
	t := time.NewTicker(max(w.interval()/8, 10*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
		}
		w.mu.Lock()
		if len(w.held) > 0 && time.Since(w.heldSince) >= w.interval() && time.Since(w.failedAt) >= retryAfter {
			w.startCheckpoint(ctx, cp)
		}
		w.mu.Unlock()
	}
}

// flushHeld checkpoints and acknowledges what is held, at the end of Run. Should it fail, the batches stay on the
// stream and the next start writes them again (or skips those the store's close did checkpoint).
func (w *Writer) flushHeld() {
	w.mu.Lock()
	held := w.held
	w.held = nil
	w.mu.Unlock()
	cp, ok := w.events.(checkpointer)
	if len(held) == 0 || !ok {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := cp.Checkpoint(ctx); err != nil {
		w.log.Warn("store checkpoint at stop failed; the stream delivers its batches again at the next start", "batches", len(held), "err", err)
		return
	}
	w.ack(ctx, held)
}

// ack acknowledges batches whose rows the store file holds (held ones a checkpoint made durable, or skipped ones
// written before) and forgets them as held.
func (w *Writer) ack(ctx context.Context, rs []stream.Receipt) {
	w.mu.Lock()
	for _, r := range rs {
		delete(w.heldSeq, r.Seq)
	}
	w.mu.Unlock()
	if err := w.stream.Ack(ctx, rs); err != nil {
		w.log.Warn("ack failed; the stream delivers those batches again and the writer skips them", "err", err)
	}
}

// writerConsumer takes up to 7 MiB of batches per transaction (eight of the ingest benchmark's 5,000-event batches
// of 500-byte DeviceProcessEvents events, about 0.9 MB each), and up to 16 of them, and waits at most 100 ms for
// them. With 9 MiB those batches came ten to a transaction (50,000 rows): p99 ingest-to-queryable rose from about
// 1 s to 2 s, peak RSS from 0.7 to 0.95 GB, and the CPU per event by a quarter (docs/ingest-performance.md,
// "Rows per transaction, session 8"). Bounding by
// bytes rather than by count lets narrow rows (Syslog: 2,700 rows in 0.3 MB) fill larger transactions, which cost
// less per row, while wide ones keep the size that holds ingest-to-queryable latency and memory: a count of 16
// for every table gave Syslog its gain but pushed the ingest benchmark's p99 past 2 s and its RSS near 1 GiB
// (docs/ingest-performance.md, "Rows per transaction"). Larger transactions cost less per row only while they stay
// under DuckDB's row group (122,880 rows): beyond it DuckDB writes them straight into row groups of their own,
// leaving a partly filled one per transaction (a larger, slower-to-scan file), and every row waits for the whole
// transaction to commit, which is what ingest-to-queryable latency measures.
//
// MaxAckPending leaves room for the batches that wait for a checkpoint to be acknowledged (a row group of Syslog
// rows is a few hundred small batches).
var writerConsumer = stream.ConsumerConfig{Name: WriterName, MaxMessages: 16, MaxBytes: 7 << 20, MaxWait: 100 * time.Millisecond,
	MaxAckPending: 2048}

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
	if w.deferAck {
		w.hold(ctx, msgs, isSkipped, now)
	}
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

// hold keeps the committed messages of a delivery until a checkpoint makes them durable. A skipped message (its
// batch id was in the store) that is not held comes from a checkpointed state, of a process before this one or of
// a checkpoint that ran already: it is acknowledged now. One that is held (delivered again because its checkpoint
// took longer than the consumer's AckWait) stays held.
func (w *Writer) hold(ctx context.Context, msgs []stream.Msg, skipped map[*batch.Batch]bool, now time.Time) {
	var done []stream.Receipt
	w.mu.Lock()
	for _, m := range msgs {
		if w.heldSeq[m.Seq] {
			continue
		}
		if skipped[m.Batch] {
			done = append(done, m.Receipt())
			continue
		}
		if len(w.held) == 0 {
			w.heldSince = now
		}
		w.held = append(w.held, m.Receipt())
		w.heldSeq[m.Seq] = true
	}
	w.mu.Unlock()
	if len(done) > 0 {
		w.ack(ctx, done)
	}
}

// checkpointer is the part of the event store that writes its log into the database file, and counts a table's
// rows (to find its row-group boundaries).
type checkpointer interface {
	Checkpoint(ctx context.Context) error
	RowCount(ctx context.Context, table string) (int64, error)
}

// checkpoint starts a store checkpoint when a table's committed rows cross a multiple of CheckpointRows (122,880 by
// default: a DuckDB row group) and at least CheckpointBytes (20 MiB) of batches were committed since the last one
// or the rows since are that wide (rowGroupBytes), or when CheckpointRows × 4 rows of any tables were. The byte floor keeps narrow rows from checkpointing every
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
// tried again after the next commit (or the next tick of Run's timer).
//
// Without the store's write-ahead log, a commit is durable only once a checkpoint has run: then a checkpoint also
// comes due when the oldest batch that waits for one has waited CheckpointInterval, and each checkpoint
// acknowledges the batches committed before it started. With the log, a commit is durable by itself, the stream is
// acknowledged at once, and DuckDB's own threshold also checkpoints.
func (w *Writer) checkpoint(ctx context.Context, written []*batch.Batch, writtenBytes int64) {
	cp, ok := w.events.(checkpointer)
	if !ok {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	due := w.checkpointDue || w.ckpt.failed.Load()
	if w.deferAck && len(w.held) > 0 && time.Since(w.heldSince) >= w.interval() {
		due = true
	}
	// Many small batches fill the consumer's MaxAckPending long before a row group: the server would stop
	// delivering until the interval's checkpoint.
	if w.deferAck && len(w.heldSeq) >= writerConsumer.MaxAckPending/2 {
		due = true
	}
	if w.CheckpointRows > 0 {
		every := int64(w.CheckpointRows)
		w.bytesSince += writtenBytes
		added := map[string]int64{}
		for _, b := range written {
			added[b.Table] += int64(b.Len)
			w.sinceCheckpoint += b.Len
		}
		if w.sinceCheckpoint >= 4*w.CheckpointRows {
			due = true
		}
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
			if before/every != (before+n)/every && w.rowGroupBytes() >= w.CheckpointBytes {
				due = true
			}
		}
	}
	switch {
	case !due:
	case w.ckpt.failed.Load() && time.Since(w.failedAt) < retryAfter:
		w.checkpointDue = true // a failing checkpoint is tried again at most every retryAfter
	default:
		w.startCheckpoint(ctx, cp)
	}
}

// rowGroupBytes is what the rows committed since the last checkpoint weigh, or, when that is less, what a row group
// of rows as wide as them weighs: the byte floor asks whether rows are wide enough to checkpoint at each row group,
// and counting only the bytes since the last checkpoint would miss a row group whenever that checkpoint started
// late (one was running when it came due), making wide rows checkpoint every other row group. w.mu must be held.
func (w *Writer) rowGroupBytes() int64 {
	b := w.bytesSince
	if w.sinceCheckpoint > 0 {
		b = max(b, w.bytesSince*int64(w.CheckpointRows)/int64(w.sinceCheckpoint))
	}
	return b
}

// retryAfter is the least time between a failed checkpoint and the next try.
const retryAfter = time.Second

// startCheckpoint starts a checkpoint on its own goroutine or, while one runs, marks one due after the next
// commit. With deferred acknowledgement the checkpoint takes the held batches, all committed before it starts,
// and acknowledges them once it has returned; if it fails, they are held again. w.mu must be held.
func (w *Writer) startCheckpoint(ctx context.Context, cp checkpointer) {
	if w.ckpt.running.Load() {
		w.checkpointDue = true
		return
	}
	w.ckpt.running.Store(true)
	w.sinceCheckpoint, w.bytesSince, w.checkpointDue = 0, 0, false
	w.ckpt.failed.Store(false)
	taken, since := w.held, w.heldSince
	w.held = nil
	w.ckpt.wg.Add(1)
	go func() {
		defer w.ckpt.wg.Done()
		start := time.Now()
		// Not cancelled when Run's ctx ends: Run waits for it, and flushHeld would only run it again.
		if err := cp.Checkpoint(context.WithoutCancel(ctx)); err != nil {
			if !w.ckpt.failing && ctx.Err() == nil {
				w.log.Warn("store checkpoint failed; trying again after the next commit", "err", err)
			}
			w.ckpt.failing = true
			w.mu.Lock()
			if len(taken) > 0 {
				w.held = append(taken, w.held...)
				w.heldSince = since
			}
			w.failedAt = time.Now()
			w.ckpt.failed.Store(true)
			w.ckpt.running.Store(false)
			w.mu.Unlock()
			return
		}
		took := time.Since(start)
		w.ckpt.failing = false
		if len(taken) > 0 {
			w.ack(context.WithoutCancel(ctx), taken)
		}
		w.ckpt.running.Store(false)
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
