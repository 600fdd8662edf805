package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/state/sqlite"
)

const fnRule = `id: %s
name: %s
severity: Low
queryFrequency: 5m
queryPeriod: 5m
triggerOperator: gt
triggerThreshold: 0
query: |
  %s
`

// TestCLISeesStoredFunctions: vigil rules import and vigil kql conformance with --data see the functions stored in
// that data directory (saved through the API) and the built-in ASIM parsers.
func TestCLISeesStoredFunctions(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(data, "state.db"))
	require.NoError(t, err)
	_, err = st.PutFunction(ctx, sqlite.Function{Name: "FailedLogons", Body: "SecurityEvent | where EventID == 4625"}, "test")
	require.NoError(t, err)
	require.NoError(t, st.Close())

	rules := t.TempDir()
	for name, q := range map[string]string{
		"stored": "FailedLogons | summarize n = count() by Computer",
		"asim":   `_Im_Dns(starttime=ago(1d), domain_has_any=dynamic(["example.com"])) | summarize n = count() by SrcIpAddr`,
		"table":  "imFileEvent | where EventType == 'FileCreated' | summarize n = count() by DvcHostname",
		"absent": "NoSuchFunction | count",
	} {
		require.NoError(t, os.WriteFile(filepath.Join(rules, name+".yaml"), fmt.Appendf(nil, fnRule, "rule-"+name, name, q), 0o600))
	}
	var out, errOut bytes.Buffer
	code := run([]string{"rules", "import", "--data", data, "--format", "sentinel", rules, "--json"}, &out, &errOut)
	require.Equal(t, 0, code, errOut.String())
	var rep struct {
		Total, Imported int
		Refused         map[string]int
	}
	require.NoError(t, json.Unmarshal(out.Bytes(), &rep), out.String())
	require.Equal(t, 4, rep.Total)
	require.Equal(t, 3, rep.Imported, out.String())
	require.Equal(t, map[string]int{"kql_unknown_table": 1}, rep.Refused)

	corpus := filepath.Join(t.TempDir(), "q.jsonl")
	require.NoError(t, os.WriteFile(corpus, []byte(`{"query":"FailedLogons | count"}`+"\n"), 0o600))
	for _, withData := range []bool{true, false} {
		args := []string{"kql", "conformance", "--corpus", corpus, "--json"}
		if withData {
			args = append(args, "--data", data)
		}
		out.Reset()
		require.Equal(t, 0, run(args, &out, &errOut), errOut.String())
		var conf struct{ Checked int }
		require.NoError(t, json.Unmarshal(out.Bytes(), &conf))
		want := 0
		if withData {
			want = 1
		}
		require.Equal(t, want, conf.Checked, "--data %v", withData)
	}
}
