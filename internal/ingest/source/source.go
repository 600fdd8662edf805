// Package source holds what the network receivers of other products' protocols (Splunk HEC, Elasticsearch _bulk,
// OTLP logs; see the sub-packages) share: the [Publisher] they hand batches to, and [Request], which gathers one
// request's records into tables, keeps what it could not read, and makes the rest durable before the receiver
// answers.
package source

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/valyala/fastjson"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/ingest/normalize"
	"github.com/vigilsec/vigil/internal/ingest/normalize/tables"
	"github.com/vigilsec/vigil/internal/pipeline"
	"github.com/vigilsec/vigil/internal/schema"
)

// Publisher makes batches durable and keeps what could not be read; *pipeline.Receiver implements it.
type Publisher interface {
	PublishBatch(ctx context.Context, b *batch.Batch) error
	CountRejected(source string, n int)
	KeepRejects(ctx context.Context, source, target string, rejects []pipeline.RejectedRecord)
	CustomTable(ctx context.Context, name string, sample *fastjson.Object) (*schema.Table, error)
}

var _ Publisher = (*pipeline.Receiver)(nil)

// MaxKept is how many rejected records of one request are written to VigilIngestErrors one by one; the rest are
// counted.
const MaxKept = 1000

// Request gathers the records of one request. It is not safe for concurrent use.
type Request struct {
	pub    Publisher
	cat    *schema.Catalog
	source string
	// Set holds the rows gathered so far, by table.
	Set *tables.Set

	// Read counts the records seen; Read = Accepted + Rejected.
	Read, Accepted, Rejected int
	// ByTable counts the rows published, by table (after Commit).
	ByTable map[string]int
	kept    []pipeline.RejectedRecord
	json    map[string]*normalize.JSON
	arena   fastjson.Arena
}

// NewRequest starts a request whose records arrived by source ("hec", "elastic", "otlp").
func NewRequest(pub Publisher, cat *schema.Catalog, source string) *Request {
	return &Request{pub: pub, cat: cat, source: source, Set: tables.NewSet(cat), ByTable: map[string]int{}}
}

// Accept counts a record that was written into Set.
func (q *Request) Accept() { q.Read++; q.Accepted++ }

// Reject counts a record that could not be read: n is its number in the request (1-based), target the table it was
// meant for (may be empty), raw its text. It is kept in VigilIngestErrors when the request commits.
func (q *Request) Reject(n int, target string, err error, raw string) {
	q.Read++
	q.Rejected++
	if len(q.kept) < MaxKept {
		if len(raw) > 64<<10 {
			raw = raw[:64<<10]
		}
		q.kept = append(q.kept, pipeline.RejectedRecord{Line: n, Reason: target + ": " + err.Error(), Raw: raw})
		if target == "" {
			q.kept[len(q.kept)-1].Reason = err.Error()
		}
	}
}

// CustomTable returns the custom table name, creating it from sample when it is new.
func (q *Request) CustomTable(ctx context.Context, name string, sample *fastjson.Object) (*schema.Table, error) {
	return q.pub.CustomTable(ctx, name, sample)
}

// Commit publishes the gathered rows, one batch per table, and keeps the rejected records. It returns once every
// batch is durable; an error (pipeline.ErrBackpressure when the stream is behind) means some or all of them were
// not published: the receiver then answers with a retryable error.
func (q *Request) Commit(ctx context.Context) error {
	if q.Rejected > 0 {
		q.pub.CountRejected(q.source, q.Rejected)
		q.pub.KeepRejects(ctx, q.source, "", q.kept)
		q.kept = nil
	}
	err := q.Set.Flush(func(b *batch.Batch) error { return q.pub.PublishBatch(ctx, b) }, q.ByTable)
	if err != nil {
		q.Set.Discard()
		return err
	}
	return nil
}

// IsBackpressure reports whether err means the stream is behind and the request may be retried later.
func IsBackpressure(err error) bool { return errors.Is(err, pipeline.ErrBackpressure) }

var nonIdent = regexp.MustCompile(`[^A-Za-z0-9_]+`)

// CustomName turns a free-form name (a Splunk sourcetype, an Elastic dataset or index) into a custom table name:
// letters, digits and underscores, starting with a letter, ending in _CL ("aws:s3:accesslogs" →
// "aws_s3_accesslogs_CL"). It returns "" when nothing usable is left.
func CustomName(s string) string {
	s = strings.Trim(nonIdent.ReplaceAllString(s, "_"), "_")
	s = strings.TrimSuffix(s, "_CL")
	if s == "" {
		return ""
	}
	if c := s[0]; !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
		s = "T_" + s
	}
	if len(s) > 120 {
		s = s[:120]
	}
	name := s + "_CL"
	if !schema.ValidTableName(name) {
		return ""
	}
	return name
}

// Object writes o as a row of table, named by its columns (see normalize.JSON: fields with no column go to
// _Extra). A custom table that does not exist yet is created from o. When o lacks the table's time column, t (Unix
// microseconds) is used; o is changed then.
func (q *Request) Object(ctx context.Context, table string, o *fastjson.Object, t int64) error {
	tb, ok := q.cat.Table(table)
	if !ok {
		var err error
		if tb, err = q.pub.CustomTable(ctx, table, o); err != nil {
			return err
		}
	}
	if o.Get(tb.TimeColumn) == nil {
		o.Set(tb.TimeColumn, q.arena.NewString(time.UnixMicro(t).UTC().Format(time.RFC3339Nano)))
	}
	j := q.json[table]
	if j == nil {
		b, err := q.Set.Builder(table)
		if err != nil {
			return err
		}
		j = normalize.NewJSON(b)
		if q.json == nil {
			q.json = map[string]*normalize.JSON{}
		}
		q.json[table] = j
	}
	if err := j.Object(o); err != nil {
		return fmt.Errorf("table %s: %w", table, err)
	}
	return nil
}
