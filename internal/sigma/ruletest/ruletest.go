// Package ruletest runs Sigma rules as code: test files of events in and
// expected matches out, kept beside the rules ("vigil rules test DIR").
//
// # File format
//
// A test file is YAML named "<rule>.tests.yml" beside "<rule>.yml", or any
// "*.tests.yml" with inline rules (the conformance cases under
// internal/sigma/testdata use this form):
//
//	# Rules under test: inline YAML (one or more documents, including
//	# correlation and filter documents). When absent, the rule file beside
//	# the test file (same name without ".tests") is loaded.
//	rules: |
//	  title: Whoami
//	  id: 6f3e2987-db24-4c78-a860-b4f4095a7095
//	  logsource: {product: windows, category: process_creation}
//	  detection:
//	    selection: {Image|endswith: '\whoami.exe'}
//	    condition: selection
//	# routing: true evaluates logsource routing, so events must carry
//	# Channel/EventID (or be EVTX JSON). Default false: every rule sees
//	# every event, and events are flat Sigma fields.
//	routing: false
//	placeholders: {admins: [alice, bob]}   # values for |expand
//	cases:
//	  - name: whoami matches
//	    events:
//	      - {Image: 'C:\Windows\System32\whoami.exe', "@timestamp": "2026-01-01T00:00:00Z"}
//	    expect:
//	      - rule: 6f3e2987-db24-4c78-a860-b4f4095a7095   # id, name or title
//	        count: 1                                    # default 1
//	        searches: [selection]                       # optional, first match
//	  - name: other binaries do not
//	    events: [{Image: 'C:\Windows\System32\cmd.exe'}]
//	    expect: []
//
// A case passes when every expected rule matched exactly count times and no
// other rule matched. Each case runs on a fresh correlation state; at the
// end, open correlation windows are closed (so lt/lte/eq thresholds are
// decided). Events carry their time in "@timestamp" (RFC 3339 or Unix
// seconds); correlation windows use it.
package ruletest

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/vigilsec/vigil/internal/sigma/engine"
	"github.com/vigilsec/vigil/internal/sigma/event"
	"github.com/vigilsec/vigil/internal/sigma/modifier"
	"github.com/vigilsec/vigil/internal/sigma/rule"
)

// File is a decoded test file.
type File struct {
	Rules        string                `yaml:"rules"`
	Routing      bool                  `yaml:"routing"`
	Placeholders modifier.Placeholders `yaml:"placeholders"`
	Cases        []Case                `yaml:"cases"`
}

// Case is one test case.
type Case struct {
	Name   string           `yaml:"name"`
	Events []map[string]any `yaml:"events"`
	Expect []Expect         `yaml:"expect"`
}

// Expect is one expected rule match.
type Expect struct {
	Rule     string   `yaml:"rule"`
	Count    *int     `yaml:"count"`
	Searches []string `yaml:"searches"`
}

// Report is the result of [RunDir].
type Report struct {
	Files  int          `json:"files"`
	Passed int          `json:"passed"`
	Failed int          `json:"failed"`
	Rules  []RuleResult `json:"rules"`
	Errors []FileError  `json:"errors,omitempty"`
}

// FileError is a test file that could not be run.
type FileError struct {
	File  string `json:"file"`
	Error string `json:"error"`
}

// RuleResult is the outcome for one rule of one test file.
type RuleResult struct {
	File  string `json:"file"`
	ID    string `json:"id,omitempty"`
	Title string `json:"title"`
	Pass  bool   `json:"pass"`
	// Matches counts the rule's matches over all cases.
	Matches int `json:"matches"`
	// EvalTime is the time spent evaluating the file's events (shared by
	// the file's rules).
	EvalTime   time.Duration `json:"eval_ns"`
	Mismatches []string      `json:"mismatches,omitempty"`
}

// RunDir runs every "*.tests.yml" file under dir.
func RunDir(dir string) (*Report, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && rule.IsTestFile(p) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("find rule tests in %s: %w", dir, err)
	}
	sort.Strings(files)
	rep := &Report{Rules: []RuleResult{}}
	for _, f := range files {
		rep.Files++
		rs, err := RunFile(f)
		if err != nil {
			rep.Errors = append(rep.Errors, FileError{File: f, Error: err.Error()})
			rep.Failed++
			continue
		}
		for _, r := range rs {
			if r.Pass {
				rep.Passed++
			} else {
				rep.Failed++
			}
		}
		rep.Rules = append(rep.Rules, rs...)
	}
	return rep, nil
}

