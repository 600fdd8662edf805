package rule

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/vigilsec/vigil/internal/sigma/condition"
)

var (
	uuidRE   = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	dateRE   = regexp.MustCompile(`^\d{4}[-/]\d{2}[-/]\d{2}$`)
	tagRE    = regexp.MustCompile(`^[a-z0-9_-]+\.[a-z0-9._-]+$`)
	statusOK = map[string]bool{"stable": true, "test": true, "experimental": true, "deprecated": true, "unsupported": true}
	levelOK  = map[string]bool{"informational": true, "low": true, "medium": true, "high": true, "critical": true}
)

// decoder collects the issues of one document.
type decoder struct {
	lines  [][]byte // source lines, for block-scalar positions
	file   string
	id     string
	issues Issues
}

func (d *decoder) add(sev Severity, code Code, n *yaml.Node, field, format string, args ...any) {
	i := &Issue{Code: code, Severity: sev, File: d.file, Field: field, RuleID: d.id, Message: fmt.Sprintf(format, args...)}
	if n != nil {
		i.Line, i.Col = n.Line, n.Column
	}
	d.issues = append(d.issues, i)
}

func (d *decoder) errorf(code Code, n *yaml.Node, field, format string, args ...any) {
	d.add(SeverityError, code, n, field, format, args...)
}

func (d *decoder) warnf(code Code, n *yaml.Node, field, format string, args ...any) {
	d.add(SeverityWarning, code, n, field, format, args...)
}

// str decodes a scalar string field; a missing field yields "".
func (d *decoder) str(m *yaml.Node, key string) string {
	n := mapGet(m, key)
	if n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
		return ""
	}
	if n.Kind != yaml.ScalarNode {
		d.errorf(CodeInvalidType, n, key, "must be a string")
		return ""
	}
	return n.Value
}

// strs decodes a list of strings; a single string is accepted as a list of one.
func (d *decoder) strs(m *yaml.Node, key string) []string {
	n := mapGet(m, key)
	if n == nil {
		return nil
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return nil
		}
		return []string{n.Value}
	case yaml.SequenceNode:
		out := make([]string, 0, len(n.Content))
		for _, c := range n.Content {
			if c.Kind != yaml.ScalarNode {
				d.errorf(CodeInvalidType, c, key, "list items must be strings")
				continue
			}
			out = append(out, c.Value)
		}
		return out
	}
	d.errorf(CodeInvalidType, n, key, "must be a string or a list of strings")
	return nil
}

func decodeRule(root *yaml.Node, file string, lines [][]byte) (*Rule, Issues) {
	d := &decoder{file: file, lines: lines}
	r := &Rule{File: file, Line: root.Line}
	r.ID = d.str(root, "id")
	d.id = r.ID
	r.Title = d.str(root, "title")
	r.Name = d.str(root, "name")
	r.Status = d.str(root, "status")
	r.Description = d.str(root, "description")
	r.Date = d.str(root, "date")
	r.Modified = d.str(root, "modified")
	r.Level = d.str(root, "level")
	r.License = d.str(root, "license")
	r.Author = strings.Join(d.strs(root, "author"), ", ")
	r.References = d.strs(root, "references")
	r.Tags = d.strs(root, "tags")
	r.FalsePositives = d.strs(root, "falsepositives")
	r.Fields = d.strs(root, "fields")

	if r.Title == "" {
		d.errorf(CodeMissingField, root, "title", "title is required")
	} else if len(r.Title) > 256 {
		d.errorf(CodeTitleTooLong, mapGet(root, "title"), "title", "title is longer than 256 characters")
	}
	if r.ID != "" && !uuidRE.MatchString(r.ID) {
		d.errorf(CodeInvalidID, mapGet(root, "id"), "id", "id %q is not a UUID", r.ID)
	}
	if r.Status != "" && !statusOK[r.Status] {
		d.errorf(CodeInvalidStatus, mapGet(root, "status"), "status", "status %q is not one of stable, test, experimental, deprecated, unsupported", r.Status)
	}
	if r.Level != "" && !levelOK[r.Level] {
		d.errorf(CodeInvalidLevel, mapGet(root, "level"), "level", "level %q is not one of informational, low, medium, high, critical", r.Level)
	}
	for _, k := range []string{"date", "modified"} {
		if v := d.str(root, k); v != "" && !dateRE.MatchString(v) {
			d.warnf(CodeInvalidDate, mapGet(root, k), k, "%q is not a YYYY-MM-DD date", v)
		}
	}
	for i, t := range r.Tags {
		if !tagRE.MatchString(t) {
			n := mapGet(root, "tags")
			if n.Kind == yaml.SequenceNode {
				n = n.Content[i]
			}
			d.warnf(CodeInvalidTag, n, "tags", "tag %q is not namespace.name in lower case", t)
		}
	}

	corr, filt, det := mapGet(root, "correlation"), mapGet(root, "filter"), mapGet(root, "detection")
	switch {
	case corr != nil:
		r.Kind = KindCorrelation
		r.Correlation = d.correlation(corr)
	case filt != nil:
		r.Kind = KindFilter
		r.Logsource = d.logsource(root)
		r.Filter = d.filter(filt)
	default:
		r.Kind = KindDetection
		r.Logsource = d.logsource(root)
		if det == nil {
			d.errorf(CodeMissingField, root, "detection", "detection is required")
		} else {
			r.Detection = d.detection(det, "detection")
		}
	}
	return r, d.issues
}

