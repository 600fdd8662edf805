// Package analytics holds scheduled and near-real-time KQL analytics rules in Microsoft Sentinel's rule format:
// parsing (YAML files, JSONL records), validation with precise refusal reasons (the query must compile with the
// KQL engine), the versioned rule store, the alerts a rule's results become (entities from entity mappings, custom
// details, alert details override, grouping, suppression), the scheduler that runs Scheduled rules over exact windows,
// and the stream evaluator of NRT rules.
package analytics

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Rule is a Sentinel analytics rule.
type Rule struct {
	ID                    string                 `yaml:"id" json:"id"`
	Name                  string                 `yaml:"name" json:"name"`
	Description           string                 `yaml:"description" json:"description,omitempty"`
	Severity              string                 `yaml:"severity" json:"severity"`
	Kind                  string                 `yaml:"kind" json:"kind"` // Scheduled or NRT
	QueryFrequency        string                 `yaml:"queryFrequency" json:"queryFrequency,omitempty"`
	QueryPeriod           string                 `yaml:"queryPeriod" json:"queryPeriod,omitempty"`
	TriggerOperator       string                 `yaml:"triggerOperator" json:"triggerOperator,omitempty"`
	TriggerThreshold      int                    `yaml:"triggerThreshold" json:"triggerThreshold"`
	Tactics               []string               `yaml:"tactics" json:"tactics,omitempty"`
	RelevantTechniques    []string               `yaml:"relevantTechniques" json:"relevantTechniques,omitempty"`
	Query                 string                 `yaml:"query" json:"query"`
	EntityMappings        []EntityMapping        `yaml:"entityMappings" json:"entityMappings,omitempty"`
	CustomDetails         map[string]string      `yaml:"customDetails" json:"customDetails,omitempty"`
	AlertDetailsOverride  *AlertDetailsOverride  `yaml:"alertDetailsOverride" json:"alertDetailsOverride,omitempty"`
	EventGroupingSettings *EventGroupingSettings `yaml:"eventGroupingSettings" json:"eventGroupingSettings,omitempty"`
	IncidentConfiguration *IncidentConfiguration `yaml:"incidentConfiguration" json:"incidentConfiguration,omitempty"`
	SuppressionDuration   string                 `yaml:"suppressionDuration" json:"suppressionDuration,omitempty"`
	SuppressionEnabled    bool                   `yaml:"suppressionEnabled" json:"suppressionEnabled,omitempty"`
	Version               string                 `yaml:"version" json:"version,omitempty"`
	// Source names where the rule came from (file, or file:line).
	Source string `yaml:"-" json:"-"`
}

// Refusal codes.
const (
	ReasonParse        = "parse_error"
	ReasonMissingField = "missing_field"
	ReasonBadDuration  = "bad_duration"
	ReasonBadTrigger   = "bad_trigger"
	ReasonBadKind      = "bad_kind"
	ReasonBadSeverity  = "bad_severity"
)

// Refusal is a rule that cannot be imported.
type Refusal struct {
	Source string `json:"source"`
	ID     string `json:"id,omitempty"`
	Name   string `json:"name,omitempty"`
	Reason string `json:"reason"` // a stable code: one of the Reason* constants or a KQL error code
	Detail string `json:"detail"`
	// Line and Column locate a KQL error in the query (1-based; 0 when the refusal is not a query error).
	Line   int `json:"line,omitempty"`
	Column int `json:"column,omitempty"`
}

func (r *Refusal) Error() string { return r.Source + ": " + r.Reason + ": " + r.Detail }

// ParseDuration reads a rule duration: KQL-style "5m", "1h", "14d", or ISO 8601 "PT1H", "P1D".
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("empty duration")
	}
	if strings.HasPrefix(strings.ToUpper(s), "P") {
		u := strings.ToUpper(s[1:])
		var d time.Duration
		inTime := false
		num := ""
		for _, c := range u {
			switch {
			case c == 'T':
				inTime = true
			case c >= '0' && c <= '9' || c == '.':
				num += string(c)
			default:
				var f float64
				if _, err := fmt.Sscanf(num, "%g", &f); err != nil {
					return 0, fmt.Errorf("invalid duration %q", s)
				}
				unit := map[rune]time.Duration{'D': 24 * time.Hour, 'H': time.Hour, 'M': time.Minute, 'S': time.Second, 'W': 7 * 24 * time.Hour}[c]
				if c == 'M' && !inTime {
					unit = 30 * 24 * time.Hour
				}
				if unit == 0 {
					return 0, fmt.Errorf("invalid duration %q", s)
				}
				d += time.Duration(f * float64(unit))
				num = ""
			}
		}
		if d <= 0 || num != "" {
			return 0, fmt.Errorf("invalid duration %q", s)
		}
		return d, nil
	}
	units := map[byte]time.Duration{'d': 24 * time.Hour, 'h': time.Hour, 'm': time.Minute, 's': time.Second}
	if n := len(s); n > 1 {
		if u, ok := units[s[n-1]]; ok {
			var f float64
			if _, err := fmt.Sscanf(s[:n-1], "%g", &f); err == nil && f > 0 {
				return time.Duration(f * float64(u)), nil
			}
		}
	}
	return 0, fmt.Errorf("invalid duration %q", s)
}

