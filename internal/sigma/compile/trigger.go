package compile

import (
	"strings"

	"github.com/vigilsec/vigil/internal/sigma/modifier"
)

// maxGroups caps the trigger groups kept per rule.
const maxGroups = 8

// Trigger is a condition on one field that every match of some part of a
// rule implies: the string form of Field (a Sigma field name, compared
// case-insensitively; "" means any field, for keyword searches) contains
// Lit, or, when Exact is set, equals Lit, ignoring ASCII case.
type Trigger struct {
	Field string
	Lit   string
	Exact bool
}

// Group is a set of triggers at least one of which holds for every match.
type Group []Trigger

// Triggers returns up to 8 groups such that d can match an event only if
// every group has a trigger that holds. It returns nil when no group can be
// derived (the rule must be evaluated on every event of its logsource).
func (d *Detection) Triggers() []Group {
	if d == nil || d.cond == nil {
		return nil
	}
	return cnf(d.cond)
}

func cnf(n node) []Group {
	switch n := n.(type) {
	case *searchNode:
		return n.s.cnf()
	case *andNode:
		var gs []Group
		for _, x := range n.xs {
			gs = append(gs, cnf(x)...)
		}
		return keepBest(gs)
	case *orNode:
		var union Group
		for _, x := range n.xs {
			g := best(cnf(x))
			if g == nil {
				return nil
			}
			union = append(union, g...)
		}
		return []Group{union}
	}
	return nil // not: no constraint
}

func (s *Search) cnf() []Group {
	var alts [][]Group
	for _, k := range s.keywords {
		g := k.groups()
		if g == nil {
			return nil
		}
		alts = append(alts, g)
	}
	for _, alt := range s.alts {
		var gs []Group
		for _, f := range alt {
			gs = append(gs, f.groups()...)
		}
		if len(gs) == 0 {
			return nil
		}
		alts = append(alts, keepBest(gs))
	}
	switch len(alts) {
	case 0:
		return nil
	case 1:
		return alts[0]
	}
	var union Group
	for _, gs := range alts {
		union = append(union, best(gs)...)
	}
	return []Group{union}
}

// groups returns the groups one field match implies: one group (any of
// its values) or, with the all modifier, one group per value.
func (f *FieldMatch) groups() []Group {
	c := f.c
	if c.Exists != nil || len(c.FieldRefs) > 0 || c.Null || len(c.Matchers) == 0 || c.Spec.Neq || c.Spec.TimePart != "" {
		return nil
	}
	if c.Spec.All {
		var gs []Group
		for _, m := range c.Matchers {
			if g := f.group(m); g != nil {
				gs = append(gs, g)
			}
		}
		return keepBest(gs)
	}
	var union Group
	for _, m := range c.Matchers {
		g := f.group(m)
		if g == nil {
			return nil
		}
		union = append(union, g...)
	}
	return []Group{union}
}

func (f *FieldMatch) group(m modifier.Matcher) Group {
	if e, ok := m.(modifier.Exacter); ok && f.Field != "" {
		if lit, ok := e.Exact(); ok {
			return Group{{Field: f.Field, Lit: lit, Exact: true}}
		}
	}
	lits, ok := m.Literals()
	if !ok {
		return nil
	}
	g := make(Group, len(lits))
	for i, l := range lits {
		g[i] = Trigger{Field: f.Field, Lit: l}
	}
	return g
}

// common lists texts found in most Windows events; a literal inside one of
// them selects little, so it scores as if it were two bytes long.
var common = []string{
	`c:\windows\system32\`, `c:\windows\syswow64\`, `c:\program files (x86)\`, `\appdata\local\`,
	`\appdata\roaming\`, `c:\users\`, `microsoft corporation`, `microsoft windows`, `.exe`, `.dll`,
	`nt authority\system`, `windows powershell`,
}

// score rates a group's selectivity: exact triggers are best, then longer
// literals (beyond 8 bytes length hardly matters; common texts count as
// short), then fewer triggers.
func score(g Group) int {
	m := 10
	for _, t := range g {
		s := 10
		if !t.Exact {
			s = min(len(t.Lit), 8)
			for _, c := range common {
				if strings.Contains(c, t.Lit) {
					s = min(s, 2)
					break
				}
			}
		}
		m = min(m, s)
	}
	return m*10000 - len(g)
}

func best(gs []Group) Group {
	var b Group
	for _, g := range gs {
		if b == nil || score(g) > score(b) {
			b = g
		}
	}
	return b
}

// keepBest returns at most maxGroups groups, the best first.
func keepBest(gs []Group) []Group {
	if len(gs) <= 1 {
		return gs
	}
	out := append([]Group(nil), gs...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && score(out[j]) > score(out[j-1]); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	if len(out) > maxGroups {
		out = out[:maxGroups]
	}
	return out
}