// RunFile runs one test file and returns a result per rule under test.
func RunFile(path string) ([]RuleResult, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read rule test: %w", err)
	}
	var tf File
	if err := yaml.Unmarshal(data, &tf); err != nil {
		return nil, fmt.Errorf("parse rule test %s: %w", path, err)
	}
	var rules []*rule.Rule
	var issues rule.Issues
	if tf.Rules != "" {
		rules, issues = rule.Parse([]byte(tf.Rules), path)
	} else {
		rp := strings.TrimSuffix(strings.TrimSuffix(path, ".tests.yml"), ".tests.yaml") + ".yml"
		rules, issues = rule.ParseFile(rp)
	}
	opts := []engine.Option{engine.WithPlaceholders(tf.Placeholders)}
	if !tf.Routing {
		opts = append(opts, engine.WithoutRouting())
	}
	eng, cis := engine.Compile(rules, opts...)
	issues = append(issues, cis...)
	if errs := issues.Errors(); len(errs) > 0 {
		return nil, fmt.Errorf("rules did not load: %w", errs[0])
	}
	all := append(eng.Rules(), eng.Correlations()...)
	results := make([]RuleResult, len(all))
	byRule := map[*rule.Rule]*RuleResult{}
	for i, r := range all {
		results[i] = RuleResult{File: path, ID: r.ID, Title: r.Title, Pass: true}
		byRule[r] = &results[i]
	}
	var elapsed time.Duration
	for ci, c := range tf.Cases {
		name := c.Name
		if name == "" {
			name = fmt.Sprintf("case %d", ci+1)
		}
		events := make([]event.Event, len(c.Events))
		for i, e := range c.Events {
			events[i] = event.FromJSON(normalize(e).(map[string]any))
		}
		st := eng.NewStream()
		var last time.Time
		st.SetClock(func() time.Time { return last })
		var got []engine.Match
		start := time.Now()
		for _, ev := range events {
			if t, ok := ev.(event.Timed); ok && t.Time().After(last) {
				last = t.Time()
			}
			got = append(got, st.Process(ev)...)
		}
		got = append(got, st.Flush(last.Add(100*365*24*time.Hour))...)
		elapsed += time.Since(start)
		counts := map[*rule.Rule]int{}
		first := map[*rule.Rule]engine.Match{}
		for _, m := range got {
			if _, ok := first[m.Rule()]; !ok {
				first[m.Rule()] = m
			}
			counts[m.Rule()]++
		}
		expected := map[*rule.Rule]bool{}
		for _, x := range c.Expect {
			r := find(all, x.Rule)
			if r == nil {
				for i := range results {
					results[i].Pass = false
					results[i].Mismatches = append(results[i].Mismatches, fmt.Sprintf("%s: expected rule %q is not in the file", name, x.Rule))
				}
				continue
			}
			expected[r] = true
			want := 1
			if x.Count != nil {
				want = *x.Count
			}
			res := byRule[r]
			if counts[r] != want {
				res.Pass = false
				res.Mismatches = append(res.Mismatches, fmt.Sprintf("%s: %d matches, want %d", name, counts[r], want))
			}
			if len(x.Searches) > 0 && counts[r] > 0 {
				if g := first[r].Searches; strings.Join(g, ",") != strings.Join(x.Searches, ",") {
					res.Pass = false
					res.Mismatches = append(res.Mismatches, fmt.Sprintf("%s: matched searches %v, want %v", name, g, x.Searches))
				}
			}
		}
		for r, n := range counts {
			byRule[r].Matches += n
			if !expected[r] {
				byRule[r].Pass = false
				byRule[r].Mismatches = append(byRule[r].Mismatches, fmt.Sprintf("%s: %d unexpected matches", name, n))
			}
		}
	}
	for i := range results {
		results[i].EvalTime = elapsed
	}
	return results, nil
}

func find(rules []*rule.Rule, key string) *rule.Rule {
	for _, r := range rules {
		if r.ID == key || (r.Name != "" && r.Name == key) || r.Title == key {
			return r
		}
	}
	return nil
}

// normalize turns YAML-decoded values into the shapes JSON decoding gives
// (numbers as json.Number, timestamps as RFC 3339 text).
func normalize(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = normalize(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = normalize(x)
		}
		return out
	case int:
		return json.Number(fmt.Sprint(v))
	case float64:
		return json.Number(fmt.Sprint(v))
	case time.Time:
		return v.UTC().Format(time.RFC3339Nano)
	}
	return v
}
