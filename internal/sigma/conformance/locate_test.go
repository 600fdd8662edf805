package conformance_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/sigma/conformance"
)

// writeFile writes data to root/rel, creating directories.
func writeFile(t *testing.T, root, rel, data string) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(rel))
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte(data), 0o644))
}

const locRule = `title: Whoami
id: 11111111-2222-3333-4444-555555555555
logsource: {product: windows, category: process_creation}
detection:
  sel: {Image|endswith: '\whoami.exe'}
  condition: sel
`

func locInfo(id, rel string, want int) string {
	return `rule_metadata:
  - id: ` + id + `
    title: t
regression_tests_info:
  - name: Positive Detection Test
    type: evtx
    match_count: ` + strconv.Itoa(want) + `
    path: regression_data/` + rel + `/` + id + `.evtx
`
}

const locEvent = `{"Event":{"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Sysmon"}},"EventID":1,
"Channel":"Microsoft-Windows-Sysmon/Operational"},"EventData":{"Image":"C:\\Windows\\System32\\whoami.exe"}}}`

// A regression test whose rule is outside --rules is run with the rule found at the path its folder mirrors; a rule
// missing there, or a file holding another id, fails the test with the reason.
func TestRegressionLocatesRuleByPath(t *testing.T) {
	root := t.TempDir()
	const id = "11111111-2222-3333-4444-555555555555"
	writeFile(t, root, "rules/windows/other.yml", strings.ReplaceAll(locRule, id, "99999999-2222-3333-4444-555555555555"))
	// Found by path (rules-emerging-threats is not loaded).
	writeFile(t, root, "rules-emerging-threats/2025/proc_whoami.yml", locRule)
	writeFile(t, root, "regression_data/rules-emerging-threats/2025/proc_whoami/info.yml", locInfo(id, "rules-emerging-threats/2025/proc_whoami", 1))
	writeFile(t, root, "regression_data/rules-emerging-threats/2025/proc_whoami/"+id+".json", locEvent)
	// Missing at its path.
	const missing = "22222222-2222-3333-4444-555555555555"
	writeFile(t, root, "regression_data/rules-threat-hunting/gone/info.yml", locInfo(missing, "rules-threat-hunting/gone", 1))
	writeFile(t, root, "regression_data/rules-threat-hunting/gone/"+missing+".json", locEvent)
	// The file at the path holds another rule id.
	const wrong = "33333333-2222-3333-4444-555555555555"
	writeFile(t, root, "rules-threat-hunting/wrong.yml", locRule)
	writeFile(t, root, "regression_data/rules-threat-hunting/wrong/info.yml", locInfo(wrong, "rules-threat-hunting/wrong", 1))
	writeFile(t, root, "regression_data/rules-threat-hunting/wrong/"+wrong+".json", locEvent)

	rep, err := conformance.Run(conformance.Options{RuleDirs: []string{filepath.Join(root, "rules")}, RegressionRoot: root})
	require.NoError(t, err)
	require.Equal(t, 3, rep.RegressionTotal)
	require.Equal(t, 1, rep.RegressionPassed)
	require.Equal(t, 1, rep.RegressionLocated)
	require.Len(t, rep.Failures, 2)
	reasons := map[string]string{}
	for _, f := range rep.Failures {
		reasons[f.RuleID] = f.Reason
	}
	require.Contains(t, reasons[missing], "nor at "+filepath.Join(root, "rules-threat-hunting", "gone.yml"))
	require.Contains(t, reasons[wrong], "does not hold rule id "+wrong)

	// With the folder loaded, nothing needs locating.
	rep, err = conformance.Run(conformance.Options{RuleDirs: []string{filepath.Join(root, "rules"),
		filepath.Join(root, "rules-emerging-threats")}, RegressionRoot: root})
	require.NoError(t, err)
	require.Equal(t, 1, rep.RegressionPassed)
	require.Zero(t, rep.RegressionLocated)
}

// The bar's command loads only rules/: the tests of the sibling folders' rules find them by path and all pass.
func TestRegressionRulesDirOnly(t *testing.T) {
	root, _ := sigmaDirs(t)
	outside := 0
	err := filepath.WalkDir(filepath.Join(root, "regression_data"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Name() == "info.yml" && !strings.HasPrefix(filepath.ToSlash(p), filepath.ToSlash(filepath.Join(root, "regression_data", "rules"))+"/") {
			outside++
		}
		return err
	})
	require.NoError(t, err)
	rep, err := conformance.Run(conformance.Options{RuleDirs: []string{filepath.Join(root, "rules")}, RegressionRoot: root})
	require.NoError(t, err)
	for _, f := range rep.Failures {
		t.Logf("fail %s %s: %s", f.RuleID, f.Title, f.Reason)
	}
	require.Equal(t, 202, rep.RegressionTotal)
	require.Equal(t, 202, rep.RegressionPassed)
	require.Positive(t, outside)
	require.Equal(t, outside, rep.RegressionLocated)
}

func TestRulePath(t *testing.T) {
	p, err := conformance.RulePath("/r", "/r/regression_data/rules/windows/a/b/info.yml")
	require.NoError(t, err)
	require.Equal(t, filepath.FromSlash("/r/rules/windows/a/b.yml"), p)
	_, err = conformance.RulePath("/r", "/elsewhere/x/info.yml")
	require.Error(t, err)
	_, err = conformance.RulePath("/r", "/r/regression_data/info.yml")
	require.Error(t, err)
}
