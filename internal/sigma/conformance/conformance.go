// Package conformance runs the SigmaHQ regression suite and throughput
// benchmarks against the Sigma engine. The CLI ("vigil sigma conformance",
// "vigil bench sigma") calls [Run] and [Bench] and prints their JSON.
package conformance

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/vigilsec/vigil/internal/sigma/engine"
	"github.com/vigilsec/vigil/internal/sigma/event"
	"github.com/vigilsec/vigil/internal/sigma/rule"
)

// Rendering selects which JSON rendering of the regression .evtx samples to
// replay.
type Rendering string

// The renderings of regression samples.
const (
	// RenderingEvtxDump replays the <rule-id>.json files beside each
	// info.yml (omerbenamram evtx_dump; hex numbers kept as "0x.." text).
	RenderingEvtxDump Rendering = "evtx_dump"
	// RenderingVelocidex replays <VelocidexDir>/<same path>/<rule-id>.jsonl
	// (Velocidex parser; hex numbers rendered as decimals).
	RenderingVelocidex Rendering = "velocidex"
)

// Options configures [Run].
type Options struct {
	// RuleDirs are the rule directories to load (e.g. sigma/rules,
	// sigma/rules-threat-hunting, sigma/rules-emerging-threats).
	RuleDirs []string
	// RegressionRoot is the directory holding regression_data/ (the SigmaHQ
	// repository root); empty skips the regression tests.
	RegressionRoot string
	// Rendering picks the sample rendering; default RenderingEvtxDump.
	Rendering Rendering
	// VelocidexDir is the events/ directory of the Velocidex rendering.
	VelocidexDir string
	// EngineOptions are passed to engine.Compile.
	EngineOptions []engine.Option
}

// Report is the result of [Run]; it marshals to the JSON the CLI prints.
type Report struct {
	RulesTotal       int            `json:"rules_total"`
	RulesLoaded      int            `json:"rules_loaded"`
	RulesRefused     map[string]int `json:"rules_refused"`
	RegressionTotal  int            `json:"regression_total"`
	RegressionPassed int            `json:"regression_passed"`
	// RegressionLocated counts the regression tests whose rule was not among
	// the rules loaded from RuleDirs and was loaded from its documented path
	// instead (the test folder mirrors the rule's path in the repository).
	RegressionLocated int       `json:"regression_located_by_path"`
	Failures          []Failure `json:"failures"`
	// LogsourcesUnsupported groups the logsource_unsupported refusals by logsource, most rules first.
	LogsourcesUnsupported []LogsourceCount `json:"logsources_unsupported"`
	// Refusals lists one issue per refused rule.
	Refusals []*rule.Issue `json:"refusals,omitempty"`
}

// LogsourceCount is one logsource (product/category/service) no route serves: how many rules name it and why.
type LogsourceCount struct {
	Product  string `json:"product,omitempty"`
	Category string `json:"category,omitempty"`
	Service  string `json:"service,omitempty"`
	Rules    int    `json:"rules"`
	Reason   string `json:"reason"`
}

// Failure is one regression test that did not pass.
type Failure struct {
	RuleID string `json:"rule_id"`
	Title  string `json:"title,omitempty"`
	Test   string `json:"test"`
	Sample string `json:"sample"`
	Want   int    `json:"want"`
	Got    int    `json:"got"`
	Reason string `json:"reason"`
}

// info is a regression_data info.yml.
type info struct {
	RuleMetadata []struct {
		ID    string `yaml:"id"`
		Title string `yaml:"title"`
	} `yaml:"rule_metadata"`
	Tests []struct {
		Name       string `yaml:"name"`
		Type       string `yaml:"type"`
		MatchCount int    `yaml:"match_count"`
		Path       string `yaml:"path"`
	} `yaml:"regression_tests_info"`
}

// Product returns a keep function for [Load] that keeps detection rules of
// the given logsource product (and every correlation and filter).
func Product(product string) func(*rule.Rule) bool {
	return func(r *rule.Rule) bool { return r.Kind != rule.KindDetection || r.Logsource.Product == product }
}

