package rule

import (
	"fmt"
	"sort"
)

// Code is a stable, machine-readable reason for refusing (or warning about) a
// rule. Codes never change meaning; new ones may be added. Group refusals by
// Code.
type Code string

// Issue codes reported while loading, validating and compiling rules.
const (
	CodeYAMLSyntax           Code = "yaml_syntax"
	CodeNotMapping           Code = "not_mapping"
	CodeInvalidType          Code = "invalid_type"
	CodeMissingField         Code = "missing_field"
	CodeInvalidID            Code = "invalid_id"
	CodeInvalidStatus        Code = "invalid_status"
	CodeInvalidLevel         Code = "invalid_level"
	CodeInvalidDate          Code = "invalid_date"
	CodeInvalidTag           Code = "invalid_tag"
	CodeTitleTooLong         Code = "title_too_long"
	CodeInvalidAction        Code = "invalid_action"
	CodeEmptySearch          Code = "empty_search"
	CodeInvalidSearch        Code = "invalid_search"
	CodeConditionSyntax      Code = "condition_syntax"
	CodeConditionUnknown     Code = "condition_unknown_search"
	CodeUnknownModifier      Code = "unknown_modifier"
	CodeInvalidModifier      Code = "invalid_modifier"
	CodeInvalidValue         Code = "invalid_value"
	CodeInvalidCorrelation   Code = "invalid_correlation"
	CodeCorrelationRef       Code = "correlation_unknown_rule"
	CodeInvalidFilter        Code = "invalid_filter"
	CodeFilterRef            Code = "filter_unknown_rule"
	CodeDuplicateID          Code = "duplicate_id"
	CodeLogsourceUnsupported Code = "logsource_unsupported"
	CodeFieldUnmapped        Code = "field_unmapped"
	CodeFieldUnsupported     Code = "field_unsupported"
	CodePlaceholder          Code = "placeholder_undefined"
	CodeIO                   Code = "io_error"
	CodeInternal             Code = "internal_error"
)

// Severity says whether an [Issue] refuses the rule.
type Severity string

// The severities of an [Issue].
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// Issue is one problem found in a rule file, with its position. Line and Col
// are 1-based; 0 means unknown.
type Issue struct {
	Code     Code     `json:"code"`
	Severity Severity `json:"severity"`
	Message  string   `json:"message"`
	File     string   `json:"file,omitempty"`
	Line     int      `json:"line,omitempty"`
	Col      int      `json:"col,omitempty"`
	Field    string   `json:"field,omitempty"`
	RuleID   string   `json:"rule_id,omitempty"`
	// Doc is the 1-based index of the YAML document in File (0: unknown),
	// so issues can be grouped per rule.
	Doc int `json:"doc,omitempty"`
}

// Error renders the issue as "file:line:col: field: message [code]".
func (i *Issue) Error() string {
	loc := i.File
	if i.Line > 0 {
		loc = fmt.Sprintf("%s:%d:%d", i.File, i.Line, i.Col)
	}
	if i.Field != "" {
		return fmt.Sprintf("%s: %s: %s [%s]", loc, i.Field, i.Message, i.Code)
	}
	return fmt.Sprintf("%s: %s [%s]", loc, i.Message, i.Code)
}

// Issues is a list of issues; it sorts by file and position.
type Issues []*Issue

// Errors returns only the issues that refuse a rule.
func (is Issues) Errors() Issues {
	var out Issues
	for _, i := range is {
		if i.Severity == SeverityError {
			out = append(out, i)
		}
	}
	return out
}

// Sort orders the issues by file, line and column.
func (is Issues) Sort() {
	sort.SliceStable(is, func(a, b int) bool {
		x, y := is[a], is[b]
		if x.File != y.File {
			return x.File < y.File
		}
		if x.Line != y.Line {
			return x.Line < y.Line
		}
		return x.Col < y.Col
	})
}
