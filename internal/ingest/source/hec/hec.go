// Package hec is Vigil's Splunk HTTP Event Collector: the /services/collector endpoints (event, raw, health, ack)
// with Splunk's batching, answers and error codes, so Splunk forwarders and the HEC outputs of Vector, Fluent Bit
// and the OpenTelemetry collector ship to Vigil unchanged. Events are routed by source type (see [Router]) to the
// syslog, CEF, Windows event or JSON readers.
//
// A request is answered only once its events are durable on the stream, so every acknowledgement id handed out is
// already true when the client asks: /services/collector/ack answers true for every id the channel was given.
// Authentication is the API's (a Vigil token with the ingest permission as "Splunk <token>", "Bearer <token>" or
// the password of Basic auth); the API mounts these handlers behind it.
package hec

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/valyala/fastjson"

	"github.com/vigilsec/vigil/internal/ingest/file"
	"github.com/vigilsec/vigil/internal/ingest/source"
	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/x/limitread"
	"github.com/vigilsec/vigil/internal/x/linereader"
)

// Config configures the collector.
type Config struct {
	// SourceTypes maps source types to readers (syslog, winevent, json, table:<Name>), over [DefaultSourceTypes].
	SourceTypes map[string]string `yaml:"source_types"`
	// MaxEventBytes is the longest event; 0 means 1 MiB.
	MaxEventBytes int `yaml:"max_event_bytes"`
	// MaxBodyBytes is the largest request body (after decompression); 0 means 256 MiB.
	MaxBodyBytes int64 `yaml:"-"`
}

// Validate checks the configuration.
func (c Config) Validate() error {
	_, err := NewRouter(c.SourceTypes)
	return err
}

// Handler serves the collector endpoints.
type Handler struct {
	cfg    Config
	router *Router
	cat    *schema.Catalog
	pub    source.Publisher
	acks   *acks
	// Ready, when set, reports whether ingestion is working; health answers 503 when it is not.
	Ready func() error
}

// New returns a Handler.
func New(cfg Config, cat *schema.Catalog, pub source.Publisher) (*Handler, error) {
	r, err := NewRouter(cfg.SourceTypes)
	if err != nil {
		return nil, err
	}
	if cfg.MaxEventBytes <= 0 {
		cfg.MaxEventBytes = 1 << 20
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 256 << 20
	}
	return &Handler{cfg: cfg, router: r, cat: cat, pub: pub, acks: newAcks(maxChannels)}, nil
}

// Answer is a HEC answer body.
type Answer struct {
	Text               string `json:"text"`
	Code               int    `json:"code"`
	AckID              *int64 `json:"ackId,omitempty"`
	InvalidEventNumber *int   `json:"invalid-event-number,omitempty"`
}

// WriteAnswer writes a HEC answer.
func WriteAnswer(w http.ResponseWriter, status int, a Answer) {
	w.Header().Set("Content-Type", "application/json")
	if status == http.StatusServiceUnavailable || status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "1")
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(a)
}

// Answers for authentication failures, in Splunk's words.
var (
	AnswerTokenRequired = Answer{Text: "Token is required", Code: 2}
	AnswerInvalidAuth   = Answer{Text: "Invalid authorization", Code: 3}
	AnswerInvalidToken  = Answer{Text: "Invalid token", Code: 4}
)

const (
	statusTooLarge = http.StatusRequestEntityTooLarge
	// maxChannels bounds the channels whose acknowledgement counters are remembered.
	maxChannels = 10000
)

// channel returns the request channel (header X-Splunk-Request-Channel or query "channel").
func channel(r *http.Request) string {
	if c := r.Header.Get("X-Splunk-Request-Channel"); c != "" {
		return c
	}
	return r.URL.Query().Get("channel")
}

// body returns the decompressed, size-limited body.
func (h *Handler) body(r *http.Request) (io.Reader, func(), error) {
	var body io.Reader = limitread.New(r.Body, h.cfg.MaxBodyBytes)
	switch enc := strings.ToLower(r.Header.Get("Content-Encoding")); enc {
	case "", "identity":
		return body, func() {}, nil
	case "gzip":
		zr, err := gzip.NewReader(body)
		if err != nil {
			return nil, nil, fmt.Errorf("body is not valid gzip: %w", err)
		}
		return limitread.New(zr, h.cfg.MaxBodyBytes), func() { _ = zr.Close() }, nil
	default:
		return nil, nil, fmt.Errorf("unsupported Content-Encoding %q (use gzip or none)", enc)
	}
}

var errTooLarge = limitread.ErrTooLarge

// flushRows is how many rows a request gathers before publishing them.
const flushRows = 4096

// firstReject remembers the first refused event of a request.
type firstReject struct {
	set  bool
	n    int
	code int
	text string
}