// Load loads and compiles every rule under dirs for which keep (if not nil)
// returns true, and summarises refusals. Rules keep drops are not counted.
func Load(dirs []string, keep func(*rule.Rule) bool, opts ...engine.Option) (*engine.Engine, *Report, error) {
	rep := &Report{RulesRefused: map[string]int{}, Failures: []Failure{}}
	var rules []*rule.Rule
	var issues rule.Issues
	for _, d := range dirs {
		set, err := rule.LoadDir(d)
		if err != nil {
			return nil, nil, err
		}
		if keep == nil {
			rep.RulesTotal += set.Documents
			rules = append(rules, set.Rules...)
			issues = append(issues, set.Issues...)
			continue
		}
		for _, r := range set.Rules {
			if keep(r) {
				rules = append(rules, r)
				rep.RulesTotal++
			}
		}
	}
	eng, cis := engine.Compile(rules, opts...)
	issues = append(issues, cis...)
	byDoc := make(map[string]*rule.Rule, len(rules))
	for _, r := range rules {
		byDoc[fmt.Sprintf("%s\x00%d", r.File, r.Doc)] = r
	}
	groups := map[rule.Logsource]*LogsourceCount{}
	// One reason per refused document: its first error.
	seen := map[string]bool{}
	for _, i := range issues {
		if i.Severity != rule.SeverityError {
			continue
		}
		k := fmt.Sprintf("%s\x00%d", i.File, i.Doc)
		if seen[k] {
			continue
		}
		seen[k] = true
		rep.RulesRefused[string(i.Code)]++
		rep.Refusals = append(rep.Refusals, i)
		if r := byDoc[k]; r != nil && i.Code == rule.CodeLogsourceUnsupported {
			ls := rule.Logsource{Product: r.Logsource.Product, Category: r.Logsource.Category, Service: r.Logsource.Service}
			g := groups[ls]
			if g == nil {
				g = &LogsourceCount{Product: ls.Product, Category: ls.Category, Service: ls.Service, Reason: i.Message}
				groups[ls] = g
			}
			g.Rules++
		}
	}
	rep.LogsourcesUnsupported = []LogsourceCount{}
	for _, g := range groups {
		rep.LogsourcesUnsupported = append(rep.LogsourcesUnsupported, *g)
	}
	sort.Slice(rep.LogsourcesUnsupported, func(i, j int) bool {
		a, b := rep.LogsourcesUnsupported[i], rep.LogsourcesUnsupported[j]
		if a.Rules != b.Rules {
			return a.Rules > b.Rules
		}
		return a.Product+"/"+a.Category+"/"+a.Service < b.Product+"/"+b.Category+"/"+b.Service
	})
	rep.RulesLoaded = len(eng.Rules()) + len(eng.Correlations())
	return eng, rep, nil
}

