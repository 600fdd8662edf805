// Package audit keeps Vigil's audit trail: every change made through the API (rules, incidents, users, roles,
// tokens, settings, response actions), every sign-in and sign-in failure, and every hunt, with the actor, the time,
// the source address, the target and the state before and after.
//
// The trail is an append-only table of the state store (triggers refuse UPDATE and DELETE), copied in order into the
// event store's VigilAudit table so it can be hunted in KQL. Handlers need not call anything: [Middleware] records
// every state-changing request (any method but GET, HEAD and OPTIONS) that carried credentials, naming the route and
// the outcome. A handler adds what only it knows with [Describe] (a semantic action, the target, before and after),
// and [Exempt] marks routes that change nothing worth recording (event ingestion, the editor's completion).
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/state"
)

// Store is the part of the state store the audit trail lives in.
type Store interface {
	AppendAudit(ctx context.Context, e state.AuditEntry) (int64, error)
	Audit(ctx context.Context, f state.AuditFilter) ([]state.AuditEntry, error)
	AuditMirrored(ctx context.Context) (int64, error)
	SetAuditMirrored(ctx context.Context, seq int64) error
}

// Publisher makes a batch durable on the stream (the pipeline's receiver).
type Publisher interface {
	PublishBatch(ctx context.Context, b *batch.Batch) error
}

// Log records audit entries. It is safe for concurrent use.
type Log struct {
	store   Store
	pub     Publisher
	catalog *schema.Catalog
	log     *slog.Logger
	now     func() time.Time

	mirrorMu sync.Mutex
	wake     chan struct{}
}

// New returns a Log writing to store and, when pub is not nil, copying entries to the VigilAudit table.
func New(store Store, pub Publisher, catalog *schema.Catalog, log *slog.Logger) *Log {
	if log == nil {
		log = slog.Default()
	}
	return &Log{store: store, pub: pub, catalog: catalog, log: log, now: time.Now, wake: make(chan struct{}, 1)}
}

// Record appends an entry (its time defaults to now) and returns its sequence number.
func (l *Log) Record(ctx context.Context, e state.AuditEntry) (int64, error) {
	if e.Time.IsZero() {
		e.Time = l.now()
	}
	e.Time = e.Time.UTC().Truncate(time.Microsecond)
	if e.Outcome == "" {
		e.Outcome = "success"
	}
	if e.ActorType == "" {
		e.ActorType = "anonymous"
	}
	seq, err := l.store.AppendAudit(context.WithoutCancel(ctx), e)
	if err != nil {
		return 0, err
	}
	select {
	case l.wake <- struct{}{}:
	default:
	}
	return seq, nil
}

// Query returns the entries matching f.
func (l *Log) Query(ctx context.Context, f state.AuditFilter) ([]state.AuditEntry, error) {
	return l.store.Audit(ctx, f)
}

// Run copies new entries to the event store until ctx ends: at once after each Record, and every few seconds to
// retry after a failure.
func (l *Log) Run(ctx context.Context) {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		if err := l.Flush(ctx); err != nil && ctx.Err() == nil {
			l.log.Warn("copying the audit trail to VigilAudit failed; retrying", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-l.wake:
		case <-t.C:
		}
	}
}

// Flush copies every entry not yet copied to the VigilAudit table, in order. Each entry is its own batch with an id
// derived from its sequence number, so a copy repeated after a crash is never written twice.
func (l *Log) Flush(ctx context.Context) error {
	if l.pub == nil || l.catalog == nil {
		return nil
	}
	t, ok := l.catalog.Table(schema.TableAudit)
	if !ok {
		return fmt.Errorf("audit: table %s missing from the catalogue", schema.TableAudit)
	}
	l.mirrorMu.Lock()
	defer l.mirrorMu.Unlock()
	done, err := l.store.AuditMirrored(ctx)
	if err != nil {
		return err
	}
	for {
		entries, err := l.store.Audit(ctx, state.AuditFilter{AfterSeq: done, Ascending: true, Limit: 500})
		if err != nil || len(entries) == 0 {
			return err
		}
		for _, e := range entries {
			if err := l.pub.PublishBatch(ctx, entryBatch(t, e)); err != nil {
				return err
			}
			done = e.Seq
			if err := l.store.SetAuditMirrored(ctx, done); err != nil {
				return err
			}
		}
	}
}

func entryBatch(t *schema.Table, e state.AuditEntry) *batch.Batch {
	b := batch.NewBuilder(t)
	pos := func(name string) int { _, p, _ := t.Column(name); return p }
	str := func(col, v string) {
		if v != "" {
			b.SetString(pos(col), v)
		}
	}
	b.Begin()
	b.SetInt(pos("TimeGenerated"), e.Time.UnixMicro())
	b.SetInt(pos("AuditId"), e.Seq)
	str("ActorType", e.ActorType)
	str("ActorId", e.ActorID)
	str("Actor", e.Actor)
	str("AuthMethod", e.AuthMethod)
	str("SourceIP", e.SourceIP)
	str("Action", e.Action)
	str("TargetType", e.TargetType)
	str("Target", e.Target)
	str("Outcome", e.Outcome)
	if e.Status != 0 {
		b.SetInt(pos("Status"), int64(e.Status))
	}
	str("Before", string(e.Before))
	str("After", string(e.After))
	str("Details", string(e.Details))
	str("RequestId", e.RequestID)
	b.Commit()
	return b.Finish(fmt.Sprintf("audit-%d", e.Seq), e.Time.UnixMicro())
}