func (d *decoder) logsource(root *yaml.Node) Logsource {
	n := mapGet(root, "logsource")
	if n == nil {
		d.errorf(CodeMissingField, root, "logsource", "logsource is required")
		return Logsource{}
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(CodeInvalidType, n, "logsource", "logsource must be a mapping")
		return Logsource{}
	}
	ls := Logsource{Product: d.str(n, "product"), Category: d.str(n, "category"),
		Service: d.str(n, "service"), Definition: d.str(n, "definition")}
	if ls.Product == "" && ls.Category == "" && ls.Service == "" {
		d.errorf(CodeMissingField, n, "logsource", "logsource needs at least one of product, category, service")
	}
	return ls
}

// detection decodes a detection mapping; path names it in issues.
func (d *decoder) detection(n *yaml.Node, path string) *Detection {
	if n.Kind != yaml.MappingNode {
		d.errorf(CodeInvalidType, n, path, "must be a mapping")
		return nil
	}
	det := &Detection{}
	var condNode *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch k.Value {
		case "condition":
			condNode = v
			continue
		case "timeframe":
			det.Timeframe = v.Value
			continue
		case "rules":
			if path == "filter" {
				continue
			}
		}
		if s := d.search(k, v, path+"."+k.Value); s != nil {
			det.Searches = append(det.Searches, s)
		}
	}
	if condNode == nil {
		d.errorf(CodeMissingField, n, path+".condition", "condition is required")
		return det
	}
	switch condNode.Kind {
	case yaml.ScalarNode:
		det.Conditions = append(det.Conditions, d.cond(condNode))
	case yaml.SequenceNode:
		for _, c := range condNode.Content {
			if c.Kind != yaml.ScalarNode {
				d.errorf(CodeInvalidType, c, path+".condition", "conditions must be strings")
				continue
			}
			det.Conditions = append(det.Conditions, d.cond(c))
		}
	default:
		d.errorf(CodeInvalidType, condNode, path+".condition", "condition must be a string or a list of strings")
	}
	for _, c := range det.Conditions {
		d.checkCondition(det, c, path+".condition")
	}
	return det
}

func (d *decoder) cond(n *yaml.Node) Condition {
	c := Condition{Text: n.Value, Line: n.Line, Col: n.Column, Quoted: n.Style != 0 || strings.Contains(n.Value, "\n")}
	if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		c.Block = true
		if n.Line < len(d.lines) {
			l := d.lines[n.Line] // the first content line (0-based index = 1-based line + 1 - 1)
			c.Indent = len(l) - len(bytes.TrimLeft(l, " "))
		}
	}
	return c
}

// CondPos maps a byte offset inside c.Text to a file line and column.
func (c Condition) CondPos(off int) (line, col int) {
	if off < 0 || off > len(c.Text) {
		return c.Line, c.Col
	}
	if !c.Quoted {
		return c.Line, c.Col + off
	}
	nl := strings.Count(c.Text[:off], "\n")
	if c.Block {
		return c.Line + 1 + nl, c.Indent + off - strings.LastIndexByte(c.Text[:off], '\n')
	}
	if nl == 0 {
		return c.Line, c.Col + off + 1
	}
	return c.Line + nl, off - strings.LastIndexByte(c.Text[:off], '\n')
}

