package kql_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/kql"
	"github.com/vigilsec/vigil/internal/kql/kqltest"
	"github.com/vigilsec/vigil/internal/schema"
)

// A parser record that ends by calling its local function with the stored function's own parameters (the ASIM
// helper functions) is checked with each passed-through name bound to the local parameter's default or a typed null.
// A name the local function does not declare stays unknown.
func TestCorpusPassThroughParameters(t *testing.T) {
	recs := []kql.CorpusRecord{
		{Path: "lookup.yaml", Kind: "parser", FunctionName: "Lookup", Query: "let function = (Code:int) {\n" +
			"  let T = dynamic({\"1\":\"one\"});\n  print Name = tostring(T[tostring(Code)])\n};\nfunction(Code)"},
		{Path: "watchlist.yaml", Kind: "parser", FunctionName: "Watch", Query: "let function = (watchlist:string, keys:dynamic = dynamic([])) {\n" +
			"  datatable(a:string)[\"x\"] | where a == watchlist or array_length(keys) == 0\n};\nfunction (watchlist,keys)"},
		{Path: "unbound.yaml", Kind: "parser", FunctionName: "Unbound", Query: "let function = (Code:int) { print Code };\nfunction(Other)"},
		{Path: "query.yaml", Kind: "hunting_query", Query: "let function = (Code:int) { print Code };\nfunction(Code)"},
	}
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "records.jsonl"))
	require.NoError(t, err)
	enc := json.NewEncoder(f)
	for _, r := range recs {
		require.NoError(t, enc.Encode(r))
	}
	require.NoError(t, f.Close())
	rep, err := kql.RunCorpus(context.Background(), dir, schema.NewCatalog(), kqltest.OpenStore(t))
	require.NoError(t, err)
	require.Equal(t, 4, rep.All.Parsed)
	require.Equal(t, 2, rep.All.Checked, "%v", rep.Log)
	require.Equal(t, 2, rep.All.Executed, "%v", rep.Log)
	require.Len(t, rep.Log, 2)
	require.Contains(t, rep.Log[0], `unbound.yaml: 2:10: unknown column or variable "Other"`)
	require.Contains(t, rep.Log[1], `query.yaml: 2:10: unknown column or variable "Code"`, "only parser records are function bodies")
}
