package app_test

import (
	"bytes"
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	elasticsearch "github.com/elastic/go-elasticsearch/v8"
	"github.com/elastic/go-elasticsearch/v8/esutil"
	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/config"
)

// TestElasticGoClient ships to Vigil with Elastic's own Go client (go-elasticsearch 8.19): its start-up product
// check against GET /, then its BulkIndexer, which gzips, splits the documents over several _bulk requests from two
// workers and reads the per-item answers. Every document must be stored once, and an item Vigil refuses must reach
// the client's failure callback with the reason.
func TestElasticGoClient(t *testing.T) {
	s := start(t, func(c *config.Config) { c.Detection.BuiltinRules, c.Analytics.NRT = false, false })
	es, err := elasticsearch.NewClient(elasticsearch.Config{
		Addresses:           []string{"http://" + s.a.Addr()},
		Username:            "elastic",
		Password:            s.token("ingest"),
		CompressRequestBody: true,
	})
	require.NoError(t, err)

	info, err := es.Info()
	require.NoError(t, err, "the client's product check accepts Vigil")
	defer info.Body.Close()
	require.Equal(t, 200, info.StatusCode)

	var ok, failed atomic.Int64
	var reason atomic.Value
	bi, err := esutil.NewBulkIndexer(esutil.BulkIndexerConfig{
		Client:     es,
		Index:      "filebeat-8.19.0",
		NumWorkers: 2,
		FlushBytes: 64 << 10, // several requests
		OnError:    func(_ context.Context, err error) { reason.Store(err.Error()) },
	})
	require.NoError(t, err)
	const docs = 3000
	ctx := context.Background()
	add := func(body string) {
		require.NoError(t, bi.Add(ctx, esutil.BulkIndexerItem{
			Action: "create",
			Body:   bytes.NewReader([]byte(body)),
			OnSuccess: func(context.Context, esutil.BulkIndexerItem, esutil.BulkIndexerResponseItem) {
				ok.Add(1)
			},
			OnFailure: func(_ context.Context, _ esutil.BulkIndexerItem, res esutil.BulkIndexerResponseItem, err error) {
				failed.Add(1)
				reason.Store(fmt.Sprintf("%d %s %v", res.Status, res.Error.Reason, err))
			},
		}))
	}
	base := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	for i := 0; i < docs; i++ {
		ts := base.Add(time.Duration(i) * time.Second)
		add(fmt.Sprintf(`{"@timestamp":%q,"message":"%s web-%d sshd[%d]: Accepted publickey for user%d from 192.0.2.%d port %d ssh2","event":{"module":"system","dataset":"system.auth"},"host":{"name":"web-%d"}}`,
			ts.Format(time.RFC3339Nano), ts.Format(time.Stamp), i%4, 100+i, i, i%250, 40000+i, i%4))
	}
	add(`{"@timestamp": not json}`)
	require.NoError(t, bi.Close(ctx))
	st := bi.Stats()
	require.EqualValues(t, docs+1, st.NumAdded)
	require.Greater(t, st.NumRequests, uint64(2), "the documents went in several requests")
	require.EqualValues(t, docs, ok.Load(), "reason of a failure: %v", reason.Load())
	require.EqualValues(t, 1, failed.Load())
	require.Contains(t, reason.Load(), "400")

	s.waitWritten()
	require.Equal(t, [][]any{{int64(docs), int64(docs)}}, s.rows(`SELECT count(*), count(DISTINCT SyslogMessage) FROM Syslog`))
	require.Equal(t, [][]any{{int64(docs)}}, s.rows(`SELECT count(*) FROM DeviceLogonEvents WHERE ActionType = 'LogonSuccess'`))
}
