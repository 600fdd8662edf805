package detect_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/detect"
	"github.com/vigilsec/vigil/internal/kql"
	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/sigma/rule"
)

const ruleYAML = `title: Encoded PowerShell From Office
id: 11111111-2222-3333-4444-555555555555
logsource: {product: windows, category: process_creation}
detection:
  selection:
    Image|endswith: '\powershell.exe'
    CommandLine|contains|all: [' -enc', 'Bypass']
  parent:
    ParentImage|endswith: ['\WINWORD.EXE', '\EXCEL.EXE']
  filter:
    User: 'NT AUTHORITY\SYSTEM'
    CommandLine: 'C:\Program*\x?.exe'
  condition: selection and 1 of parent* and not filter
level: high
`

func TestToKQL(t *testing.T) {
	rules, issues := rule.Parse([]byte(ruleYAML), "r.yml")
	require.Empty(t, issues)
	m, err := detect.LoadMappings()
	require.NoError(t, err)
	cat := schema.NewCatalog()
	q, err := m.ToKQL(rules[0], cat)
	require.NoError(t, err)
	require.Equal(t, `// Encoded PowerShell From Office (11111111-2222-3333-4444-555555555555)
DeviceProcessEvents
| where ((((FolderPath endswith @"\powershell.exe") and (ProcessCommandLine contains @" -enc" and ProcessCommandLine contains @"Bypass"))) and ((((InitiatingProcessFolderPath endswith @"\WINWORD.EXE" or InitiatingProcessFolderPath endswith @"\EXCEL.EXE")))) and not((((tostring(todynamic(AdditionalFields)[@"User"]) =~ @"NT AUTHORITY\SYSTEM") and (ProcessCommandLine matches regex @"(?i)^C:\\Program.*\\x.\.exe$")))))`, q)
	_, errs := kql.Compile(q, cat)
	require.Nil(t, errs, "%v", errs)
}

// TestToKQLOnSigmaHQ converts every SigmaHQ Windows rule of a category with a table and checks that each converted
// query passes the KQL engine; the counts are logged.
func TestToKQLOnSigmaHQ(t *testing.T) {
	converted := convertCorpus(t, "../../../shared/corpus/sigma/sigmahq/rules/windows")
	require.Positive(t, converted)
}

// TestToKQLFamilies does the same for the families outside the Windows event logs (Linux, web, proxy, DNS, cloud).
func TestToKQLFamilies(t *testing.T) {
	root := "../../../shared/corpus/sigma/sigmahq/rules"
	converted := convertCorpus(t, root+"/linux", root+"/web", root+"/network/dns", root+"/cloud/aws", root+"/cloud/azure", root+"/cloud/gcp")
	require.Positive(t, converted)

	m, err := detect.LoadMappings()
	require.NoError(t, err)
	rules, _ := rule.Parse([]byte(`title: t
id: 11111111-2222-3333-4444-555555555555
logsource: {product: aws, service: cloudtrail}
detection:
  s: {eventName: PutBucketPolicy, requestParameters.bucketName|startswith: prod-}
  condition: s
---
title: l
id: 11111111-2222-3333-4444-555555555556
logsource: {product: linux, category: process_creation}
detection:
  s: {Image|endswith: /nc}
  condition: s
`), "t.yml")
	cat := schema.NewCatalog()
	q, err := m.ToKQL(rules[0], cat)
	require.NoError(t, err)
	require.Contains(t, q, `AWSCloudTrail
| where (((EventName =~ @"PutBucketPolicy") and (tostring(todynamic(RequestParameters)[@"bucketName"]) startswith @"prod-")))`)
	q, err = m.ToKQL(rules[1], cat)
	require.NoError(t, err)
	require.Contains(t, q, "DeviceProcessEvents\n| where FolderPath startswith_cs @\"/\" and (", "Linux rows only")
}

func convertCorpus(t *testing.T, roots ...string) int {
	t.Helper()
	m, err := detect.LoadMappings()
	require.NoError(t, err)
	cat := schema.NewCatalog()
	require.NoError(t, cat.AddIngestTables())
	converted, refused, compiled := 0, map[string]int{}, 0
	var bad []string
	for _, root := range roots {
		_, err := os.Stat(root)
		require.NoError(t, err, "the SigmaHQ corpus is under ../shared/corpus")
		_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".yml") {
				return nil
			}
			rules, _ := rule.ParseFile(p)
			for _, r := range rules {
				q, err := m.ToKQL(r, cat)
				if err != nil {
					msg := err.Error()
					if i := strings.Index(msg, ": "); i > 0 {
						msg = msg[i+2:]
					}
					if j := strings.IndexAny(msg, "\"{"); j > 0 {
						msg = msg[:j]
					}
					refused[msg]++
					continue
				}
				converted++
				if _, errs := kql.Compile(q, cat); errs == nil {
					compiled++
				} else if len(bad) < 5 {
					bad = append(bad, p+": "+errs[0].Message)
				}
			}
			return nil
		})
	}
	t.Logf("converted %d, of which %d compile; refused %v; first failures %v", converted, compiled, refused, bad)
	require.Equal(t, converted, compiled, "every converted query must pass the KQL engine: %v", bad)
	return converted
}

// TestToKQLDerived converts rules whose fields the mappings derive (a CEF extension pair, a URL part, a value table,
// a member of the kept record) and checks the queries with the KQL engine.
func TestToKQLDerived(t *testing.T) {
	m, err := detect.LoadMappings()
	require.NoError(t, err)
	cat := schema.NewCatalog()
	rules, issues := rule.Parse([]byte(`title: proxy
id: 11111111-2222-3333-4444-555555555501
logsource: {category: proxy}
detection:
  s: {sc-status: 200, c-uri-extension: exe, c-uri-query|contains: 'ver=', cs-uri-stem|startswith: /dl/}
  condition: s
---
title: fw
id: 11111111-2222-3333-4444-555555555502
logsource: {category: firewall}
detection:
  s: {blocked: 'false', dst_port: 21}
  condition: s
---
title: cwd
id: 11111111-2222-3333-4444-555555555503
logsource: {product: linux, category: process_creation}
detection:
  s: {CurrentDirectory: /tmp, User: root}
  condition: s
`), "t.yml")
	require.Empty(t, issues.Errors())
	want := []string{
		`trim(@"\s+", extract(@"(?i)(?:^|[;\s])outcome=([^;]*)", 1, AdditionalExtensions))`,
		`extract(@"\.([^./]+)$", 1, tostring(parse_url(RequestURL)[@"Path"]))`,
		`case(isempty(DeviceAction), @"", DeviceAction =~ @"accept", @"false"`,
		`tostring(todynamic(AdditionalFields)[@"Cwd"])`,
		`iff(isempty(AccountDomain), AccountName, strcat(AccountDomain, @"\", AccountName))`,
	}
	var all string
	for _, r := range rules {
		q, err := m.ToKQL(r, cat)
		require.NoError(t, err, r.Title)
		_, errs := kql.Compile(q, cat)
		require.Nil(t, errs, "%s: %s", r.Title, q)
		all += q + "\n"
	}
	for _, w := range want {
		require.Contains(t, all, w)
	}
}
