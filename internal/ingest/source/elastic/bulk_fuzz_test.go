package elastic_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
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

// behind is a Publisher whose stream falls behind after its first batch.
type behind struct {
	counter
	batches int
}

func (b *behind) PublishBatch(ctx context.Context, bt *batch.Batch) error {
	b.batches++
	if b.batches > 1 {
		return pipeline.ErrBackpressure
	}
	return b.counter.PublishBatch(ctx, bt)
}

// TestBulkBackpressure: when the stream falls behind in the middle of a request, every item is still answered, in
// order: those stored 201, the rest 429 (which clients retry), so nothing is lost and nothing stored twice.
func TestBulkBackpressure(t *testing.T) {
	var body strings.Builder
	const docs = 9000 // the stream falls behind at the second of three flushes
	for i := 0; i < docs; i++ {
		fmt.Fprintf(&body, "{\"create\":{\"_id\":\"d%d\"}}\n{\"@timestamp\":\"2024-05-01T10:00:00Z\",\"n\":%d}\n", i, i)
	}
	body.WriteString("{\"delete\":{\"_id\":\"x\"}}\n")
	p := &behind{counter: counter{cat: schema.NewCatalog()}}
	h, err := elastic.New(elastic.Config{}, p.cat, p)
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	h.Bulk(rec, httptest.NewRequest(http.MethodPost, "/app/_bulk", strings.NewReader(body.String())))
	require.Equal(t, http.StatusOK, rec.Code)
	var res struct {
		Errors bool `json:"errors"`
		Items  []map[string]struct {
			ID     string `json:"_id"`
			Status int    `json:"status"`
		} `json:"items"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &res))
	require.True(t, res.Errors)
	require.Len(t, res.Items, docs+1, "one item per action")
	stored := 0
	for i, it := range res.Items[:docs] {
		b := it["create"]
		require.Equal(t, fmt.Sprintf("d%d", i), b.ID, "items keep the order of the actions")
		switch b.Status {
		case 201:
			require.Equal(t, i, stored, "the stored items come first")
			stored++
		case 429:
		default:
			t.Fatalf("item %d: status %d", i, b.Status)
		}
	}
	require.Equal(t, p.rows, stored, "201 means stored")
	require.Positive(t, stored)
	require.Less(t, stored, docs)
	require.Equal(t, 429, res.Items[docs]["delete"].Status, "actions after the failure are answered unprocessed")
}
