package tables_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/ingest/normalize/tables"
	"github.com/vigilsec/vigil/internal/schema"
)

func TestRowConversions(t *testing.T) {
	set := tables.NewSet(schema.NewCatalog())
	_, err := set.Builder("NoSuchTable")
	require.ErrorContains(t, err, `unknown table "NoSuchTable"`)

	b, err := set.Builder("CommonSecurityLog")
	require.NoError(t, err)
	r := tables.Begin(b)
	require.True(t, r.Text("TimeGenerated", "2024-05-01T10:00:00Z"))
	require.True(t, r.Text("SourcePort", "0080"))                 // decimal, not octal
	require.True(t, r.Text("DestinationPort", "0x1bb"))           // hex
	require.False(t, r.Text("DeviceCustomNumber1", "1e99"))       // not an integer
	require.False(t, r.Text("DeviceCustomNumber2", "3000000000")) // out of int range
	require.True(t, r.Text("SentBytes", "3000000000"))            // long
	require.True(t, r.Text("DeviceCustomFloatingPoint1", "1.5"))
	require.False(t, r.Text("NoSuchColumn", "x"))
	require.True(t, r.Text("Message", ""))
	r.String("DeviceVendor", "v")
	r.Int("ProcessName", 42) // a string column gets decimal text
	r.Bool("Message", true)  // not a bool column: ignored
	r.Commit()
	require.Equal(t, 1, set.Rows())

	var got *batch.Batch
	counts := map[string]int{}
	require.NoError(t, set.Flush(func(bt *batch.Batch) error { got = bt; return nil }, counts))
	require.Equal(t, map[string]int{"CommonSecurityLog": 1}, counts)
	require.Zero(t, set.Rows())
	row := map[string]any{}
	for _, c := range got.Columns {
		row[c.Name] = c.Value(0)
	}
	require.Equal(t, map[string]any{
		"TimeGenerated": int64(1714557600000000), "SourcePort": int64(80), "DestinationPort": int64(443),
		"SentBytes": int64(3000000000), "DeviceCustomFloatingPoint1": 1.5, "DeviceVendor": "v", "ProcessName": "42",
	}, row)
}

func TestFlushOrderAndIDs(t *testing.T) {
	set := tables.NewSet(schema.NewCatalog())
	for _, name := range []string{"Syslog", "DeviceLogonEvents", "Syslog"} {
		b, err := set.Builder(name)
		require.NoError(t, err)
		r := tables.Begin(b)
		r.Int(b.Table().TimeColumn, 1)
		r.Commit()
	}
	var names, ids []string
	require.NoError(t, set.Flush(func(bt *batch.Batch) error {
		names = append(names, bt.Table)
		ids = append(ids, bt.ID)
		return nil
	}, nil))
	require.Equal(t, []string{"DeviceLogonEvents", "Syslog"}, names)
	require.NotEqual(t, ids[0], ids[1])
	b, _ := set.Builder("Syslog")
	r := tables.Begin(b)
	r.Int("TimeGenerated", 1)
	r.Rollback()
	require.Zero(t, set.Rows())
}
