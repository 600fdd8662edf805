package detect

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/sigma"
	"github.com/vigilsec/vigil/internal/sigma/rule"
)

const sigmaRules = "../../../shared/corpus/sigma/sigmahq/rules"

// corpusRules compiles SigmaHQ rule files with the field check, as the server does.
// ruleCounter returns a function that runs a detector over eng on a batch and counts its alerts by rule id.
func ruleCounter(t *testing.T, eng *sigma.Engine, cat *schema.Catalog) func(*batch.Batch) map[string]int {
	t.Helper()
	d, err := New(eng, cat, nil, nil, nil, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	return func(b *batch.Batch) map[string]int {
		out := map[string]int{}
		for _, a := range d.Evaluate(b) {
			out[a.RuleID]++
		}
		return out
	}
}

func corpusRules(t *testing.T, files ...string) *sigma.Engine {
	t.Helper()
	var src []byte
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(sigmaRules, f))
		require.NoError(t, err)
		if len(src) > 0 {
			src = append(src, "\n---\n"...)
		}
		src = append(src, b...)
	}
	fc, err := FieldCheck()
	require.NoError(t, err)
	eng, issues := sigma.Compile(src, "corpus.yml", fc)
	require.Empty(t, issues.Errors())
	require.Equal(t, len(files), eng.Stats().Rules)
	return eng
}

type cell struct{ col, val string }

func rows(t *testing.T, cat *schema.Catalog, table string, id string, rs ...[]cell) *batch.Batch {
	t.Helper()
	tb, ok := cat.Table(table)
	require.True(t, ok)
	b := batch.NewBuilder(tb)
	for _, r := range rs {
		b.Begin()
		for _, c := range r {
			col, p, ok := tb.Column(c.col)
			require.True(t, ok, c.col)
			if col.Type == schema.TypeInt || col.Type == schema.TypeLong {
				n, err := strconv.ParseInt(c.val, 10, 64)
				require.NoError(t, err, c.col)
				b.SetInt(p, n)
				continue
			}
			b.SetString(p, c.val)
		}
		_, p, _ := tb.Column(tb.TimeColumn)
		b.SetInt(p, time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC).UnixMicro())
		b.Commit()
	}
	return b.Finish(id, 0)
}

// TestTableFamilies runs SigmaHQ rules of the newly routed logsources on rows of their tables: Linux process
// creation on DeviceProcessEvents, webserver on W3CIISLog, AWS CloudTrail (with the JSON request parameters
// expanded) on AWSCloudTrail.
func TestTableFamilies(t *testing.T) {
	eng := corpusRules(t,
		"linux/process_creation/proc_creation_lnx_auditctl_clear_rules.yml",
		"web/webserver_generic/web_source_code_enumeration.yml",
		"cloud/aws/cloudtrail/aws_ec2_startup_script_change.yml")
	cat := schema.NewCatalog()
	ruleIDs := ruleCounter(t, eng, cat)

	procs := rows(t, cat, "DeviceProcessEvents", "p",
		[]cell{{"DeviceName", "lin-1"}, {"FolderPath", "/usr/sbin/auditctl"}, {"ProcessCommandLine", "auditctl -D"}},
		[]cell{{"DeviceName", "lin-1"}, {"FolderPath", "/usr/sbin/auditctl"}, {"ProcessCommandLine", "auditctl -l"}},
		// A Windows path is not a Linux event, whatever its name.
		[]cell{{"DeviceName", "win-1"}, {"FolderPath", `C:\tools\auditctl`}, {"ProcessCommandLine", "auditctl -D"}})
	require.Equal(t, map[string]int{"bed26dea-4525-47f4-b24a-76e30e44ffb0": 1}, ruleIDs(procs))

	web := rows(t, cat, "W3CIISLog", "w",
		[]cell{{"csMethod", "GET"}, {"csUriStem", "/app/.git/config"}, {"cIP", "203.0.113.9"}},
		[]cell{{"csMethod", "GET"}, {"csUriStem", "/index.html"}, {"cIP", "203.0.113.9"}})
	require.Equal(t, map[string]int{"953d460b-f810-420a-97a2-cfca4c98e602": 1}, ruleIDs(web))

	trail := rows(t, cat, "AWSCloudTrail", "a",
		[]cell{{"EventSource", "ec2.amazonaws.com"}, {"EventName", "ModifyInstanceAttribute"},
			{"RequestParameters", `{"instanceId":"i-0abc","attribute":"userData","value":"..."}`}},
		[]cell{{"EventSource", "ec2.amazonaws.com"}, {"EventName", "ModifyInstanceAttribute"},
			{"RequestParameters", `{"instanceId":"i-0abc","attribute":"instanceType"}`}})
	require.Equal(t, map[string]int{"1ab3c5ed-5baf-417b-bb6b-78ca33f6c3df": 1}, ruleIDs(trail))
}

// TestUnmappedFieldRefused: a rule naming a field its logsource's mapping does not cover is refused with the file,
// position, field, logsource and mapping file; a Windows event-log rule may name any field (the raw record is kept).
func TestUnmappedFieldRefused(t *testing.T) {
	fc, err := FieldCheck()
	require.NoError(t, err)
	src := `title: content type
logsource:
    category: webserver
detection:
    selection:
        cs-method: POST
        cs-x-forwarded-proto|contains: http
    condition: selection
---
title: any security field
logsource:
    product: windows
    service: security
detection:
    selection:
        SomeFieldNoMappingLists: x
    condition: selection
`
	eng, issues := sigma.Compile([]byte(src), "rules/web.yml", fc)
	require.Len(t, issues, 1)
	is := issues[0]
	require.Equal(t, rule.CodeFieldUnmapped, is.Code)
	require.Equal(t, rule.SeverityError, is.Severity)
	require.Equal(t, "rules/web.yml", is.File)
	require.Equal(t, 7, is.Line)
	require.Equal(t, 9, is.Col)
	require.Equal(t, "cs-x-forwarded-proto", is.Field)
	require.Contains(t, is.Message, `category="webserver"`)
	require.Contains(t, is.Message, "internal/detect/mappings/web.yml (W3CIISLog)")
	require.Equal(t, 1, eng.Stats().Rules, "the Windows rule loads")

	// A column of the table is covered by its own name, as is a mapped name.
	_, issues = sigma.Compile([]byte("title: t\nlogsource: {category: webserver}\ndetection:\n  s: {csUriStem: /x, cs-uri-query: a}\n  condition: s\n"), "x.yml", fc)
	require.Empty(t, issues)
}
