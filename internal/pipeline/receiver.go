package pipeline

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/valyala/fastjson"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/ingest/normalize"
	"github.com/vigilsec/vigil/internal/ingest/parse/ndjson"
	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/state"
	"github.com/vigilsec/vigil/internal/stream"
)

// Errors a receiver returns; the API maps them to statuses.
var (
	// ErrUnknownTable: the table is not in the schema and is not a custom (_CL) table name.
	ErrUnknownTable = errors.New("unknown table")
	// ErrBackpressure: the stream or the writer is behind; retry later.
	ErrBackpressure = errors.New("ingestion is behind, retry later")
	// ErrBadTableName: a custom table name that is not a valid identifier.
	ErrBadTableName = errors.New("invalid table name")
)

// Publisher is the part of the stream a receiver uses.
type Publisher interface {
	Publish(ctx context.Context, b *batch.Batch) error
}

// ReceiverConfig limits a receiver.
type ReceiverConfig struct {
	MaxLineBytes int `yaml:"max_line_bytes"`
	BatchRows    int `yaml:"batch_rows"`
	// MaxLag is how many unwritten batches the stream may hold before requests wait (see [Admission]).
	MaxLag uint64 `yaml:"max_lag"`
	// AdmitWait is how long a request waits, in arrival order, for the lag to fall below MaxLag before it is
	// refused with ErrBackpressure (0: refused at once).
	AdmitWait time.Duration `yaml:"admit_wait"`
	// AdmitQueue caps the requests waiting at once (0: 256).
	AdmitQueue int `yaml:"admit_queue"`
}

// Receiver turns request bodies into durable batches on the stream.
type Receiver struct {
	cfg     ReceiverConfig
	catalog *schema.Catalog
	pub     Publisher
	state   state.Store
	stats   *Stats
	metrics *Metrics
	log     *slog.Logger
	admit   *Admission
	// lastLines is how many lines the last NDJSON request had: the next one's batch columns are sized for as many.
	lastLines atomic.Int64
}

// NewReceiver returns a Receiver.
func NewReceiver(cfg ReceiverConfig, catalog *schema.Catalog, pub Publisher, st state.Store, stats *Stats, m *Metrics, log *slog.Logger) *Receiver {
	return &Receiver{cfg: cfg, catalog: catalog, pub: pub, state: st, stats: stats, metrics: m, log: log,
		admit: NewAdmission(AdmissionConfig{MaxLag: cfg.MaxLag, Wait: cfg.AdmitWait, MaxWaiting: cfg.AdmitQueue}, m)}
}

// SetLag records the writer's current lag (the stream's count of unwritten batches), which admission compares
// with MaxLag.
func (r *Receiver) SetLag(n uint64) { r.admit.SetLag(n) }

// Admission returns the receiver's admission queue; the store writer tells it of each commit.
func (r *Receiver) Admission() *Admission { return r.admit }

// Admit waits until a request may read its body (see [Admission]); an HTTP receiver calls it before reading
// anything and passes on the context it returns, which tells [Receiver.IngestNDJSON] not to wait again. release
// is called when the request is done.
func (r *Receiver) Admit(ctx context.Context) (admitted context.Context, release func(), err error) {
	release, err = r.admit.Admit(ctx)
	if err != nil {
		return ctx, nil, err
	}
	return context.WithValue(ctx, admittedKey{}, true), release, nil
}

type admittedKey struct{}

// Result is what an ingest request did.
type Result = ndjson.Result

// IngestNDJSON reads NDJSON events of table from body and publishes them. Good lines are accepted even when others
// are rejected. The returned Result counts lines; an error means the request as a whole failed (unknown table,
// backpressure, a stream failure), and then Accepted counts what was made durable before it.
func (r *Receiver) IngestNDJSON(ctx context.Context, table string, body io.Reader) (Result, error) {
	if ctx.Value(admittedKey{}) == nil {
		release, err := r.admit.Admit(ctx)
		if err != nil {
			return Result{}, err
		}
		defer release()
	}
	t, body, err := r.resolveTable(ctx, table, body)
	if err != nil {
		return Result{}, err
	}
	res, err := ndjson.Read(body, batch.NewBuilder(t),
		ndjson.Options{MaxLineBytes: r.cfg.MaxLineBytes, BatchRows: r.cfg.BatchRows, RowsHint: int(r.lastLines.Load())},
		func(b *batch.Builder) error {
			return r.publish(ctx, b.Finish(NewBatchID(), time.Now().UnixMicro()))
		})
	r.lastLines.Store(int64(res.Read))
	r.metrics.Received.WithLabelValues(t.Name).Add(float64(res.Read))
	r.metrics.Accepted.WithLabelValues(t.Name).Add(float64(res.Accepted))
	r.metrics.Rejected.WithLabelValues(t.Name).Add(float64(res.Rejected))
	r.stats.add(t.Name, func(s *state.IngestStat) {
		s.Received += int64(res.Read)
		s.Accepted += int64(res.Accepted)
		s.Rejected += int64(res.Rejected)
	})
	if len(res.Rejects) > 0 {
		rejects := make([]RejectedRecord, len(res.Rejects))
		for i, rj := range res.Rejects {
			rejects[i] = RejectedRecord{Line: rj.Line, Reason: rj.Error, Raw: rj.Raw}
		}
		r.KeepRejects(ctx, "http", t.Name, rejects)
	}
	return res, err
}

