// Package compile turns a parsed Sigma detection into an evaluator: the
// condition becomes a tree of and/or/not nodes over searches, each search an
// OR of AND-ed field matchers built by package modifier. It also derives,
// per rule, the literal texts an event must contain for the rule to have any
// chance of matching ([Detection.Triggers]), which the engine indexes.
package compile

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vigilsec/vigil/internal/sigma/condition"
	"github.com/vigilsec/vigil/internal/sigma/event"
	"github.com/vigilsec/vigil/internal/sigma/modifier"
	"github.com/vigilsec/vigil/internal/sigma/rule"
)

// Options configures compilation.
type Options struct {
	// Placeholders supplies values for the expand modifier. An undefined
	// placeholder expands to no value, so its field match never matches.
	Placeholders modifier.Placeholders
}

// Detection is a compiled detection section. It is immutable and safe for
// concurrent use.
type Detection struct {
	searches []*Search
	cond     node
}

// Search is a compiled search identifier.
type Search struct {
	Name string
	// keywords are OR'ed keyword matchers (field "").
	keywords []*FieldMatch
	// alts are OR'ed alternatives, each an AND of field matches.
	alts [][]*FieldMatch
}

// FieldMatch is one compiled "Field|mods: values" entry.
type FieldMatch struct {
	Field string
	name  event.Name
	refs  []event.Name
	c     *modifier.Compiled
}

// Compile compiles det. Issues carry file positions taken from the rule.
func Compile(r *rule.Rule, det *rule.Detection, opts Options) (*Detection, rule.Issues) {
	var issues rule.Issues
	d := &Detection{}
	byName := map[string]*Search{}
	for _, s := range det.Searches {
		cs := &Search{Name: s.Name}
		for _, kw := range s.Keywords {
			c, err := modifier.Compile(nil, []rule.Value{kw}, true, opts.Placeholders)
			if err != nil {
				issues = append(issues, modIssue(r, err, kw.Line, kw.Col, "detection."+s.Name))
				continue
			}
			cs.keywords = append(cs.keywords, &FieldMatch{c: c})
		}
		for _, alt := range s.Alternatives {
			var and []*FieldMatch
			for _, fm := range alt {
				c, err := modifier.Compile(fm.Modifiers, fm.Values, fm.Field == "", opts.Placeholders)
				if err != nil {
					issues = append(issues, modIssue(r, err, fm.Line, fm.Col, "detection."+s.Name+"."+fm.Field))
					continue
				}
				if c.Empty {
					issues = append(issues, &rule.Issue{Code: rule.CodePlaceholder, Severity: rule.SeverityWarning, File: r.File,
						Line: fm.Line, Col: fm.Col, Field: "detection." + s.Name + "." + fm.Field, RuleID: r.ID,
						Message: "placeholder has no configured values; this field match never matches"})
				}
				f := &FieldMatch{Field: fm.Field, name: event.NewName(fm.Field), c: c}
				for _, r := range c.FieldRefs {
					f.refs = append(f.refs, event.NewName(r))
				}
				and = append(and, f)
			}
			cs.alts = append(cs.alts, and)
		}
		d.searches = append(d.searches, cs)
		byName[s.Name] = cs
	}
	var ors []node
	for _, c := range det.Conditions {
		tree, err := condition.Parse(c.Text)
		if err != nil {
			issues = append(issues, &rule.Issue{Code: rule.CodeConditionSyntax, Severity: rule.SeverityError, File: r.File,
				Line: c.Line, Col: c.Col, Field: "condition", RuleID: r.ID, Message: err.Error()})
			continue
		}
		n, err := d.build(tree, byName)
		if err != nil {
			issues = append(issues, &rule.Issue{Code: rule.CodeConditionUnknown, Severity: rule.SeverityError, File: r.File,
				Line: c.Line, Col: c.Col, Field: "condition", RuleID: r.ID, Message: err.Error()})
			continue
		}
		ors = append(ors, n)
	}
	defer func() {
		for _, i := range issues {
			i.Doc = r.Doc
		}
	}()
	switch len(ors) {
	case 0:
		if len(issues) == 0 {
			issues = append(issues, &rule.Issue{Code: rule.CodeMissingField, Severity: rule.SeverityError, File: r.File,
				Line: r.Line, Field: "condition", RuleID: r.ID, Message: "no condition"})
		}
	case 1:
		d.cond = ors[0]
	default:
		d.cond = &orNode{xs: ors}
	}
	return d, issues
}

