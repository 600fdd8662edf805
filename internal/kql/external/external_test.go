package external_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/kql"
	"github.com/vigilsec/vigil/internal/kql/external"
	"github.com/vigilsec/vigil/internal/kql/kqltest"
	"github.com/vigilsec/vigil/internal/schema"
)

func compile(t *testing.T, src string) *kql.Query {
	t.Helper()
	q, errs := kql.Compile(src, schema.NewCatalog())
	require.Nil(t, errs)
	return q
}

func TestRefusedByDefault(t *testing.T) {
	require.NoError(t, external.Configure(external.Policy{}))
	q := compile(t, `externaldata(IoC:string) [@"https://raw.githubusercontent.com/Azure/Azure-Sentinel/master/x.csv"] with (format="csv")`)
	_, err := q.DuckDB()
	require.Error(t, err)
	require.Contains(t, err.Error(), external.Setting)
}

func TestPolicyValidate(t *testing.T) {
	for _, bad := range []string{"http://example.com/", "https://example.com", "ftp://x/", "https:///path"} {
		require.Error(t, external.Policy{AllowedPrefixes: []string{bad}}.Validate(), bad)
	}
	require.NoError(t, external.Policy{AllowedPrefixes: []string{"https://raw.githubusercontent.com/Azure/"}}.Validate())
}

func TestPrefixes(t *testing.T) {
	require.NoError(t, external.Configure(external.Policy{AllowedPrefixes: []string{"https://feeds.example.com/lists/"}}))
	t.Cleanup(func() { _ = external.Configure(external.Policy{}) })
	require.NoError(t, external.Allowed("https://feeds.example.com/lists/a.csv"))
	for _, u := range []string{"https://feeds.example.com/other.csv", "http://feeds.example.com/lists/a.csv",
		"https://feeds.example.com.evil.net/lists/a.csv"} {
		err := external.Allowed(u)
		require.ErrorIs(t, err, external.ErrNotAllowed, u)
		require.Contains(t, err.Error(), external.Setting)
	}
}

func TestInternalAddressesBlocked(t *testing.T) {
	for _, a := range []string{"127.0.0.1", "10.1.2.3", "192.168.0.1", "172.16.0.1", "169.254.169.254", "::1", "fe80::1",
		"fd00::1", "100.64.0.1", "0.0.0.0", "::ffff:127.0.0.1"} {
		require.True(t, external.Blocked(a), a)
	}
	for _, a := range []string{"140.82.112.3", "2606:50c0:8000::154"} {
		require.False(t, external.Blocked(a), a)
	}
	// A server on loopback is refused after resolution, even when its URL is allowed.
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("x\n")) }))
	defer srv.Close()
	require.NoError(t, external.Configure(external.Policy{AllowedPrefixes: []string{srv.URL + "/"}}))
	t.Cleanup(func() { _ = external.Configure(external.Policy{}) })
	_, err := external.Fetch(context.Background(), srv.URL+"/x.csv")
	require.ErrorIs(t, err, external.ErrNotAllowed)
	require.Contains(t, err.Error(), "internal address")
}

// A real HTTPS server in the test stands for the public list; DuckDB reads it through kql_externaldata.
func TestExternalDataEndToEnd(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		switch r.URL.Path {
		case "/feeds/iocs.csv":
			_, _ = w.Write([]byte("IoC,Count,Seen\n\"evil.example\",3,2024-05-01\nok.example,1,2024-05-02\n10.0.0.1,x,\n"))
		case "/feeds/big.txt":
			_, _ = w.Write([]byte(strings.Repeat("a\n", 5000)))
		case "/feeds/redirect":
			http.Redirect(w, r, "https://elsewhere.example/x", http.StatusFound)
		case "/feeds/items.json":
			_, _ = w.Write([]byte(`[{"name":"a","tags":["x","y"]},{"name":"b"}]`))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	restore := external.AllowInternalForTest(func(tr *http.Transport) {
		tr.TLSClientConfig = srv.Client().Transport.(*http.Transport).TLSClientConfig
	})
	defer restore()
	require.NoError(t, external.Configure(external.Policy{AllowedPrefixes: []string{srv.URL + "/feeds/"}, MaxBytes: 4096, Timeout: 5 * time.Second}))
	t.Cleanup(func() { _ = external.Configure(external.Policy{}) })

	db := kqltest.OpenStore(t)
	run := func(src string) ([][]any, error) {
		q := compile(t, src)
		res, err := q.Run(context.Background(), db, 100)
		if err != nil {
			return nil, err
		}
		return res.Rows, nil
	}
	rows, err := run(`externaldata(IoC:string, Count:long, Seen:datetime) [@"` + srv.URL + `/feeds/iocs.csv"] with (format="csv", ignoreFirstRecord=true)
| where Count > 0 or isnull(Count) | project IoC, Count`)
	require.NoError(t, err)
	require.Equal(t, [][]any{{"evil.example", int64(3)}, {"ok.example", int64(1)}, {"10.0.0.1", nil}}, rows)
	// A second query is served from the cache.
	_, err = run(`externaldata(IoC:string) [@"` + srv.URL + `/feeds/iocs.csv"] with (format="csv") | count`)
	require.NoError(t, err)
	require.EqualValues(t, 1, hits.Load())

	rows, err = run(`externaldata(name:string, tags:dynamic) [@"` + srv.URL + `/feeds/items.json"] with (format="multijson") | project name, n = array_length(tags)`)
	require.NoError(t, err)
	require.Equal(t, [][]any{{"a", int64(2)}, {"b", nil}}, rows)

	_, err = run(`externaldata(l:string) [@"` + srv.URL + `/feeds/big.txt"] with (format="txt")`)
	require.ErrorContains(t, err, "max_bytes")
	_, err = run(`externaldata(l:string) [@"` + srv.URL + `/feeds/redirect"] with (format="txt")`)
	require.Error(t, err)
	require.True(t, errors.Is(err, external.ErrNotAllowed) || strings.Contains(err.Error(), external.Setting), err.Error())
	// A URL outside the prefixes is refused when the SQL is generated, before anything is fetched.
	q := compile(t, `externaldata(l:string) [@"`+srv.URL+`/private/x"] with (format="txt")`)
	_, err = q.DuckDB()
	require.ErrorContains(t, err, external.Setting)
}
