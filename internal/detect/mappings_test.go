package detect

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/schema"
)

// TestMappingsNameRealColumns keeps the mapping files honest: every table is in the catalogue and every column a
// mapping reads exists in it.
func TestMappingsNameRealColumns(t *testing.T) {
	m, err := LoadMappings()
	require.NoError(t, err)
	cat := schema.NewCatalog()
	require.NoError(t, cat.AddIngestTables())
	require.NotEmpty(t, m.Tables)
	for name, tm := range m.Tables {
		tb, ok := cat.Table(name)
		require.True(t, ok, "%s: table %s is not in the catalogue", tm.file, name)
		cols := map[string]string{}
		for f, c := range tm.Fields {
			cols[f] = c
		}
		for f, c := range tm.JSON {
			cols[f] = c
		}
		for f, d := range tm.Derived {
			if d.Column != "" {
				cols["derived "+f] = d.Column
			}
		}
		for i, c := range tm.User {
			cols["user"+string(rune('0'+i))] = c
		}
		for _, r := range tm.Routes {
			for c := range r.When {
				cols["when"] = c
			}
		}
		for f, c := range cols {
			_, _, ok := tb.Column(c)
			require.True(t, ok, "%s: %s.%s: column %s does not exist", tm.file, name, f, c)
		}
	}
	require.Contains(t, Tables, "DeviceProcessEvents")
	require.Contains(t, Tables, "AWSCloudTrail")
}