// Validate checks a rule's fields (not its query) and normalises Kind.
func Validate(r *Rule) *Refusal {
	ref := func(reason, detail string) *Refusal {
		return &Refusal{Source: r.Source, ID: r.ID, Name: r.Name, Reason: reason, Detail: detail}
	}
	switch {
	case r.ID == "":
		return ref(ReasonMissingField, "id is required")
	case r.Name == "":
		return ref(ReasonMissingField, "name is required")
	case strings.TrimSpace(r.Query) == "":
		return ref(ReasonMissingField, "query is required")
	}
	switch strings.ToLower(r.Kind) {
	case "", "scheduled":
		r.Kind = "Scheduled"
	case "nrt":
		r.Kind = "NRT"
	default:
		return ref(ReasonBadKind, fmt.Sprintf("kind %q is not Scheduled or NRT", r.Kind))
	}
	if r.Kind == "Scheduled" {
		f, err := ParseDuration(r.QueryFrequency)
		if err != nil {
			return ref(ReasonBadDuration, "queryFrequency: "+err.Error())
		}
		p, err := ParseDuration(r.QueryPeriod)
		if err != nil {
			return ref(ReasonBadDuration, "queryPeriod: "+err.Error())
		}
		if f < 5*time.Minute || p < f || p > 14*24*time.Hour {
			return ref(ReasonBadDuration, fmt.Sprintf("queryFrequency %s and queryPeriod %s: need 5m ≤ frequency ≤ period ≤ 14d", r.QueryFrequency, r.QueryPeriod))
		}
		switch strings.ToLower(r.TriggerOperator) {
		case "gt", "lt", "eq", "ne", "greaterthan", "lessthan", "equal", "notequal":
		default:
			return ref(ReasonBadTrigger, fmt.Sprintf("triggerOperator %q is not gt, lt, eq or ne", r.TriggerOperator))
		}
	}
	if r.SuppressionEnabled {
		if _, err := ParseDuration(r.SuppressionDuration); err != nil {
			return ref(ReasonBadDuration, "suppressionDuration: "+err.Error())
		}
	}
	switch strings.ToLower(r.Severity) {
	case "":
		r.Severity = "Medium"
	case "informational", "low", "medium", "high":
		r.Severity = strings.ToUpper(r.Severity[:1]) + strings.ToLower(r.Severity[1:])
	default:
		return ref(ReasonBadSeverity, fmt.Sprintf("severity %q is not Informational, Low, Medium or High", r.Severity))
	}
	return validateDetails(r)
}

// ReadPath reads rules from a YAML file, a JSONL file of records (as in the public corpus: rule fields at the top
// level, "techniques" for relevantTechniques, "rule_kind" for kind), or a directory of them.
func ReadPath(path string) ([]*Rule, []*Refusal, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, nil, err
	}
	if !st.IsDir() {
		return readFile(path)
	}
	var files []string
	err = filepath.WalkDir(path, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			switch strings.ToLower(filepath.Ext(p)) {
			case ".yaml", ".yml", ".jsonl":
				files = append(files, p)
			}
		}
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	sort.Strings(files)
	var rules []*Rule
	var refused []*Refusal
	for _, f := range files {
		r, x, err := readFile(f)
		if err != nil {
			return nil, nil, err
		}
		rules, refused = append(rules, r...), append(refused, x...)
	}
	return rules, refused, nil
}

func readFile(path string) ([]*Rule, []*Refusal, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	if strings.EqualFold(filepath.Ext(path), ".jsonl") {
		return readJSONL(path, bytes.NewReader(data))
	}
	r, ref := ParseYAML(data, path)
	if ref != nil {
		return nil, []*Refusal{ref}, nil
	}
	return []*Rule{r}, nil, nil
}

// ParseYAML reads one rule in Sentinel's YAML format (not yet validated); source names where it came from.
func ParseYAML(data []byte, source string) (*Rule, *Refusal) {
	var r Rule
	if err := yaml.Unmarshal(data, &r); err != nil {
		return nil, &Refusal{Source: source, Reason: ReasonParse, Detail: strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	r.Source = source
	return &r, nil
}

func readJSONL(path string, in io.Reader) ([]*Rule, []*Refusal, error) {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 32<<20)
	var rules []*Rule
	var refused []*Refusal
	line := 0
	for sc.Scan() {
		line++
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var rec struct {
			Rule
			Techniques []string `json:"techniques"`
			RuleKind   string   `json:"rule_kind"`
			Threshold  any      `json:"triggerThreshold"`
		}
		src := fmt.Sprintf("%s:%d", path, line)
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			refused = append(refused, &Refusal{Source: src, Reason: ReasonParse, Detail: err.Error()})
			continue
		}
		r := rec.Rule
		r.Source = src
		if len(r.RelevantTechniques) == 0 {
			r.RelevantTechniques = rec.Techniques
		}
		// A corpus record's "kind" names the record type; the rule's kind is "rule_kind".
		r.Kind = rec.RuleKind
		switch v := rec.Threshold.(type) {
		case float64:
			r.TriggerThreshold = int(v)
		case string:
			_, _ = fmt.Sscanf(v, "%d", &r.TriggerThreshold)
		}
		rules = append(rules, &r)
	}
	return rules, refused, sc.Err()
}
