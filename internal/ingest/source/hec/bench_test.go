package hec_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/valyala/fastjson"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/ingest/source/hec"
	"github.com/vigilsec/vigil/internal/pipeline"
	"github.com/vigilsec/vigil/internal/schema"
)

// counter is a Publisher that counts rows (the pipeline behind the handler is measured by `vigil bench ingest`).
type counter struct {
	cat  *schema.Catalog
	rows int
}

func (c *counter) PublishBatch(_ context.Context, b *batch.Batch) error { c.rows += b.Len; return nil }
func (c *counter) CountRejected(string, int)                            {}
func (c *counter) KeepRejects(context.Context, string, string, []pipeline.RejectedRecord) {
}
func (c *counter) CustomTable(_ context.Context, name string, sample *fastjson.Object) (*schema.Table, error) {
	return c.cat.AddCustom(name, pipeline.InferColumns(sample))
}

// BenchmarkEvent measures the event endpoint on requests of 1,000 events (syslog lines and JSON objects), without
// the stream: events per second through splitting, parsing and normalising.
func BenchmarkEvent(b *testing.B) {
	var body bytes.Buffer
	for i := 0; i < 1000; i++ {
		if i%2 == 0 {
			fmt.Fprintf(&body, `{"time":1714557600.%03d,"sourcetype":"syslog","event":"<38>May  1 10:00:00 web-%d sshd[%d]: Accepted publickey for u%d from 10.0.%d.%d port 5022 ssh2"}`, i, i%10, i, i, i%250, i%200)
		} else {
			fmt.Fprintf(&body, `{"time":1714557600.%03d,"sourcetype":"app","host":"h%d","event":{"msg":"payment ok","amount":%d.5,"user":"u%d"}}`, i, i%10, i, i)
		}
		body.WriteByte('\n')
	}
	c := &counter{cat: schema.NewCatalog()}
	h, err := hec.New(hec.Config{}, c.cat, c)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(body.Len()))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rec := httptest.NewRecorder()
		h.Event(rec, httptest.NewRequest(http.MethodPost, "/services/collector/event", bytes.NewReader(body.Bytes())))
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body.String())
		}
	}
	b.ReportMetric(float64(c.rows)/b.Elapsed().Seconds(), "rows/s")
}
