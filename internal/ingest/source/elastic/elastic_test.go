package elastic_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/valyala/fastjson"

	"github.com/vigilsec/vigil/internal/ingest/source/elastic"
)

func TestParseAction(t *testing.T) {
	parse := func(s, def string) (elastic.Action, error) {
		v, err := fastjson.Parse(s)
		require.NoError(t, err)
		return elastic.ParseAction(v, def)
	}
	a, err := parse(`{"create":{"_index":"filebeat-8.17.0","_id":"abc"}}`, "")
	require.NoError(t, err)
	require.Equal(t, elastic.Action{Op: "create", Index: "filebeat-8.17.0", ID: "abc"}, a)
	a, err = parse(`{"index":{"_id":7}}`, "logs")
	require.NoError(t, err)
	require.Equal(t, elastic.Action{Op: "index", Index: "logs", ID: "7"}, a)
	for _, bad := range []string{`{}`, `[]`, `{"index":{},"create":{}}`, `{"upsert":{}}`, `{"index":1}`, `{"index":{"_index":1}}`, `{"index":{}}`, `{"index":{"_index":"x","_id":{}}}`} {
		_, err := parse(bad, "")
		require.ErrorIs(t, err, elastic.ErrBadAction, bad)
	}
}

func TestIndexDataset(t *testing.T) {
	for in, want := range map[string]string{
		"filebeat-8.17.0":                       "filebeat",
		".ds-filebeat-8.17.0-2024.05.01-000001": "filebeat",
		"logs-nginx.access-default":             "nginx.access",
		"nginx-2024.05.01":                      "nginx",
		"my-app-logs":                           "my-app-logs",
		"logstash":                              "logstash",
	} {
		require.Equal(t, want, elastic.IndexDataset(in), in)
	}
}

func TestConfigValidate(t *testing.T) {
	require.NoError(t, elastic.Config{}.Validate())
	require.NoError(t, elastic.Config{Version: "9.1.0"}.Validate())
	require.Error(t, elastic.Config{Version: "8"}.Validate())
	require.Error(t, elastic.Config{Version: "6.8.0"}.Validate())
}

func FuzzParseAction(f *testing.F) {
	for _, s := range []string{`{"create":{"_index":"a","_id":"1"}}`, `{"index":{}}`, `{"delete":{"_index":"x"}}`, `{"x":1}`, `[1]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := fastjson.Parse(s)
		if err != nil {
			return
		}
		a, err := elastic.ParseAction(v, "d")
		if err == nil && (a.Index == "" || a.Op == "") {
			t.Fatalf("accepted an action without index or op: %+v", a)
		}
	})
}