// Run loads the rules and runs the regression tests.
func Run(opts Options) (*Report, error) {
	eng, rep, err := Load(opts.RuleDirs, nil, opts.EngineOptions...)
	if err != nil {
		return nil, err
	}
	if opts.RegressionRoot == "" {
		return rep, nil
	}
	loaded := map[string]bool{}
	for _, r := range eng.Rules() {
		loaded[r.ID] = true
	}
	refusal := map[string]string{}
	for _, i := range rep.Refusals {
		refusal[i.RuleID] = fmt.Sprintf("rule refused: %s", i.Error())
	}
	var infos []string
	err = filepath.WalkDir(filepath.Join(opts.RegressionRoot, "regression_data"), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && d.Name() == "info.yml" {
			infos = append(infos, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("walk regression data: %w", err)
	}
	sort.Strings(infos)
	located := map[string]*located{}
	for _, p := range infos {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", p, err)
		}
		var in info
		if err := yaml.Unmarshal(data, &in); err != nil {
			return nil, fmt.Errorf("parse %s: %w", p, err)
		}
		if len(in.RuleMetadata) == 0 {
			continue
		}
		id, title := in.RuleMetadata[0].ID, in.RuleMetadata[0].Title
		for _, t := range in.Tests {
			if t.Type != "evtx" {
				continue
			}
			rep.RegressionTotal++
			want := max(t.MatchCount, 1)
			sample := samplePath(opts, t.Path)
			f := Failure{RuleID: id, Title: title, Test: t.Name, Sample: sample, Want: want}
			match := eng.Match
			if !loaded[id] {
				if r := refusal[id]; r != "" {
					f.Reason = r
					rep.Failures = append(rep.Failures, f)
					continue
				}
				// Not under RuleDirs: load it from the path the test folder mirrors.
				l := located[p]
				if l == nil {
					l = locate(opts, p, id)
					located[p] = l
				}
				if l.eng == nil {
					f.Reason = l.reason
					rep.Failures = append(rep.Failures, f)
					continue
				}
				rep.RegressionLocated++
				match = l.eng.Match
			}
			events, err := ReadEvents(sample)
			if err != nil {
				f.Reason = err.Error()
				rep.Failures = append(rep.Failures, f)
				continue
			}
			for _, ev := range events {
				for _, m := range match(ev) {
					if m.RuleID == id {
						f.Got++
					}
				}
			}
			if f.Got >= want {
				rep.RegressionPassed++
				continue
			}
			f.Reason = fmt.Sprintf("%d matches, want at least %d", f.Got, want)
			rep.Failures = append(rep.Failures, f)
		}
	}
	return rep, nil
}

// located is a rule loaded for a regression test from its documented path.
type located struct {
	eng    *engine.Engine
	reason string // why eng is nil
}

// RulePath returns the path of the rule a regression test's info.yml tests:
// regression_data/<path of the rule without .yml>/info.yml mirrors
// <root>/<path of the rule>.yml (SigmaHQ's layout; see tests/regression_tests_runner.py upstream).
func RulePath(root, infoPath string) (string, error) {
	rel, err := filepath.Rel(filepath.Join(root, "regression_data"), filepath.Dir(infoPath))
	if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
		return "", fmt.Errorf("%s is not inside %s", infoPath, filepath.Join(root, "regression_data"))
	}
	return filepath.Join(root, rel+".yml"), nil
}

// locate loads the rule id from the path the regression test at infoPath
// mirrors and compiles it alone.
func locate(opts Options, infoPath, id string) *located {
	path, err := RulePath(opts.RegressionRoot, infoPath)
	if err != nil {
		return &located{reason: "rule not found in the rule directories; " + err.Error()}
	}
	if !fileExists(path) {
		return &located{reason: fmt.Sprintf("rule not found in the rule directories nor at %s", path)}
	}
	rules, issues := rule.ParseFile(path)
	var keep []*rule.Rule
	for _, r := range rules {
		if r.ID == id {
			keep = append(keep, r)
		}
	}
	if len(keep) == 0 {
		if errs := issues.Errors(); len(errs) > 0 {
			return &located{reason: fmt.Sprintf("rule at %s refused: %s", path, errs[0].Error())}
		}
		return &located{reason: fmt.Sprintf("rule not found in the rule directories; %s does not hold rule id %s", path, id)}
	}
	eng, cis := engine.Compile(keep, opts.EngineOptions...)
	if len(eng.Rules()) == 0 {
		reason := fmt.Sprintf("rule at %s did not compile", path)
		if errs := cis.Errors(); len(errs) > 0 {
			reason = fmt.Sprintf("rule at %s refused: %s", path, errs[0].Error())
		}
		return &located{reason: reason}
	}
	return &located{eng: eng}
}

func samplePath(opts Options, evtxPath string) string {
	base := strings.TrimSuffix(evtxPath, ".evtx")
	if opts.Rendering == RenderingVelocidex {
		return filepath.Join(opts.VelocidexDir, base+".jsonl")
	}
	p := filepath.Join(opts.RegressionRoot, base+".json")
	if _, err := os.Stat(p); err != nil {
		if alt := filepath.Join(opts.RegressionRoot, base+".jsoncls"); fileExists(alt) {
			return alt
		}
	}
	return p
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// ReadEvents decodes a file of concatenated or newline-separated JSON objects
// into events ([event.FromJSON]); numbers keep their text (json.Number).
func ReadEvents(path string) ([]event.Event, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open events: %w", err)
	}
	defer f.Close()
	return DecodeEvents(f)
}

// DecodeEvents decodes concatenated or newline-separated JSON objects.
func DecodeEvents(r io.Reader) ([]event.Event, error) {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	var out []event.Event
	for {
		var obj map[string]any
		err := dec.Decode(&obj)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, fmt.Errorf("decode event %d: %w", len(out)+1, err)
		}
		out = append(out, event.FromJSON(obj))
	}
}
