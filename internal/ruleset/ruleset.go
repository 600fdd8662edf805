// Package ruleset is Vigil's shipped detection content, embedded in the binary: Sigma rules (sigma/*.yml) run on
// the stream, and Sentinel-format analytics rules (sentinel/*.yaml) run by the scheduler or, for NRT rules, on the
// stream. The rules are Vigil's own, written against the documented Defender and Sentinel tables; they detect
// techniques generically, not the names of one data set. `vigil serve` loads them unless detection.builtin_rules is
// false.
package ruleset

import (
	"embed"
	"io/fs"
	"path"
	"sort"

	"github.com/vigilsec/vigil/internal/analytics"
	"github.com/vigilsec/vigil/internal/sigma"
	"github.com/vigilsec/vigil/internal/sigma/engine"
	"github.com/vigilsec/vigil/internal/sigma/rule"
)

//go:embed sigma/*.yml sentinel/*.yaml
var files embed.FS

// Author is who the change log names for the shipped rules.
const Author = "vigil (built-in rule set)"

// SigmaRules parses the shipped Sigma rules.
func SigmaRules() ([]*rule.Rule, rule.Issues) {
	var rules []*rule.Rule
	var issues rule.Issues
	for _, name := range names("sigma") {
		data, _ := fs.ReadFile(files, name) // embedded: cannot fail
		rs, is := rule.Parse(data, "builtin:"+name)
		rules, issues = append(rules, rs...), append(issues, is...)
	}
	return rules, issues
}

// Sigma compiles the shipped Sigma rules (when builtin is true) with the rules under dirs.
func Sigma(builtin bool, dirs []string, opts ...sigma.Option) (*sigma.Engine, rule.Issues, error) {
	var rules []*rule.Rule
	var issues rule.Issues
	if builtin {
		rules, issues = SigmaRules()
	}
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

// SentinelRules parses the shipped analytics rules (not yet validated: analytics.Import or LoadBuiltin does that).
func SentinelRules() ([]*analytics.Rule, []*analytics.Refusal) {
	var rules []*analytics.Rule
	var refused []*analytics.Refusal
	for _, name := range names("sentinel") {
		data, _ := fs.ReadFile(files, name) // embedded: cannot fail
		r, ref := analytics.ParseYAML(data, "builtin:"+name)
		if ref != nil {
			refused = append(refused, ref)
			continue
		}
		rules = append(rules, r)
	}
	return rules, refused
}

func names(dir string) []string {
	entries, _ := fs.ReadDir(files, dir)
	var out []string
	for _, e := range entries {
		if !e.IsDir() {
			out = append(out, path.Join(dir, e.Name()))
		}
	}
	sort.Strings(out)
	return out
}