// RejectedRecord is a record that could not be read into its table.
type RejectedRecord struct {
	Line   int
	Reason string
	Raw    string
}

// KeepRejects writes rejected records to the VigilIngestErrors table (source says how they arrived, target the
// table they were meant for), so nothing is dropped silently. A failure is logged, not returned: the records were
// already answered as rejected.
func (r *Receiver) KeepRejects(ctx context.Context, source, target string, rejects []RejectedRecord) {
	t, ok := r.catalog.Table(schema.TableIngestErrors)
	if !ok || len(rejects) == 0 {
		return
	}
	b := batch.NewBuilder(t)
	pos := func(name string) int { _, p, _ := t.Column(name); return p }
	now := time.Now().UnixMicro()
	for _, rj := range rejects {
		b.Begin()
		b.SetInt(pos("TimeGenerated"), now)
		b.SetString(pos("Source"), source)
		b.SetString(pos("TargetTable"), target)
		b.SetInt(pos("Line"), int64(rj.Line))
		b.SetString(pos("Reason"), rj.Reason)
		if rj.Raw != "" {
			b.SetString(pos("RawData"), rj.Raw)
		}
		b.Commit()
	}
	if err := r.publish(context.WithoutCancel(ctx), b.Finish(NewBatchID(), now)); err != nil {
		r.log.Warn("keeping rejected records failed", "source", source, "table", target, "records", len(rejects), "err", err)
	}
}

func (r *Receiver) publish(ctx context.Context, b *batch.Batch) error {
	err := r.pub.Publish(ctx, b)
	if errors.Is(err, stream.ErrBackpressure) {
		r.metrics.Throttled.Inc()
		return fmt.Errorf("%w: %v", ErrBackpressure, err)
	}
	if err == nil {
		r.admit.Published(1)
	}
	return err
}

// resolveTable finds the table, creating a custom table from the first event of body when needed. It returns a
// reader that still yields the whole body.
func (r *Receiver) resolveTable(ctx context.Context, name string, body io.Reader) (*schema.Table, io.Reader, error) {
	if t, ok := r.catalog.Table(name); ok {
		return t, body, nil
	}
	if !schema.IsCustom(name) {
		if s := r.catalog.Suggest(name); s != "" {
			return nil, nil, fmt.Errorf("%w %q (did you mean %s?)", ErrUnknownTable, name, s)
		}
		return nil, nil, fmt.Errorf("%w %q: not a schema table, and custom table names end in _CL", ErrUnknownTable, name)
	}
	if !schema.ValidTableName(name) {
		return nil, nil, fmt.Errorf("%w %q", ErrBadTableName, name)
	}
	// Infer the columns from the first line that is a JSON object.
	br := bufio.NewReaderSize(body, 64<<10)
	var consumed bytes.Buffer
	var cols []schema.Column
	for cols == nil {
		line, err := br.ReadBytes('\n')
		consumed.Write(line)
		if consumed.Len() > 4<<20 {
			break
		}
		if v, perr := fastjson.ParseBytes(bytes.TrimSpace(line)); perr == nil && v.Type() == fastjson.TypeObject {
			cols = InferColumns(v.GetObject())
		}
		if err != nil {
			break
		}
	}
	t, err := r.createCustom(ctx, name, cols)
	if err != nil {
		return nil, nil, err
	}
	return t, io.MultiReader(&consumed, br), nil
}

