package rule_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/vigilsec/vigil/internal/sigma/engine"
	"github.com/vigilsec/vigil/internal/sigma/event"
	"github.com/vigilsec/vigil/internal/sigma/rule"
)

const good = `title: Whoami
id: 6f3e2987-db24-4c78-a860-b4f4095a7095
status: test
level: medium
author: Jane, John
tags: [attack.discovery, attack.t1033]
logsource:
    product: windows
    category: process_creation
detection:
    selection:
        Image|endswith: '\whoami.exe'
    filter:
        - User: null
        - CommandLine|contains|all: [a, b]
    keywords: [x, 1]
    condition: selection and not filter
`

func TestParseGood(t *testing.T) {
	rules, issues := rule.Parse([]byte(good), "r.yml")
	require.Empty(t, issues)
	require.Len(t, rules, 1)
	r := rules[0]
	require.Equal(t, rule.KindDetection, r.Kind)
	require.Equal(t, "Jane, John", r.Author)
	require.Equal(t, rule.Logsource{Product: "windows", Category: "process_creation"}, r.Logsource)
	sel := r.Detection.Search("selection")
	require.Equal(t, 11, sel.Line)
	fm := sel.Alternatives[0][0]
	require.Equal(t, "Image", fm.Field)
	require.Equal(t, []string{"endswith"}, fm.Modifiers)
	require.Equal(t, []rule.Value{{Kind: rule.String, S: `\whoami.exe`, Line: 12, Col: 25}}, fm.Values)
	f := r.Detection.Search("filter")
	require.Len(t, f.Alternatives, 2)
	require.Equal(t, rule.Null, f.Alternatives[0][0].Values[0].Kind)
	kw := r.Detection.Search("keywords")
	require.Equal(t, rule.Number, kw.Keywords[1].Kind)
}

// TestIssues pins code, position and field of refusals.
func TestIssues(t *testing.T) {
	tests := []struct {
		name, src string
		want      string // "line:col field [code]"
	}{
		{"yaml", "title: [a\n", "1:0  [yaml_syntax]"},
		{"not a map", "- a\n", "1:1  [not_mapping]"},
		{"no title", "logsource: {product: windows}\ndetection: {s: {a: 1}, condition: s}\n", "1:1 title [missing_field]"},
		{"bad id", "title: t\nid: nope\nlogsource: {product: windows}\ndetection: {s: {a: 1}, condition: s}\n", "2:5 id [invalid_id]"},
		{"bad level", "title: t\nlevel: severe\nlogsource: {product: windows}\ndetection: {s: {a: 1}, condition: s}\n", "2:8 level [invalid_level]"},
		{"bad status", "title: t\nstatus: done\nlogsource: {product: windows}\ndetection: {s: {a: 1}, condition: s}\n", "2:9 status [invalid_status]"},
		{"no logsource", "title: t\ndetection: {s: {a: 1}, condition: s}\n", "1:1 logsource [missing_field]"},
		{"no condition", "title: t\nlogsource: {product: windows}\ndetection:\n  s: {a: 1}\n", "4:3 detection.condition [missing_field]"},
		{"unknown search", "title: t\nlogsource: {product: windows}\ndetection:\n  s: {a: 1}\n  condition: s and t\n", "5:20 detection.condition [condition_unknown_search]"},
		{"condition syntax", "title: t\nlogsource: {product: windows}\ndetection:\n  s: {a: 1}\n  condition: s and (\n", "5:21 detection.condition [condition_syntax]"},
		{"empty search", "title: t\nlogsource: {product: windows}\ndetection:\n  s: []\n  condition: s\n", "4:6 detection.s [empty_search]"},
		{"nested value", "title: t\nlogsource: {product: windows}\ndetection:\n  s: {a: {b: 1}}\n  condition: s\n", "4:10 detection.s.a [invalid_value]"},
		{"bad action", "action: nope\ntitle: t\n", "1:1 action [invalid_action]"},
		{"correlation type", "title: c\ncorrelation: {type: sum, rules: [a], timespan: 1h, condition: {gte: 1}}\n", "2:21 correlation.type [invalid_correlation]"},
		{"correlation timespan", "title: c\ncorrelation: {type: event_count, rules: [a], timespan: soon, condition: {gte: 1}}\n", "2:56 correlation.timespan [invalid_correlation]"},
		{"value_count field", "title: c\ncorrelation: {type: value_count, rules: [a], timespan: 1h, condition: {gte: 1}}\n", "2:71 correlation.condition.field [invalid_correlation]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rules, issues := rule.Parse([]byte(tt.src), "r.yml")
			require.Empty(t, rules)
			errs := issues.Errors()
			require.NotEmpty(t, errs)
			i := errs[0]
			require.Equal(t, tt.want, fmt.Sprintf("%d:%d %s [%s]", i.Line, i.Col, i.Field, i.Code), i.Error())
		})
	}
}

func TestBrokenRuleDoesNotStopOthers(t *testing.T) {
	src := "title: a\nlogsource: {product: windows}\ndetection: {s: {a: 1}, condition: s}\n---\ntitle: b\n---\n" +
		"title: c\nlogsource: {product: windows}\ndetection: {s: {a: 1}, condition: s}\n"
	rules, issues := rule.Parse([]byte(src), "r.yml")
	require.Len(t, rules, 2)
	require.Len(t, issues.Errors(), 2) // b: no logsource, no detection
}

func TestConditionPositionInMultilineCondition(t *testing.T) {
	src := "title: t\nlogsource: {product: windows}\ndetection:\n  s: {a: 1}\n  condition: |\n    s and\n    missing\n"
	_, issues := rule.Parse([]byte(src), "r.yml")
	require.Len(t, issues, 1)
	require.Equal(t, 7, issues[0].Line)
	require.Equal(t, 5, issues[0].Col)
}

func FuzzRule(f *testing.F) {
	f.Add([]byte(good))
	f.Add([]byte("action: global\ntitle: g\n---\ntitle: x\nlogsource: {product: windows}\ndetection: {s: {a|re: '['}, condition: s}\n---\naction: repeat\ntitle: y\n"))
	f.Add([]byte("title: c\ncorrelation: {type: temporal, rules: [a, b], group-by: [u], timespan: 5m}\n"))
	f.Add([]byte("title: f\nlogsource: {product: windows}\nfilter: {rules: [a], s: {x: 1}, condition: not s}\n"))
	// Seed from the conformance cases' inline rules.
	files, _ := filepath.Glob("../testdata/cases/*.tests.yml")
	for _, p := range files {
		data, err := os.ReadFile(p)
		require.NoError(f, err)
		var tf struct {
			Rules string `yaml:"rules"`
		}
		require.NoError(f, yaml.Unmarshal(data, &tf))
		f.Add([]byte(tf.Rules))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rules, issues := rule.Parse(data, "fuzz.yml")
		for _, i := range issues {
			require.NotEqual(t, rule.CodeInternal, i.Code, "%v", i)
		}
		for _, r := range rules {
			require.NotEmpty(t, r.Title)
		}
		// Compiling and evaluating loaded rules must not panic either.
		eng, _ := engine.Compile(rules, engine.WithoutRouting())
		ev := event.NewMap(map[string]any{"a": "x", "CommandLine": "cmd /c whoami", "EventID": 1, "u": []any{"p", 2}}, time.Time{})
		eng.Match(ev)
		eng.MatchPlain(ev)
		eng.NewStream().Process(ev)
	})
}