func (f *firstReject) note(n int, err error) {
	if f.set {
		return
	}
	f.set, f.n, f.code, f.text = true, n, CodeInvalidFormat, "Invalid data format"
	var re *RecordError
	if errors.As(err, &re) {
		f.code = re.Code
		switch re.Code {
		case CodeEventRequired:
			f.text = "Event field is required"
		case CodeEventBlank:
			f.text = "Event field cannot be blank"
		case 15:
			f.text = "Error in handling indexed fields"
		}
	}
}

// Event serves POST /services/collector/event (and /services/collector, /services/collector/event/1.0): JSON
// event objects, concatenated or one a line.
func (h *Handler) Event(w http.ResponseWriter, r *http.Request) {
	body, done, err := h.body(r)
	if err != nil {
		WriteAnswer(w, http.StatusBadRequest, Answer{Text: err.Error(), Code: CodeInvalidFormat})
		return
	}
	defer done()
	q := source.NewRequest(h.pub, h.cat, "hec")
	n := &normalizer{router: h.router, cat: h.cat, lines: file.NewLines()}
	received := nowMicros()
	sp := NewSplitter(body, h.cfg.MaxEventBytes)
	var p fastjson.Parser
	var first firstReject
	for {
		raw, num, err := sp.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil && !errors.Is(err, ErrSyntax) && !errors.Is(err, ErrTooLong) {
			h.readFailed(w, r, q, n, err)
			return
		}
		if err != nil {
			first.note(num, err)
			q.Reject(num+1, "", err, "")
			continue
		}
		v, perr := p.ParseBytes(raw)
		if perr != nil {
			err = fmt.Errorf("%w: event %d: %v", ErrSyntax, num, perr)
			first.note(num, err)
			q.Reject(num+1, "", err, string(raw))
			continue
		}
		ev, err := ParseEvent(v)
		if err == nil {
			err = n.write(r.Context(), q, &ev, received)
		}
		if err != nil {
			first.note(num, err)
			q.Reject(num+1, "", fmt.Errorf("event %d (sourcetype %q): %w", num, ev.SourceType, err), string(raw))
			continue
		}
		q.Accept()
		if q.Set.Rows() >= flushRows {
			if err := q.Commit(r.Context()); err != nil {
				h.commitFailed(w, err)
				return
			}
		}
	}
	h.finish(w, r, q, n, &first)
}