// InferColumns derives custom-table columns from an event: strings that parse as datetimes become datetime
// columns, numbers real or long, booleans bool, objects and arrays dynamic. Names that differ only in case from an
// earlier one, or that are not valid identifiers, are left out (their values then go to _Extra).
func InferColumns(o *fastjson.Object) []schema.Column {
	var cols []schema.Column
	seen := map[string]bool{}
	o.Visit(func(k []byte, v *fastjson.Value) {
		name := string(k)
		if !schema.ValidTableName(name) || seen[strings.ToLower(name)] {
			return
		}
		seen[strings.ToLower(name)] = true
		var t schema.Type
		switch v.Type() {
		case fastjson.TypeString:
			t = schema.TypeString
			if s := v.GetStringBytes(); len(s) >= 10 && name != "Message" {
				if _, err := normalize.ParseDatetime(string(s)); err == nil {
					t = schema.TypeDatetime
				}
			}
		case fastjson.TypeNumber:
			t = schema.TypeReal
			if _, err := v.Int64(); err == nil {
				t = schema.TypeLong
			}
		case fastjson.TypeTrue, fastjson.TypeFalse:
			t = schema.TypeBool
		case fastjson.TypeNull:
			t = schema.TypeString
		default:
			t = schema.TypeDynamic
		}
		if name == "TimeGenerated" {
			t = schema.TypeDatetime
		}
		cols = append(cols, schema.Column{Name: name, Type: t})
	})
	sort.SliceStable(cols, func(i, j int) bool { return cols[i].Name == "TimeGenerated" && cols[j].Name != "TimeGenerated" })
	return cols
}

// CustomTable returns the custom (_CL) table called name, creating it, when it does not exist, with the columns
// [InferColumns] derives from sample (which may be nil) and saving its definition in the state store. Receivers of
// other products' protocols (Splunk HEC, Elasticsearch _bulk) use it for records that fit no schema table.
func (r *Receiver) CustomTable(ctx context.Context, name string, sample *fastjson.Object) (*schema.Table, error) {
	if t, ok := r.catalog.Table(name); ok {
		return t, nil
	}
	if !schema.IsCustom(name) || !schema.ValidTableName(name) {
		return nil, fmt.Errorf("%w %q", ErrBadTableName, name)
	}
	var cols []schema.Column
	if sample != nil {
		cols = InferColumns(sample)
	}
	return r.createCustom(ctx, name, cols)
}

func (r *Receiver) createCustom(ctx context.Context, name string, cols []schema.Column) (*schema.Table, error) {
	if cols == nil {
		cols = []schema.Column{}
	}
	t, err := r.catalog.AddCustom(name, cols)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadTableName, err)
	}
	var saved []schema.Column
	for _, c := range t.Columns {
		if !strings.HasPrefix(c.Name, "_") {
			saved = append(saved, c)
		}
	}
	if err := r.state.SaveCustomTable(ctx, t.Name, saved); err != nil {
		return nil, fmt.Errorf("save custom table %s: %w", t.Name, err)
	}
	r.log.Info("custom table created", "table", t.Name, "columns", len(saved))
	return t, nil
}

var idEncoding = base32.NewEncoding("0123456789abcdefghijklmnopqrstuv").WithPadding(base32.NoPadding)

// NewBatchID returns a new unique, roughly time-ordered batch id.
func NewBatchID() string {
	var b [14]byte
	binary.BigEndian.PutUint64(b[:8], uint64(time.Now().UnixNano()))
	_, _ = rand.Read(b[8:])
	return idEncoding.EncodeToString(b[:])
}

// PublishBatch makes a batch that another reader built (file import, a syslog listener, stream detection) durable
// on the stream and counts it. A batch keeps its id when it has one — a producer that derives ids from its input
// makes its republishing after a crash idempotent — and gets a fresh one otherwise; the receive time is now.
// Rejected records are counted by the caller with CountRejected.
func (r *Receiver) PublishBatch(ctx context.Context, b *batch.Batch) error {
	if b.Len == 0 {
		return nil
	}
	if _, ok := r.catalog.Table(b.Table); !ok {
		return fmt.Errorf("%w %q", ErrUnknownTable, b.Table)
	}
	if b.ID == "" {
		b.ID = NewBatchID()
	}
	b.Received = time.Now().UnixMicro()
	if err := r.publish(ctx, b); err != nil {
		return err
	}
	n := b.Len
	r.metrics.Received.WithLabelValues(b.Table).Add(float64(n))
	r.metrics.Accepted.WithLabelValues(b.Table).Add(float64(n))
	r.stats.add(b.Table, func(s *state.IngestStat) {
		s.Received += int64(n)
		s.Accepted += int64(n)
	})
	return nil
}

// CountRejected records n records of source that could not be read into any table.
func (r *Receiver) CountRejected(source string, n int) {
	if n == 0 {
		return
	}
	r.metrics.Rejected.WithLabelValues(source).Add(float64(n))
	r.stats.add(source, func(s *state.IngestStat) {
		s.Received += int64(n)
		s.Rejected += int64(n)
	})
}