func modIssue(r *rule.Rule, err error, line, col int, field string) *rule.Issue {
	code := rule.CodeInvalidModifier
	var me *modifier.Error
	if errors.As(err, &me) {
		code = rule.Code(me.Code)
	}
	return &rule.Issue{Code: code, Severity: rule.SeverityError, File: r.File, Line: line, Col: col,
		Field: field, RuleID: r.ID, Message: err.Error()}
}

func (d *Detection) build(n condition.Node, byName map[string]*Search) (node, error) {
	switch n := n.(type) {
	case *condition.Ident:
		s, ok := byName[n.Name]
		if !ok {
			return nil, fmt.Errorf("no search named %q", n.Name)
		}
		return &searchNode{s: s}, nil
	case *condition.Not:
		x, err := d.build(n.X, byName)
		if err != nil {
			return nil, err
		}
		return &notNode{x: x}, nil
	case *condition.Binary:
		xs := make([]node, 0, len(n.X))
		for _, c := range n.X {
			x, err := d.build(c, byName)
			if err != nil {
				return nil, err
			}
			xs = append(xs, x)
		}
		if n.Op == condition.And {
			return &andNode{xs: xs}, nil
		}
		return &orNode{xs: xs}, nil
	case *condition.Of:
		var xs []node
		for _, s := range d.searches {
			if condition.MatchName(n.Pattern, s.Name) {
				xs = append(xs, &searchNode{s: s})
			}
		}
		if len(xs) == 0 {
			return nil, fmt.Errorf("no search matches %q", n.Pattern)
		}
		if n.All {
			return &andNode{xs: xs}, nil
		}
		return &orNode{xs: xs}, nil
	}
	return nil, fmt.Errorf("unexpected condition node %T", n)
}

// Match reports whether ev satisfies the detection.
func (d *Detection) Match(ev event.Event) bool {
	if d == nil || d.cond == nil {
		return false
	}
	return d.cond.eval(ev)
}

// Searches returns the compiled searches in rule order.
func (d *Detection) Searches() []*Search { return d.searches }

