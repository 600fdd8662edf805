package normalize_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/valyala/fastjson"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/ingest/normalize"
	"github.com/vigilsec/vigil/internal/schema"
)

// Objects whose fields come in changing orders, with unknown fields at places a known one held before, each land in
// their own columns: the remembered places never mix them up.
func TestJSONFieldOrderChanges(t *testing.T) {
	tb, ok := schema.NewCatalog().Table("DeviceProcessEvents")
	require.True(t, ok)
	b := batch.NewBuilder(tb)
	j := normalize.NewJSON(b)
	var p fastjson.Parser
	for _, line := range []string{
		`{"Timestamp":"2024-05-01T10:00:00Z","DeviceName":"a","ProcessId":1}`,
		`{"Timestamp":"2024-05-01T10:00:01Z","DeviceName":"b","ProcessId":2}`,
		`{"ProcessId":3,"Timestamp":"2024-05-01T10:00:02Z","DeviceName":"c"}`,
		`{"Timestamp":"2024-05-01T10:00:03Z","Odd":"x","ProcessId":4,"DeviceName":"d"}`,
		`{"Timestamp":"2024-05-01T10:00:04Z","DeviceName":"e","Odd":"y"}`,
		`{"Timestamp":"2024-05-01T10:00:05Z","FileName":"f","DeviceName":"f2"}`,
	} {
		v, err := p.Parse(line)
		require.NoError(t, err)
		require.NoError(t, j.Object(v.GetObject()), line)
	}
	bt := b.Finish("x", 0)
	var got []map[string]any
	for i := 0; i < bt.Len; i++ {
		row := map[string]any{}
		for _, c := range bt.Columns {
			if v := c.Value(i); v != nil && c.Name != "Timestamp" {
				row[c.Name] = v
			}
		}
		got = append(got, row)
	}
	require.Equal(t, []map[string]any{
		{"DeviceName": "a", "ProcessId": int64(1)},
		{"DeviceName": "b", "ProcessId": int64(2)},
		{"DeviceName": "c", "ProcessId": int64(3)},
		{"DeviceName": "d", "ProcessId": int64(4), "_Extra": `{"Odd":"x"}`},
		{"DeviceName": "e", "_Extra": `{"Odd":"y"}`},
		{"DeviceName": "f2", "FileName": "f"},
	}, got)
}
