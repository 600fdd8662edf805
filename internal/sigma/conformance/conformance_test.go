package conformance_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/sigma/conformance"
)

const corpus = "../../../../shared/corpus/sigma"

func sigmaDirs(tb testing.TB) (root string, dirs []string) {
	tb.Helper()
	root = filepath.Join(corpus, "sigmahq")
	if _, err := os.Stat(root); err != nil {
		tb.Skip("sigma corpus absent:", err)
	}
	for _, d := range []string{"rules", "rules-threat-hunting", "rules-emerging-threats"} {
		dirs = append(dirs, filepath.Join(root, d))
	}
	return root, dirs
}

func TestRegression(t *testing.T) {
	root, dirs := sigmaDirs(t)
	rep, err := conformance.Run(conformance.Options{RuleDirs: dirs, RegressionRoot: root})
	require.NoError(t, err)
	rep.Refusals = nil
	b, _ := json.MarshalIndent(rep, "", "  ")
	t.Logf("%s", b)
	require.Equal(t, 202, rep.RegressionTotal)
	require.Equal(t, rep.RegressionTotal, rep.RegressionPassed)
}

func TestRegressionVelocidex(t *testing.T) {
	root, dirs := sigmaDirs(t)
	vdir := filepath.Join(corpus, "samples", "sigmahq-regression-velocidex", "events")
	rep, err := conformance.Run(conformance.Options{RuleDirs: dirs, RegressionRoot: root,
		Rendering: conformance.RenderingVelocidex, VelocidexDir: vdir})
	require.NoError(t, err)
	t.Logf("velocidex rendering: %d/%d passed", rep.RegressionPassed, rep.RegressionTotal)
	for _, f := range rep.Failures {
		t.Logf("fail %s %s: %s", f.RuleID, f.Title, f.Reason)
	}
}

func TestRefusedWindows(t *testing.T) {
	_, dirs := sigmaDirs(t)
	_, rep, err := conformance.Load(dirs, nil)
	require.NoError(t, err)
	byReason := map[string]int{}
	for _, i := range rep.Refusals {
		byReason[i.Message]++
	}
	t.Logf("%v", byReason)
}