// Match reports whether ev satisfies the search.
func (s *Search) Match(ev event.Event) bool {
	for _, k := range s.keywords {
		if k.Match(ev) {
			return true
		}
	}
	for _, alt := range s.alts {
		ok := true
		for _, f := range alt {
			if !f.Match(ev) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// Match reports whether ev satisfies the field match.
func (f *FieldMatch) Match(ev event.Event) bool {
	c := f.c
	if f.Field == "" {
		return f.matchKeyword(ev)
	}
	v, ok := event.Get(ev, f.name)
	if c.Exists != nil {
		return (ok && v != nil) == *c.Exists
	}
	if c.Spec.Neq {
		return ok && v != nil && !f.matchPresent(ev, v)
	}
	if !ok || v == nil {
		return c.Null
	}
	return f.matchPresent(ev, v)
}

// matchPresent matches a present, non-null value.
func (f *FieldMatch) matchPresent(ev event.Event, v any) bool {
	c := f.c
	if c.Spec.TimePart != "" {
		t, ok := event.ParseTime(v)
		if !ok {
			return false
		}
		v = timePart(t, c.Spec.TimePart)
	}
	if len(c.FieldRefs) > 0 {
		return f.matchRefs(ev, v)
	}
	if c.NonASCII {
		if s, ok := v.(string); ok && isASCII(s) {
			return false
		}
	}
	if list, isList := v.([]any); isList {
		if c.Spec.All {
			for _, m := range c.Matchers {
				if !anyElem(m, list) {
					return false
				}
			}
			return len(c.Matchers) > 0
		}
		if c.Set != nil {
			for _, e := range list {
				if c.Set.Match(e) {
					return true
				}
			}
			return false
		}
		for _, m := range c.Matchers {
			if anyElem(m, list) {
				return true
			}
		}
		return false
	}
	if c.Set != nil {
		return c.Set.Match(v)
	}
	if s, ok := v.(string); ok && c.Folded {
		// Share one lower-casing among the matchers.
		f := modifier.Folded{S: s}
		for _, m := range c.Matchers {
			hit := m.(modifier.FoldedMatcher).MatchFolded(&f)
			if c.Spec.All && !hit {
				return false
			}
			if !c.Spec.All && hit {
				return true
			}
		}
		return c.Spec.All && len(c.Matchers) > 0
	}
	if c.Spec.All {
		for _, m := range c.Matchers {
			if !m.Match(v) {
				return false
			}
		}
		return len(c.Matchers) > 0
	}
	for _, m := range c.Matchers {
		if m.Match(v) {
			return true
		}
	}
	return false
}

func anyElem(m modifier.Matcher, list []any) bool {
	for _, e := range list {
		if m.Match(e) {
			return true
		}
	}
	return false
}

func (f *FieldMatch) matchRefs(ev event.Event, v any) bool {
	s, ok := modifier.Stringify(v)
	if !ok {
		return false
	}
	for _, ref := range f.refs {
		o, ok := event.Get(ev, ref)
		os, ok2 := modifier.Stringify(o)
		eq := ok && ok2 && (strings.EqualFold(s, os) && !f.c.Spec.Cased || s == os)
		if f.c.Spec.All && !eq {
			return false
		}
		if !f.c.Spec.All && eq {
			return true
		}
	}
	return f.c.Spec.All
}

// matchKeyword matches the values against every field of the event.
func (f *FieldMatch) matchKeyword(ev event.Event) bool {
	r, ok := ev.(event.Ranger)
	if !ok {
		return false
	}
	hit := func(m modifier.Matcher) bool {
		found := false
		r.Range(func(_ string, v any) bool {
			if list, ok := v.([]any); ok {
				found = anyElem(m, list)
			} else {
				found = m.Match(v)
			}
			return !found
		})
		return found
	}
	if f.c.Spec.All {
		for _, m := range f.c.Matchers {
			if !hit(m) {
				return false
			}
		}
		return len(f.c.Matchers) > 0
	}
	for _, m := range f.c.Matchers {
		if hit(m) {
			return true
		}
	}
	return false
}

type node interface {
	eval(ev event.Event) bool
}

type searchNode struct{ s *Search }
type notNode struct{ x node }
type andNode struct{ xs []node }
type orNode struct{ xs []node }

func (n *searchNode) eval(ev event.Event) bool { return n.s.Match(ev) }
func (n *notNode) eval(ev event.Event) bool    { return !n.x.eval(ev) }

func (n *andNode) eval(ev event.Event) bool {
	for _, x := range n.xs {
		if !x.eval(ev) {
			return false
		}
	}
	return true
}

func (n *orNode) eval(ev event.Event) bool {
	for _, x := range n.xs {
		if x.eval(ev) {
			return true
		}
	}
	return false
}

func timePart(t time.Time, part string) int64 {
	switch part {
	case "minute":
		return int64(t.Minute())
	case "hour":
		return int64(t.Hour())
	case "day":
		return int64(t.Day())
	case "week":
		_, w := t.ISOWeek()
		return int64(w)
	case "month":
		return int64(t.Month())
	}
	return int64(t.Year())
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
