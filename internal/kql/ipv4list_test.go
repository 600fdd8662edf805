package kql_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/kql/kqltest"
	"github.com/vigilsec/vigil/internal/schema"
)

// TestHasIPv4WithRuntimeList: has_any_ipv4 and has_any_ipv4_prefix take a list computed by the query (as the ASIM
// parsers get one from threat-intelligence rules) with the same term rules as a constant list.
func TestHasIPv4WithRuntimeList(t *testing.T) {
	db := kqltest.EmptyStore(t, schema.NewCatalog())
	texts := `datatable(s:string)["from 10.1.2.3 x", "192.168.0.1", "10.10.0.1", "x192.168.0.10", "a10.1.9.9", "192.168.0.12"]`
	require.Equal(t, `"192.168.0.1"`+"\n"+`"from 10.1.2.3 x"`,
		run(t, db, `let l = toscalar(datatable(p:string)["10.1.", "192.168.0.1", "bad", "300."] | summarize make_list(p));
			`+texts+` | where has_any_ipv4_prefix(s, l) | order by s asc`))
	require.Equal(t, `"192.168.0.1"`,
		run(t, db, `let l = toscalar(datatable(p:string)["10.1.", "192.168.0.1"] | summarize make_list(p));
			`+texts+` | where has_any_ipv4(s, l) | order by s asc`))
	require.Equal(t, `"192.168.0.1"`+"\n"+`"from 10.1.2.3 x"`,
		run(t, db, `datatable(s:string, ip:string)["from 10.1.2.3 x", "10.1.2.3", "192.168.0.1", "192.168.0.1", "10.10.0.1", "10.10.0.2"]
			| where has_ipv4(s, ip) | project s | order by s asc`), "an address from a column")
	require.Equal(t, "",
		run(t, db, `let l = toscalar(datatable(p:string)["x"] | summarize make_list(p) | where false);
			`+texts+` | where has_any_ipv4_prefix(s, l)`))
}