func (d *decoder) checkCondition(det *Detection, c Condition, field string) {
	tree, err := condition.Parse(c.Text)
	if err != nil {
		var ce *condition.Error
		off := 0
		msg := err.Error()
		if e, ok := err.(*condition.Error); ok {
			ce = e
			off, msg = int(ce.Pos), ce.Msg
		}
		line, col := c.CondPos(off)
		d.issues = append(d.issues, &Issue{Code: CodeConditionSyntax, Severity: SeverityError, File: d.file,
			Line: line, Col: col, Field: field, RuleID: d.id, Message: msg})
		return
	}
	condition.Walk(tree, func(n condition.Node) {
		switch n := n.(type) {
		case *condition.Ident:
			if det.Search(n.Name) == nil {
				line, col := c.CondPos(int(n.Start))
				d.issues = append(d.issues, &Issue{Code: CodeConditionUnknown, Severity: SeverityError, File: d.file,
					Line: line, Col: col, Field: field, RuleID: d.id, Message: fmt.Sprintf("no search named %q", n.Name)})
			}
		case *condition.Of:
			for _, s := range det.Searches {
				if condition.MatchName(n.Pattern, s.Name) {
					return
				}
			}
			line, col := c.CondPos(int(n.Start))
			d.issues = append(d.issues, &Issue{Code: CodeConditionUnknown, Severity: SeverityError, File: d.file,
				Line: line, Col: col, Field: field, RuleID: d.id, Message: fmt.Sprintf("no search matches %q", n.Pattern)})
		}
	})
}

func (d *decoder) search(k, v *yaml.Node, path string) *Search {
	s := &Search{Name: k.Value, Line: k.Line, Col: k.Column}
	switch v.Kind {
	case yaml.MappingNode:
		alt := d.fieldMap(v, path)
		if alt == nil {
			return nil
		}
		s.Alternatives = append(s.Alternatives, alt)
	case yaml.SequenceNode:
		if len(v.Content) == 0 {
			d.errorf(CodeEmptySearch, v, path, "search is an empty list")
			return nil
		}
		for _, c := range v.Content {
			switch c.Kind {
			case yaml.MappingNode:
				if alt := d.fieldMap(c, path); alt != nil {
					s.Alternatives = append(s.Alternatives, alt)
				}
			case yaml.ScalarNode:
				s.Keywords = append(s.Keywords, value(c))
			default:
				d.errorf(CodeInvalidSearch, c, path, "list items must be field maps or keywords")
			}
		}
	case yaml.ScalarNode:
		if v.Tag == "!!null" {
			d.errorf(CodeEmptySearch, v, path, "search is empty")
			return nil
		}
		s.Keywords = append(s.Keywords, value(v))
	default:
		d.errorf(CodeInvalidSearch, v, path, "search must be a map, a list of maps or a list of keywords")
		return nil
	}
	return s
}

func (d *decoder) fieldMap(m *yaml.Node, path string) []*FieldMatch {
	if len(m.Content) == 0 {
		d.errorf(CodeEmptySearch, m, path, "search is an empty map")
		return nil
	}
	var out []*FieldMatch
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		parts := strings.Split(k.Value, "|")
		fm := &FieldMatch{Field: parts[0], Line: k.Line, Col: k.Column}
		fm.Modifiers = append(fm.Modifiers, parts[1:]...)
		field := path + "." + k.Value
		switch v.Kind {
		case yaml.ScalarNode:
			fm.Values = append(fm.Values, value(v))
		case yaml.SequenceNode:
			if len(v.Content) == 0 {
				d.errorf(CodeEmptySearch, v, field, "empty value list")
				continue
			}
			for _, c := range v.Content {
				if c.Kind != yaml.ScalarNode {
					d.errorf(CodeInvalidValue, c, field, "values must be scalars")
					continue
				}
				fm.Values = append(fm.Values, value(c))
			}
		default:
			d.errorf(CodeInvalidValue, v, field, "value must be a scalar or a list of scalars")
			continue
		}
		out = append(out, fm)
	}
	return out
}

func value(n *yaml.Node) Value {
	v := Value{Kind: String, S: n.Value, Line: n.Line, Col: n.Column}
	if n.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return v
	}
	switch n.Tag {
	case "!!int", "!!float":
		v.Kind = Number
	case "!!bool":
		v.Kind = Bool
	case "!!null":
		v.Kind = Null
	}
	return v
}
