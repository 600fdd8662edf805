// Package stream is the durable event bus between the receivers and the consumers (store writer, stream detection):
// NATS JetStream, either embedded in the Vigil process with file storage or an external NATS cluster.
//
// A message is one encoded [batch.Batch]. Publish returns only when JetStream has stored the batch, so a receiver
// that reports success never loses it. Each consumer is a durable pull consumer that acknowledges after its own
// commit; together with the stream sequence the store records atomically, a replay never writes a row twice.
package stream

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/vigilsec/vigil/internal/batch"
)

// Names of the stream and its subjects.
const (
	StreamName    = "VIGIL_EVENTS"
	SubjectPrefix = "vigil.events."
)

// ErrBackpressure is returned by Publish when the stream is full; the caller should ask its client to retry later.
var ErrBackpressure = errors.New("stream: full, retry later")

// Config configures the stream.
type Config struct {
	// URL of an external NATS server; empty runs an embedded server.
	URL string `yaml:"url"`
	// Dir holds the embedded server's JetStream files.
	Dir string `yaml:"dir"`
	// MaxBytes caps the bytes the stream holds before publishers get ErrBackpressure.
	MaxBytes int64 `yaml:"max_bytes"`
	// MaxAge drops messages older than this even if a consumer has not acknowledged them (0: never).
	MaxAge time.Duration `yaml:"max_age"`
	// SyncAlways makes the embedded server fsync every write (slower; survives power loss, not only a crash).
	SyncAlways bool `yaml:"sync_always"`
	// Replicas for an external cluster (1 for embedded).
	Replicas int `yaml:"replicas"`
}

// Stream is a connection to the event stream. It is safe for concurrent use.
type Stream struct {
	cfg Config
	ns  *server.Server
	nc  *nats.Conn
	js  jetstream.JetStream
	st  jetstream.Stream
	log *slog.Logger
}

// maxMessage is the largest batch message; receivers cut batches well below it.
const maxMessage = 32 << 20

// Open starts the embedded server (when cfg.URL is empty), connects and creates or updates the stream.
func Open(ctx context.Context, cfg Config, log *slog.Logger) (*Stream, error) {
	if log == nil {
		log = slog.Default()
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = 4 << 30
	}
	if cfg.Replicas <= 0 {
		cfg.Replicas = 1
	}
	s := &Stream{cfg: cfg, log: log}
	var err error
	if cfg.URL == "" {
		opts := &server.Options{
			ServerName:         "vigil-embedded",
			DontListen:         true,
			JetStream:          true,
			StoreDir:           filepath.Clean(cfg.Dir),
			MaxPayload:         maxMessage,
			NoSigs:             true,
			NoLog:              true,
			JetStreamMaxStore:  cfg.MaxBytes * 2,
			JetStreamMaxMemory: 64 << 20,
		}
		if cfg.SyncAlways {
			opts.SyncAlways = true
		}
		s.ns, err = server.NewServer(opts)
		if err != nil {
			return nil, fmt.Errorf("embedded nats: %w", err)
		}
		s.ns.Start()
		if !s.ns.ReadyForConnections(30 * time.Second) {
			s.ns.Shutdown()
			return nil, errors.New("embedded nats: not ready after 30s")
		}
		s.nc, err = nats.Connect("", nats.InProcessServer(s.ns), nats.Name("vigil"))
	} else {
		s.nc, err = nats.Connect(cfg.URL, nats.Name("vigil"), nats.MaxReconnects(-1))
	}
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("connect nats: %w", err)
	}
	s.js, err = jetstream.New(s.nc)
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	s.st, err = s.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        StreamName,
		Description: "Vigil event batches",
		Subjects:    []string{SubjectPrefix + ">"},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.InterestPolicy,
		Discard:     jetstream.DiscardNew,
		MaxBytes:    cfg.MaxBytes,
		MaxAge:      cfg.MaxAge,
		MaxMsgSize:  maxMessage,
		Duplicates:  2 * time.Minute,
		Replicas:    cfg.Replicas,
	})
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("create stream: %w", err)
	}
	return s, nil
}

// Subject returns the subject batches of table are published on.
func Subject(table string) string { return SubjectPrefix + table }

// Publish stores b durably in the stream. It returns ErrBackpressure when the stream is full. Publishing the same
// batch id twice within two minutes stores it once.
func (s *Stream) Publish(ctx context.Context, b *batch.Batch) error {
	data := batch.Encode(nil, b)
	if len(data) > maxMessage {
		return fmt.Errorf("stream: batch of %d bytes exceeds the %d-byte message limit", len(data), maxMessage)
	}
	_, err := s.js.Publish(ctx, Subject(b.Table), data, jetstream.WithMsgID(b.ID))
	if err != nil {
		var apiErr *jetstream.APIError
		if errors.As(err, &apiErr) && (apiErr.ErrorCode == jsErrCodeStoreFailed ||
			strings.Contains(strings.ToLower(apiErr.Description), "maximum bytes") ||
			strings.Contains(strings.ToLower(apiErr.Description), "resources exceeded")) {
			return fmt.Errorf("%w: %v", ErrBackpressure, err)
		}
		return fmt.Errorf("publish %s batch: %w", b.Table, err)
	}
	return nil
}

