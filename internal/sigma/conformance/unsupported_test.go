package conformance_test

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/detect"
	"github.com/vigilsec/vigil/internal/sigma/conformance"
	"github.com/vigilsec/vigil/internal/sigma/rule"
)

var update = flag.Bool("update", false, "rewrite docs/sigma-unsupported.md")

const unsupportedDoc = "../../../docs/sigma-unsupported.md"

// TestUnsupportedDoc keeps docs/sigma-unsupported.md true: it loads SigmaHQ's rules/ (the bar's --rules) and all
// three rule folders with the field check, as the server does, and renders what is refused and why.
func TestUnsupportedDoc(t *testing.T) {
	root, dirs := sigmaDirs(t)
	fc, err := detect.FieldCheck()
	require.NoError(t, err)
	_, bar, err := conformance.Load(dirs[:1], nil, fc)
	require.NoError(t, err)
	_, all, err := conformance.Load(dirs, nil, fc)
	require.NoError(t, err)

	// The groups account for every logsource refusal, and only refusals of a served logsource are field ones.
	for _, rep := range []*conformance.Report{bar, all} {
		n := 0
		for _, g := range rep.LogsourcesUnsupported {
			require.Positive(t, g.Rules)
			require.NotEmpty(t, g.Reason)
			n += g.Rules
		}
		require.Equal(t, rep.RulesRefused[string(rule.CodeLogsourceUnsupported)], n)
		require.Zero(t, rep.RulesRefused[string(rule.CodeFieldUnmapped)], "every field of a served logsource is mapped or declared unsupported")
		require.Equal(t, rep.RulesTotal, rep.RulesLoaded+len(rep.Refusals))
	}

	got := conformance.UnsupportedMarkdown(root,
		conformance.Column{Name: "rules/", Report: bar},
		conformance.Column{Name: "all three folders", Report: all})
	if *update {
		require.NoError(t, os.WriteFile(unsupportedDoc, []byte(got), 0o644))
	}
	want, err := os.ReadFile(filepath.Clean(unsupportedDoc))
	require.NoError(t, err)
	require.Equal(t, string(want), got, "run go test ./internal/sigma/conformance -run TestUnsupportedDoc -update")
}