// Actor is who a request acted as.
type Actor struct {
	Type   string // user, token, anonymous, system
	ID     string
	Name   string
	Method string // session, token, password, oidc
}

// Change is what a handler knows about the change it made.
type Change struct {
	// Action names the change: "user.create", "role.delete", "auth.login" ("" keeps METHOD and route).
	Action     string
	TargetType string
	Target     string
	// Before and After are the target's state (any JSON-encodable value; nil when it did not or no longer exists).
	// They must hold no secrets.
	Before, After any
	// Details holds anything else worth keeping (a hunt's query, a failure's reason).
	Details any
}

// request is the per-request record the middleware collects.
type request struct {
	mu       sync.Mutex
	actor    *Actor
	change   *Change
	exempt   bool
	outcome  string
	sourceIP string
}

type ctxKey struct{}

func from(ctx context.Context) *request {
	r, _ := ctx.Value(ctxKey{}).(*request)
	return r
}

// SetActor names who the request acts as (the authentication middleware calls it).
func SetActor(ctx context.Context, a Actor) {
	if r := from(ctx); r != nil {
		r.mu.Lock()
		r.actor = &a
		r.mu.Unlock()
	}
}

// Describe attaches what the handler knows of its change; called again, the last call wins.
func Describe(ctx context.Context, c Change) {
	if r := from(ctx); r != nil {
		r.mu.Lock()
		r.change = &c
		r.mu.Unlock()
	}
}

// SetOutcome overrides the outcome derived from the status ("failure" for a sign-in refused with 401).
func SetOutcome(ctx context.Context, outcome string) {
	if r := from(ctx); r != nil {
		r.mu.Lock()
		r.outcome = outcome
		r.mu.Unlock()
	}
}

// Exempt is a route middleware for requests that change nothing worth recording: event ingestion (the events are
// their own record) and the query editor's checks.
func Exempt(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rq := from(r.Context()); rq != nil {
			rq.mu.Lock()
			rq.exempt = true
			rq.mu.Unlock()
		}
		next.ServeHTTP(w, r)
	})
}

// SourceIP returns the client address the middleware recorded for the request ("" outside it).
func SourceIP(ctx context.Context) string {
	if r := from(ctx); r != nil {
		return r.sourceIP
	}
	return ""
}

// Middleware records each request that changed, or tried to change, something: a method other than GET, HEAD and
// OPTIONS, made with credentials (an actor set), or any request a handler described. Anonymous requests refused
// before any handler ran (401) and requests refused for their rate (429) are not recorded, so they cannot flood
// the trail. clientIP gives the request's source address.
func (l *Log) Middleware(clientIP func(*http.Request) string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rq := &request{sourceIP: clientIP(r)}
			ctx := context.WithValue(r.Context(), ctxKey{}, rq)
			ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
			next.ServeHTTP(ww, r.WithContext(ctx))

			rq.mu.Lock()
			defer rq.mu.Unlock()
			status := ww.Status()
			if status == 0 {
				status = http.StatusOK
			}
			changing := r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodOptions
			if rq.exempt || status == http.StatusTooManyRequests || (rq.change == nil && (!changing || rq.actor == nil)) {
				return
			}
			e := state.AuditEntry{Status: status, SourceIP: rq.sourceIP, RequestID: middleware.GetReqID(ctx)}
			if a := rq.actor; a != nil {
				e.ActorType, e.ActorID, e.Actor, e.AuthMethod = a.Type, a.ID, a.Name, a.Method
			}
			route := r.URL.Path
			if rc := chi.RouteContext(ctx); rc != nil && rc.RoutePattern() != "" {
				route = rc.RoutePattern()
			}
			e.Action = r.Method + " " + route
			e.TargetType = targetType(route)
			if rc := chi.RouteContext(ctx); rc != nil {
				for i, k := range rc.URLParams.Keys {
					if k == "id" || (e.Target == "" && k != "*") {
						e.Target = rc.URLParams.Values[i]
					}
				}
			}
			if c := rq.change; c != nil {
				if c.Action != "" {
					e.Action = c.Action
				}
				if c.TargetType != "" {
					e.TargetType = c.TargetType
				}
				if c.Target != "" {
					e.Target = c.Target
				}
				e.Before, e.After, e.Details = marshal(c.Before, l.log), marshal(c.After, l.log), marshal(c.Details, l.log)
			}
			switch {
			case rq.outcome != "":
				e.Outcome = rq.outcome
			case status == http.StatusUnauthorized || status == http.StatusForbidden:
				e.Outcome = "denied"
			case status >= 400:
				e.Outcome = "failure"
			default:
				e.Outcome = "success"
			}
			if _, err := l.Record(ctx, e); err != nil {
				l.log.Error("audit entry lost", "action", e.Action, "actor", e.Actor, "err", err)
			}
		})
	}
}

// targetType is the first segment of the route after /api/v1/ ("users" for /api/v1/users/{id}).
func targetType(route string) string {
	rest, ok := strings.CutPrefix(route, "/api/v1/")
	if !ok {
		return ""
	}
	seg, _, _ := strings.Cut(rest, "/")
	return seg
}

func marshal(v any, log *slog.Logger) json.RawMessage {
	if v == nil {
		return nil
	}
	if raw, ok := v.(json.RawMessage); ok {
		return raw
	}
	b, err := json.Marshal(v)
	if err != nil {
		log.Warn("audit: value not encodable", "err", err)
		return nil
	}
	if string(b) == "null" {
		return nil
	}
	return b
}