// Raw serves POST /services/collector/raw: text, one event a line, with the source type, host, source and index
// given in the query string. A channel is required, as Splunk requires it.
func (h *Handler) Raw(w http.ResponseWriter, r *http.Request) {
	if channel(r) == "" {
		WriteAnswer(w, http.StatusBadRequest, Answer{Text: "Data channel is missing", Code: 10})
		return
	}
	body, done, err := h.body(r)
	if err != nil {
		WriteAnswer(w, http.StatusBadRequest, Answer{Text: err.Error(), Code: CodeInvalidFormat})
		return
	}
	defer done()
	qs := r.URL.Query()
	meta := Event{SourceType: qs.Get("sourcetype"), Host: qs.Get("host"), Source: qs.Get("source"), Index: qs.Get("index")}
	if t := qs.Get("time"); t != "" {
		us, err := ParseEpoch(t)
		if err != nil {
			WriteAnswer(w, http.StatusBadRequest, Answer{Text: "time: " + err.Error(), Code: CodeInvalidFormat})
			return
		}
		meta.Time, meta.HasTime = us, true
	}
	q := source.NewRequest(h.pub, h.cat, "hec")
	n := &normalizer{router: h.router, cat: h.cat, lines: file.NewLines()}
	received := nowMicros()
	lr := linereader.New(body, h.cfg.MaxEventBytes)
	var first firstReject
	var arena fastjson.Arena
	var p fastjson.Parser
	num := -1
	for {
		line, long, err := lr.Next()
		if err != nil && !errors.Is(err, io.EOF) {
			h.readFailed(w, r, q, n, err)
			return
		}
		if text := strings.TrimRight(string(line), "\r\n"); strings.TrimSpace(text) != "" || long {
			num++
			ev := meta
			var rerr error
			switch {
			case long:
				rerr = fmt.Errorf("%w: line %d is longer than %d bytes", ErrTooLong, num+1, h.cfg.MaxEventBytes)
			default:
				ev.Event = arena.NewString(text)
				if h.router.Reader(ev.SourceType) == ReaderJSON && strings.HasPrefix(strings.TrimSpace(text), "{") {
					if v, perr := p.Parse(text); perr == nil && v.Type() == fastjson.TypeObject {
						ev.Event = v
					}
				}
				rerr = n.write(r.Context(), q, &ev, received)
			}
			if rerr != nil {
				first.note(num, rerr)
				q.Reject(num+1, "", rerr, text)
			} else {
				q.Accept()
			}
			if q.Set.Rows() >= flushRows {
				if err := q.Commit(r.Context()); err != nil {
					h.commitFailed(w, err)
					return
				}
				arena.Reset()
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
	}
	h.finish(w, r, q, n, &first)
}

func (h *Handler) readFailed(w http.ResponseWriter, r *http.Request, q *source.Request, n *normalizer, err error) {
	// What was read so far is kept; the client hears why the rest was not.
	cerr := n.lines.Flush(q.Set)
	if cerr == nil {
		cerr = q.Commit(context.WithoutCancel(r.Context()))
	}
	switch {
	case cerr != nil:
		h.commitFailed(w, cerr)
	case errors.Is(err, errTooLarge):
		WriteAnswer(w, statusTooLarge, Answer{Text: fmt.Sprintf("Request body exceeds %d bytes; the first %d events were accepted", h.cfg.MaxBodyBytes, q.Accepted), Code: CodeInvalidFormat})
	default:
		WriteAnswer(w, http.StatusBadRequest, Answer{Text: "The body could not be read to its end: " + err.Error(), Code: CodeInvalidFormat})
	}
}

func (h *Handler) commitFailed(w http.ResponseWriter, err error) {
	if source.IsBackpressure(err) {
		WriteAnswer(w, http.StatusServiceUnavailable, Answer{Text: "Server is busy", Code: 9})
		return
	}
	WriteAnswer(w, http.StatusInternalServerError, Answer{Text: "Internal server error", Code: 8})
}

func (h *Handler) finish(w http.ResponseWriter, r *http.Request, q *source.Request, n *normalizer, first *firstReject) {
	// Audit events still waiting for their last record are written with this request.
	err := n.lines.Flush(q.Set)
	if err == nil {
		err = q.Commit(r.Context())
	}
	if err != nil {
		h.commitFailed(w, err)
		return
	}
	if q.Read == 0 {
		WriteAnswer(w, http.StatusBadRequest, Answer{Text: "No data", Code: 5})
		return
	}
	if first.set {
		// As Splunk does, the answer names the first invalid event; unlike Splunk, the valid events after it were
		// accepted too, and the invalid ones are kept in VigilIngestErrors.
		n := first.n
		WriteAnswer(w, http.StatusBadRequest, Answer{Text: first.text, Code: first.code, InvalidEventNumber: &n})
		return
	}
	a := Answer{Text: "Success", Code: 0}
	if ch := channel(r); ch != "" {
		id := h.acks.next(ch)
		a.AckID = &id
	}
	WriteAnswer(w, http.StatusOK, a)
}

// Health serves GET /services/collector/health.
func (h *Handler) Health(w http.ResponseWriter, _ *http.Request) {
	if h.Ready != nil {
		if err := h.Ready(); err != nil {
			WriteAnswer(w, http.StatusServiceUnavailable, Answer{Text: "HEC is unhealthy, queues are full", Code: 18})
			return
		}
	}
	WriteAnswer(w, http.StatusOK, Answer{Text: "HEC is healthy", Code: 17})
}

// Ack serves POST /services/collector/ack: {"acks":[ids]} → {"acks":{"id":true|false}}. Every id the channel was
// given is true (its request was answered only once durable); ids never given are false.
func (h *Handler) Ack(w http.ResponseWriter, r *http.Request) {
	ch := channel(r)
	if ch == "" {
		WriteAnswer(w, http.StatusBadRequest, Answer{Text: "Data channel is missing", Code: 10})
		return
	}
	var req struct {
		Acks []int64 `json:"acks"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil {
		WriteAnswer(w, http.StatusBadRequest, Answer{Text: "Invalid data format", Code: CodeInvalidFormat})
		return
	}
	out := make(map[string]bool, len(req.Acks))
	issued := h.acks.issued(ch)
	for _, id := range req.Acks {
		out[fmt.Sprint(id)] = id >= 0 && id < issued
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"acks": out})
}

// acks hands out acknowledgement ids per channel. It forgets the oldest channels beyond max.
type acks struct {
	mu    sync.Mutex
	max   int
	ids   map[string]int64
	order []string
}

func newAcks(max int) *acks { return &acks{max: max, ids: map[string]int64{}} }

func (a *acks) next(ch string) int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	id, ok := a.ids[ch]
	if !ok {
		if len(a.order) >= a.max {
			delete(a.ids, a.order[0])
			a.order = a.order[1:]
		}
		a.order = append(a.order, ch)
	}
	a.ids[ch] = id + 1
	return id
}

func (a *acks) issued(ch string) int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.ids[ch]
}
