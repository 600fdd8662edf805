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

// The setters that take a found column write what the setters by name write, conversions and ignored columns
// included.
func TestColSettersMatchByName(t *testing.T) {
	cat := schema.NewCatalog()
	tbl, ok := cat.Table("CommonSecurityLog")
	require.True(t, ok)
	require.False(t, tables.Lookup(tbl, "NoSuchColumn").Exists())
	require.True(t, tables.Lookup(tbl, "SourcePort").Exists())
	fill := func(byName bool) map[string]any {
		set := tables.NewSet(cat)
		b, err := set.Builder("CommonSecurityLog")
		require.NoError(t, err)
		r := tables.Begin(b)
		str := func(col, v string) {
			if byName {
				r.String(col, v)
			} else {
				r.StringCol(tables.Lookup(tbl, col), v)
			}
		}
		num := func(col string, v int64) {
			if byName {
				r.Int(col, v)
			} else {
				r.IntCol(tables.Lookup(tbl, col), v)
			}
		}
		text := func(col, v string) bool {
			if byName {
				return r.Text(col, v)
			}
			return r.TextCol(tables.Lookup(tbl, col), v)
		}
		num("TimeGenerated", 7)
		str("DeviceVendor", "v")
		str("SourcePort", "0x50")         // an int column from text
		str("DestinationPort", "nope")    // not a number: left unset
		str("NoSuchColumn", "x")          // ignored
		str("Message", "")                // null
		num("ProcessName", 42)            // decimal text
		num("DeviceCustomNumber1", 1<<40) // out of int range: left unset
		num("SentBytes", 1<<40)
		num("DeviceCustomFloatingPoint1", 3)
		require.True(t, text("ReceivedBytes", "12"))
		require.False(t, text("NoSuchColumn", "12"))
		require.False(t, text("DeviceCustomNumber2", "3000000000"))
		require.True(t, text("Activity", ""))
		r.Commit()
		row := map[string]any{}
		require.NoError(t, set.Flush(func(bt *batch.Batch) error {
			for _, c := range bt.Columns {
				row[c.Name] = c.Value(0)
			}
			return nil
		}, nil))
		return row
	}
	want := map[string]any{
		"TimeGenerated": int64(7), "DeviceVendor": "v", "SourcePort": int64(80), "ProcessName": "42",
		"SentBytes": int64(1 << 40), "DeviceCustomFloatingPoint1": 3.0, "ReceivedBytes": int64(12),
	}
	require.Equal(t, want, fill(true))
	require.Equal(t, want, fill(false))
}
