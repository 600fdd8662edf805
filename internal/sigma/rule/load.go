package rule

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// MaxFileSize is the largest rule file [LoadDir] and [Parse] accept.
const MaxFileSize = 4 << 20

// Parse reads every YAML document of data as a Sigma document. Collections
// with "action: global|reset|repeat" are expanded. It returns the rules that
// passed validation and all issues found; a broken document never stops the
// others from loading.
func Parse(data []byte, file string) (rules []*Rule, issues Issues) {
	rules, issues, _ = parse(data, file)
	return rules, issues
}

// parse is [Parse] that also counts the documents seen.
func parse(data []byte, file string) (rules []*Rule, issues Issues, docs int) {
	defer func() {
		if r := recover(); r != nil {
			issues = append(issues, &Issue{Code: CodeInternal, Severity: SeverityError, File: file,
				Message: fmt.Sprintf("internal error: %v", r)})
		}
	}()
	if len(data) > MaxFileSize {
		return nil, Issues{{Code: CodeIO, Severity: SeverityError, File: file, Message: "file too large"}}, 1
	}
	lines := bytes.Split(data, []byte("\n"))
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var global, prev *yaml.Node
	for n := 0; ; n++ {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			docs++
			yi := yamlIssue(file, err)
			yi.Doc = docs
			issues = append(issues, yi)
			break
		}
		if len(doc.Content) == 0 {
			continue
		}
		root := doc.Content[0]
		if root.Kind != yaml.MappingNode {
			if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
				continue
			}
			docs++
			issues = append(issues, &Issue{Code: CodeNotMapping, Severity: SeverityError, File: file, Doc: docs,
				Line: root.Line, Col: root.Column, Message: "document is not a YAML mapping"})
			continue
		}
		action := ""
		if a := mapGet(root, "action"); a != nil {
			action = a.Value
		}
		switch action {
		case "global":
			if global == nil {
				global = clone(root)
			} else {
				global = merge(global, root)
			}
			removeKey(global, "action")
			continue
		case "reset":
			global = nil
			continue
		case "repeat":
			if prev == nil {
				docs++
				issues = append(issues, &Issue{Code: CodeInvalidAction, Severity: SeverityError, File: file, Doc: docs,
					Line: root.Line, Col: root.Column, Field: "action", Message: "\"repeat\" without a previous document"})
				continue
			}
			root = merge(prev, root)
			removeKey(root, "action")
		case "":
			if global != nil {
				root = merge(global, root)
			}
		default:
			docs++
			issues = append(issues, &Issue{Code: CodeInvalidAction, Severity: SeverityError, File: file, Doc: docs,
				Line: root.Line, Col: root.Column, Field: "action",
				Message: fmt.Sprintf("unknown action %q (want global, reset or repeat)", action)})
			continue
		}
		prev = root
		docs++
		r, is := decodeRule(root, file, lines)
		r.Doc = docs
		for _, i := range is {
			i.Doc = docs
		}
		issues = append(issues, is...)
		if r != nil && len(is.Errors()) == 0 {
			rules = append(rules, r)
		}
	}
	issues.Sort()
	return rules, issues, docs
}

// ParseFile reads and parses one file; see [Parse].
func ParseFile(path string) ([]*Rule, Issues) {
	rules, issues, _ := parseFile(path)
	return rules, issues
}

func parseFile(path string) ([]*Rule, Issues, int) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, Issues{{Code: CodeIO, Severity: SeverityError, File: path, Message: err.Error()}}, 1
	}
	return parse(data, path)
}

// Set is the result of loading a directory of rules.
type Set struct {
	Rules  []*Rule `json:"rules"`
	Issues Issues  `json:"issues"`
	// Documents counts every document seen, loaded or refused.
	Documents int `json:"documents"`
}

// LoadDir loads every *.yml and *.yaml file under dir (recursively, in
// lexical order). Files ending in ".tests.yml" (rule test cases) are skipped.
// Duplicate rule ids are refused with [CodeDuplicateID] (first one wins).
func LoadDir(dir string) (*Set, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		if IsRuleFile(p) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load rules from %s: %w", dir, err)
	}
	sort.Strings(files)
	return LoadFiles(files), nil
}

// IsRuleFile reports whether path names a rule file by its extension (and is
// not a rule test file).
func IsRuleFile(path string) bool {
	if IsTestFile(path) {
		return false
	}
	ext := filepath.Ext(path)
	return ext == ".yml" || ext == ".yaml"
}

// IsTestFile reports whether path names a rule test file ("*.tests.yml").
func IsTestFile(path string) bool {
	return strings.HasSuffix(path, ".tests.yml") || strings.HasSuffix(path, ".tests.yaml")
}

// LoadFiles parses the given files; see [LoadDir].
func LoadFiles(files []string) *Set {
	s := &Set{}
	seen := map[string]*Rule{}
	for _, f := range files {
		rules, issues, docs := parseFile(f)
		s.Documents += docs
		s.Issues = append(s.Issues, issues...)
		for _, r := range rules {
			if r.ID != "" {
				if first, dup := seen[r.ID]; dup {
					s.Issues = append(s.Issues, &Issue{Code: CodeDuplicateID, Severity: SeverityError, File: r.File, Line: r.Line, Doc: r.Doc,
						Field: "id", RuleID: r.ID, Message: fmt.Sprintf("id already used by %s:%d", first.File, first.Line)})
					continue
				}
				seen[r.ID] = r
			}
			s.Rules = append(s.Rules, r)
		}
	}
	return s
}

func yamlIssue(file string, err error) *Issue {
	msg := err.Error()
	line := 0
	// yaml.v3 messages look like "yaml: line 12: did not find expected key".
	if _, e := fmt.Sscanf(strings.TrimPrefix(msg, "yaml: "), "line %d:", &line); e == nil {
		if i := strings.Index(msg, ": "); i >= 0 {
			if j := strings.Index(msg[i+2:], ": "); j >= 0 {
				msg = msg[i+2+j+2:]
			}
		}
	}
	return &Issue{Code: CodeYAMLSyntax, Severity: SeverityError, File: file, Line: line, Message: strings.TrimPrefix(msg, "yaml: ")}
}

// mapGet returns the value node for key in mapping m, or nil.
func mapGet(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func removeKey(m *yaml.Node, key string) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content = append(m.Content[:i], m.Content[i+2:]...)
			return
		}
	}
}

func clone(n *yaml.Node) *yaml.Node {
	if n == nil {
		return nil
	}
	c := *n
	c.Content = make([]*yaml.Node, len(n.Content))
	for i, x := range n.Content {
		c.Content[i] = clone(x)
	}
	return &c
}

// merge returns a deep copy of base with over merged in: mappings merge key by
// key, anything else in over replaces base.
func merge(base, over *yaml.Node) *yaml.Node {
	if base == nil || base.Kind != yaml.MappingNode || over.Kind != yaml.MappingNode {
		return clone(over)
	}
	out := clone(base)
	for i := 0; i+1 < len(over.Content); i += 2 {
		k, v := over.Content[i], over.Content[i+1]
		found := false
		for j := 0; j+1 < len(out.Content); j += 2 {
			if out.Content[j].Value == k.Value {
				out.Content[j+1] = merge(out.Content[j+1], v)
				found = true
				break
			}
		}
		if !found {
			out.Content = append(out.Content, clone(k), clone(v))
		}
	}
	out.Line, out.Column = over.Line, over.Column
	return out
}
