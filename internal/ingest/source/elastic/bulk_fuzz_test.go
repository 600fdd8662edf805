package elastic_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/valyala/fastjson"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/ingest/source/elastic"
	"github.com/vigilsec/vigil/internal/pipeline"
	"github.com/vigilsec/vigil/internal/schema"
)

// counter is a Publisher that counts what it is given (the pipeline behind it is tested in internal/app).
type counter struct {
	cat            *schema.Catalog
	rows, rejected int
}

func (c *counter) PublishBatch(_ context.Context, b *batch.Batch) error { c.rows += b.Len; return nil }
func (c *counter) CountRejected(_ string, n int)                        { c.rejected += n }
func (c *counter) KeepRejects(context.Context, string, string, []pipeline.RejectedRecord) {
}
func (c *counter) CustomTable(_ context.Context, name string, sample *fastjson.Object) (*schema.Table, error) {
	var cols []schema.Column
	if sample != nil {
		cols = pipeline.InferColumns(sample)
	}
	return c.cat.AddCustom(name, cols)
}

// FuzzBulk feeds arbitrary bodies to the bulk handler: it must never panic, must answer every request, and every
// item must be either stored or refused.
func FuzzBulk(f *testing.F) {
	for _, s := range []string{
		"{\"index\":{\"_index\":\"a\"}}\n{\"@timestamp\":\"2024-05-01T10:00:00Z\",\"m\":1}\n",
		"{\"create\":{}}\n{\"winlog\":{\"channel\":\"Security\",\"event_id\":4624}}\n",
		"{\"delete\":{\"_index\":\"x\"}}\n{\"update\":{\"_index\":\"x\"}}\n{\"doc\":{}}\n",
		"{\"index\":{\"_index\":\"Syslog\"}}\n{\"TimeGenerated\":\"x\"}\n{\"index\":{\"_index\":\"a\"}}\n",
		"{\"create\":{\"_index\":\"filebeat\"}}\n{\"event\":{\"module\":\"auditd\",\"action\":\"executed\"},\"process\":{\"pid\":\"x\"}}\n",
		"{\"create\":{\"_index\":\"f\"}}\n{\"event\":{\"dataset\":\"system.auth\"},\"message\":\"<13>1 - - - - - -\"}\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		c := &counter{cat: schema.NewCatalog()}
		h, err := elastic.New(elastic.Config{MaxEventBytes: 4096}, c.cat, c)
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		h.Bulk(rec, httptest.NewRequest(http.MethodPost, "/default/_bulk", strings.NewReader(body)))
		if rec.Code != http.StatusOK && rec.Code != http.StatusBadRequest {
			t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
		}
		if rec.Code != http.StatusOK {
			return
		}
		var res struct {
			Items []map[string]struct {
				Status int `json:"status"`
			} `json:"items"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
			t.Fatalf("answer is not JSON: %v", err)
		}
		ok := 0
		for _, it := range res.Items {
			for _, b := range it {
				if b.Status == 201 {
					ok++
				}
			}
		}
		if c.rows < ok {
			t.Fatalf("%d items answered 201 but only %d rows were published", ok, c.rows)
		}
	})
}