// Msg is a batch delivered to a consumer with its stream sequence.
type Msg struct {
	Seq   uint64
	Batch *batch.Batch
	// Size is the size of the batch's encoding on the stream, in bytes.
	Size int
	raw  jetstream.Msg
}

// Receipt is what acknowledging a message later takes, without holding on to its payload.
type Receipt struct {
	Seq   uint64
	reply string
}

// Receipt returns the receipt that acknowledges m with [Stream.Ack].
func (m Msg) Receipt() Receipt { return Receipt{Seq: m.Seq, reply: m.raw.Reply()} }

// Ack acknowledges the messages of rs, delivered to a consumer with DeferAck. An acknowledgement that is lost only
// makes the message come again after the consumer's AckWait, which a handler must take (it is idempotent per batch).
func (s *Stream) Ack(ctx context.Context, rs []Receipt) error {
	var errs []error
	for _, r := range rs {
		// JetStream's acknowledgement protocol: "+ACK" published to the message's reply subject.
		if err := s.nc.Publish(r.reply, ackBody); err != nil {
			errs = append(errs, fmt.Errorf("ack of stream message %d: %w", r.Seq, err))
		}
	}
	if len(rs) > 0 {
		if _, ok := ctx.Deadline(); !ok {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
		}
		if err := s.nc.FlushWithContext(ctx); err != nil {
			errs = append(errs, fmt.Errorf("flush acks: %w", err))
		}
	}
	return errors.Join(errs...)
}

var ackBody = []byte("+ACK")

// ConsumerConfig configures a durable consumer.
type ConsumerConfig struct {
	// Name is the durable name; a consumer resumes where the last process with that name acknowledged.
	Name string
	// Tables limits the consumer to these tables (empty: all).
	Tables []string
	// MaxMessages and MaxWait bound one delivery to the handler.
	MaxMessages int
	MaxWait     time.Duration
	// MaxBytes, when positive, also bounds one delivery by the size of its messages: a fetch ends at the message
	// that would take it past MaxBytes. It lets a consumer take many small batches at once and few large ones, with
	// about the same memory and work per delivery. A message larger than MaxBytes still comes, alone: JetStream
	// answers a fetch whose first message does not fit with none, and the fetch after an empty one takes a single
	// message, whatever its size.
	MaxBytes int
	// Want, when set, is asked for each fetched message with the table its subject names; a message it declines is
	// acknowledged at once, without being decoded or handed to the handler. It lets a consumer whose interest
	// changes at run time (the NRT rules) pass over tables cheaply; a fixed set belongs in Tables, which the server
	// filters.
	Want func(table string) bool
	// DeferAck leaves acknowledging to the handler: a delivery it returns nil for is not acknowledged by Consume,
	// and the handler acknowledges each message later with [Stream.Ack] (the store writer, once a checkpoint has
	// made its rows durable).
	DeferAck bool
	// MaxAckPending caps the messages delivered and not yet acknowledged (0: four deliveries' worth); at the cap
	// the server delivers nothing more until some are acknowledged.
	MaxAckPending int
}

// EnsureConsumer creates the durable consumer cc describes, or updates it, so that from now on the stream keeps
// every message for it. Consume calls it too; calling it first makes the consumer exist before anything is
// published.
func (s *Stream) EnsureConsumer(ctx context.Context, cc ConsumerConfig) (jetstream.Consumer, error) {
	cc = cc.withDefaults()
	cfg := jetstream.ConsumerConfig{
		Durable: cc.Name,
		// Explicit acks: acknowledging a later message must never acknowledge an earlier one that a crashed process
		// had fetched but not written (with AckAll, that one would be lost). A message fetched by a process that
		// died is redelivered after AckWait.
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       15 * time.Second,
		MaxAckPending: cc.MaxAckPending,
		DeliverPolicy: jetstream.DeliverAllPolicy,
	}
	for _, t := range cc.Tables {
		cfg.FilterSubjects = append(cfg.FilterSubjects, Subject(t))
	}
	cons, err := s.js.CreateOrUpdateConsumer(ctx, StreamName, cfg)
	if err != nil {
		return nil, fmt.Errorf("create consumer %s: %w", cc.Name, err)
	}
	return cons, nil
}

func (cc ConsumerConfig) withDefaults() ConsumerConfig {
	if cc.MaxMessages <= 0 {
		cc.MaxMessages = 64
	}
	if cc.MaxWait <= 0 {
		cc.MaxWait = 200 * time.Millisecond
	}
	if cc.MaxAckPending <= 0 {
		cc.MaxAckPending = 4 * cc.MaxMessages
	}
	return cc
}

