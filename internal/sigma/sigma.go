package sigma

import (
	"github.com/vigilsec/vigil/internal/sigma/conformance"
	"github.com/vigilsec/vigil/internal/sigma/engine"
	"github.com/vigilsec/vigil/internal/sigma/event"
	"github.com/vigilsec/vigil/internal/sigma/rule"
	"github.com/vigilsec/vigil/internal/sigma/ruletest"
)

// Engine is a compiled rule set; see engine.Engine.
type Engine = engine.Engine

// Stream evaluates ordered events with correlation state; see engine.Stream.
type Stream = engine.Stream

// Match is one rule match; see engine.Match.
type Match = engine.Match

// Event is an event under evaluation; see event.Event.
type Event = event.Event

// Option configures [Load] and [Compile]; see the engine.With* functions.
type Option = engine.Option

// Load parses every rule file under dirs and compiles the rules. Broken or
// unsupported rules are skipped and reported in the issues; the engine holds
// the rest.
func Load(dirs []string, opts ...Option) (*Engine, rule.Issues, error) {
	var rules []*rule.Rule
	var issues rule.Issues
	for _, d := range dirs {
		set, err := rule.LoadDir(d)
		if err != nil {
			return nil, nil, err
		}
		rules = append(rules, set.Rules...)
		issues = append(issues, set.Issues...)
	}
	eng, cis := engine.Compile(rules, opts...)
	issues = append(issues, cis...)
	issues.Sort()
	return eng, issues, nil
}

// Compile parses rule YAML (one or more documents) and compiles it.
func Compile(src []byte, file string, opts ...Option) (*Engine, rule.Issues) {
	rules, issues := rule.Parse(src, file)
	eng, cis := engine.Compile(rules, opts...)
	issues = append(issues, cis...)
	issues.Sort()
	return eng, issues
}

// FromJSON wraps a decoded JSON object as an [Event]; see event.FromJSON.
func FromJSON(obj map[string]any) Event { return event.FromJSON(obj) }

// Conformance loads rules and runs the SigmaHQ regression tests.
func Conformance(opts conformance.Options) (*conformance.Report, error) {
	return conformance.Run(opts)
}

// Bench measures engine throughput over JSONL events.
func Bench(opts conformance.BenchOptions) (*conformance.BenchReport, error) {
	return conformance.Bench(opts)
}

// TestRules runs every *.tests.yml under dir ("vigil rules test DIR").
func TestRules(dir string) (*ruletest.Report, error) { return ruletest.RunDir(dir) }