// Consume delivers batches to handle until ctx ends. A delivery is acknowledged, message by message, only when
// handle returns nil (with DeferAck, the handler acknowledges later); on error the same delivery is retried (with back-off) until it succeeds or ctx ends. Order is
// the stream's, except that messages a crashed process had fetched come again later: handlers must be idempotent
// per batch id. A message that cannot be decoded is logged and terminated.
func (s *Stream) Consume(ctx context.Context, cc ConsumerConfig, handle func(context.Context, []Msg) error) error {
	cc = cc.withDefaults()
	cons, err := s.EnsureConsumer(ctx, cc)
	if err != nil {
		return err
	}
	unbounded := false // the next fetch goes without MaxBytes: the last bounded one brought nothing
	for ctx.Err() == nil {
		opts := []jetstream.FetchOpt{jetstream.FetchMaxWait(cc.MaxWait)}
		count := cc.MaxMessages
		bounded := cc.MaxBytes > 0 && !unbounded
		if bounded {
			opts = append(opts, jetstream.FetchMaxBytes(cc.MaxBytes))
		} else if unbounded {
			count = 1
		}
		fetch, err := cons.Fetch(count, opts...)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			s.log.Warn("stream fetch failed", "consumer", cc.Name, "err", err)
			sleep(ctx, time.Second)
			continue
		}
		var msgs []Msg
		fetched := 0
		for m := range fetch.Messages() {
			fetched++
			if cc.Want != nil && !cc.Want(strings.TrimPrefix(m.Subject(), SubjectPrefix)) {
				if err := m.Ack(); err != nil {
					s.log.Warn("ack of a skipped batch failed; it will be redelivered and skipped again", "consumer", cc.Name, "err", err)
				}
				continue
			}
			md, err := m.Metadata()
			if err != nil {
				s.log.Error("message without metadata", "consumer", cc.Name, "err", err)
				continue
			}
			b, err := batch.DecodeOwned(m.Data())
			if err != nil {
				s.log.Error("undecodable batch terminated", "consumer", cc.Name, "seq", md.Sequence.Stream, "err", err)
				_ = m.Term()
				continue
			}
			msgs = append(msgs, Msg{Seq: md.Sequence.Stream, Batch: b, Size: len(m.Data()), raw: m})
		}
		// An empty bounded fetch may mean the next message is larger than MaxBytes (or only that none came within
		// MaxWait): the next fetch takes one message, whatever its size.
		unbounded = bounded && fetched == 0
		if len(msgs) == 0 {
			continue
		}
		backoff := 100 * time.Millisecond
		for {
			err := handle(ctx, msgs)
			if err == nil {
				break
			}
			if ctx.Err() != nil {
				// Hand them back now, so the next start need not wait for AckWait.
				for _, m := range msgs {
					_ = m.raw.Nak()
				}
				return nil
			}
			s.log.Error("consumer handler failed; retrying", "consumer", cc.Name, "seq", msgs[0].Seq, "err", err)
			sleep(ctx, backoff)
			backoff = min(backoff*2, 10*time.Second)
		}
		if cc.DeferAck {
			continue
		}
		for _, m := range msgs {
			if err := m.raw.DoubleAck(context.WithoutCancel(ctx)); err != nil {
				s.log.Warn("ack failed; the batch will be redelivered and skipped", "consumer", cc.Name, "seq", m.Seq, "err", err)
			}
		}
	}
	return nil
}

// Lag returns how many messages the consumer has not yet acknowledged (0 if it does not exist yet).
func (s *Stream) Lag(ctx context.Context, consumer string) (uint64, error) {
	c, err := s.st.Consumer(ctx, consumer)
	if errors.Is(err, jetstream.ErrConsumerNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	info, err := c.Info(ctx)
	if err != nil {
		return 0, err
	}
	return info.NumPending + uint64(info.NumAckPending), nil
}

// Bytes returns the bytes the stream holds.
func (s *Stream) Bytes(ctx context.Context) (uint64, error) {
	info, err := s.st.Info(ctx)
	if err != nil {
		return 0, err
	}
	return info.State.Bytes, nil
}

// MaxBytes returns the configured stream size limit.
func (s *Stream) MaxBytes() int64 { return s.cfg.MaxBytes }

// Close drains the connection and shuts the embedded server down.
func (s *Stream) Close() {
	if s.nc != nil {
		_ = s.nc.Drain()
		for i := 0; i < 50 && !s.nc.IsClosed(); i++ {
			time.Sleep(20 * time.Millisecond)
		}
		s.nc.Close()
	}
	if s.ns != nil {
		s.ns.Shutdown()
		s.ns.WaitForShutdown()
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// jsErrCodeStoreFailed is JetStream's error code for a message the stream could not store (for example because the
// stream is at its byte limit with the discard-new policy).
const jsErrCodeStoreFailed jetstream.ErrorCode = 10077
