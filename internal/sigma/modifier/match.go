package modifier

import (
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/vigilsec/vigil/internal/sigma/rule"
)

// Matcher decides whether one scalar field value matches one rule value.
// Matchers are immutable and safe for concurrent use.
type Matcher interface {
	// Match reports whether v (a scalar: string, json.Number, number, bool,
	// nil or time.Time) matches.
	Match(v any) bool
	// Literals returns lower-case texts such that the string form of every
	// matching value contains at least one of them (ASCII letters folded),
	// for indexing; ok is false when there is no such set.
	Literals() (lits []string, ok bool)
	String() string
}

// Folded is a string value with its lower-case form computed at most once,
// shared by the matchers of one field.
type Folded struct {
	S     string
	lower string
	done  bool
}

// Lower returns strings.ToLower(f.S), computing it on first use.
func (f *Folded) Lower() string {
	if !f.done {
		f.lower, f.done = strings.ToLower(f.S), true
	}
	return f.lower
}

// FoldedMatcher is implemented by matchers that can match a [Folded]
// string, reusing its lower-case form.
type FoldedMatcher interface {
	MatchFolded(f *Folded) bool
}

// Exacter is implemented by matchers that match only values whose string
// form equals one text, ignoring ASCII case.
type Exacter interface {
	// Exact returns that text in lower case; ok is false when the matcher
	// is not an exact match.
	Exact() (lit string, ok bool)
}

// Compiled is the result of compiling one "Field|modifiers: values" entry.
type Compiled struct {
	Spec Spec
	// Matchers holds one matcher per (expanded) value.
	Matchers []Matcher
	// Null is true when a value is null: the field must be absent or null.
	Null bool
	// Exists is set for the exists modifier: the field must be present
	// (true) or absent (false).
	Exists *bool
	// FieldRefs holds the field names of the fieldref modifier.
	FieldRefs []string
	// Empty is true when transforms left no values (an undefined
	// placeholder); the entry then matches nothing.
	Empty bool
	// NonASCII is true when every matcher needs non-ASCII text, so an ASCII
	// string never matches.
	NonASCII bool
	// Folded is true when every matcher is a [FoldedMatcher] and some need
	// the lower-case form, so callers should match through a [Folded].
	Folded bool
	// Set, when not nil, evaluates the OR of Matchers faster (many plain
	// values); Matchers stays the reference and the source of literals.
	Set *Set
}

// Compile builds matchers for values under the modifier chain mods.
// Keyword values (field "") default to "contains".
func Compile(mods []string, values []rule.Value, keyword bool, ph Placeholders) (*Compiled, error) {
	spec, err := Parse(mods)
	if err != nil {
		return nil, err
	}
	c := &Compiled{Spec: spec}
	switch spec.Match {
	case "exists":
		if len(values) != 1 || values[0].Kind != rule.Bool && values[0].S != "true" && values[0].S != "false" {
			return nil, &Error{"invalid_value", "exists needs a single true or false"}
		}
		b := strings.EqualFold(values[0].S, "true")
		c.Exists = &b
		return c, nil
	case "fieldref":
		for _, v := range values {
			c.FieldRefs = append(c.FieldRefs, v.S)
		}
		return c, nil
	}
	for _, v := range values {
		if v.Kind == rule.Null {
			if len(spec.Transforms) > 0 || (spec.Match != "" && spec.Match != "contains" && spec.Match != "startswith" && spec.Match != "endswith") {
				return nil, &Error{"invalid_value", "null cannot be combined with " + spec.String()}
			}
			c.Null = true
			continue
		}
		ms, err := compileValue(spec, v, keyword, ph)
		if err != nil {
			return nil, err
		}
		c.Matchers = append(c.Matchers, ms...)
	}
	c.Empty = len(c.Matchers) == 0 && !c.Null
	if !spec.All && spec.TimePart == "" {
		c.Set = NewSet(c.Matchers)
	}
	c.Folded = true
	anyNonASCII := false
	for _, m := range c.Matchers {
		sm, ok := m.(*strMatcher)
		if !ok {
			c.Folded = false
			break
		}
		anyNonASCII = anyNonASCII || (!sm.ascii && !sm.cased)
	}
	c.Folded = c.Folded && anyNonASCII && len(c.Matchers) > 1
	c.NonASCII = len(c.Matchers) > 0
	for _, m := range c.Matchers {
		if sm, ok := m.(*strMatcher); !ok || sm.ascii || sm.isHex {
			c.NonASCII = false
			break
		}
	}
	return c, nil
}

func compileValue(spec Spec, v rule.Value, keyword bool, ph Placeholders) ([]Matcher, error) {
	vals := []string{v.S}
	for _, t := range spec.Transforms {
		switch t {
		case "windash", "expand":
			vals = transform(t, vals, ph)
		default:
			plain := make([]string, 0, len(vals))
			for _, x := range vals {
				lit, wild := unescape(x)
				if wild {
					return nil, &Error{"invalid_modifier", fmt.Sprintf("%s cannot encode a value with wildcards", t)}
				}
				plain = append(plain, lit)
			}
			enc := transform(t, plain, ph)
			for i := range enc {
				enc[i] = escape(enc[i])
			}
			vals = enc
		}
	}
	out := make([]Matcher, 0, len(vals))
	for _, s := range vals {
		m, err := compileOne(spec, s, v.Kind, keyword)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

func compileOne(spec Spec, s string, kind rule.ValueKind, keyword bool) (Matcher, error) {
	switch spec.Match {
	case "re":
		flags := spec.ReFlags
		if flags != "" {
			s = "(?" + flags + ")" + s
		}
		re, err := regexp.Compile(s)
		if err != nil {
			return nil, &Error{"invalid_value", fmt.Sprintf("invalid regular expression: %v", err)}
		}
		m := &reMatcher{re: re, lits: regexLiterals(s), minLen: regexMinLen(s)}
		m.runLen, m.anyNL = lengthOnly(s)
		return m, nil
	case "cidr":
		p, err := netip.ParsePrefix(strings.TrimSpace(s))
		if err != nil {
			return nil, &Error{"invalid_value", fmt.Sprintf("invalid CIDR %q", s)}
		}
		return &cidrMatcher{p: p.Masked()}, nil
	case "lt", "lte", "gt", "gte":
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, &Error{"invalid_value", fmt.Sprintf("%s needs a number, got %q", spec.Match, s)}
		}
		return &numMatcher{op: spec.Match, n: f}, nil
	}
	segs := parsePattern(s)
	match := spec.Match
	if match == "" && keyword {
		match = "contains"
	}
	switch match {
	case "contains":
		segs = append(append([]seg{{kind: segStar}}, segs...), seg{kind: segStar})
	case "startswith":
		segs = append(segs, seg{kind: segStar})
	case "endswith":
		segs = append([]seg{{kind: segStar}}, segs...)
	}
	return newStrMatcher(segs, spec.Cased, kind, s), nil
}

type strOp uint8

const (
	opEq strOp = iota
	opPrefix
	opSuffix
	opContains
	opGlob
	opAny
)

// strMatcher compares the string form of a value with a wildcard pattern.
type strMatcher struct {
	op    strOp
	lit   string // lower case unless cased
	segs  []seg
	cased bool
	ascii bool
	hex   int64 // rule value "0x..": also equals a number with that value
	isHex bool
	src   string
}

func newStrMatcher(segs []seg, cased bool, kind rule.ValueKind, src string) *strMatcher {
	// Collapse adjacent stars produced by wrapping.
	var clean []seg
	for _, s := range segs {
		if s.kind == segStar && len(clean) > 0 && clean[len(clean)-1].kind == segStar {
			continue
		}
		clean = append(clean, s)
	}
	m := &strMatcher{cased: cased, src: src}
	lit := func(i int) string { return clean[i].lit }
	n := len(clean)
	switch {
	case n == 0:
		m.op = opEq
	case n == 1 && clean[0].kind == segStar:
		m.op = opAny
	case n == 1 && clean[0].kind == segLit:
		m.op, m.lit = opEq, lit(0)
	case n == 2 && clean[0].kind == segLit && clean[1].kind == segStar:
		m.op, m.lit = opPrefix, lit(0)
	case n == 2 && clean[0].kind == segStar && clean[1].kind == segLit:
		m.op, m.lit = opSuffix, lit(1)
	case n == 3 && clean[0].kind == segStar && clean[1].kind == segLit && clean[2].kind == segStar:
		m.op, m.lit = opContains, lit(1)
	default:
		m.op = opGlob
	}
	m.ascii = true
	for i := range clean {
		if !cased {
			clean[i].lit = strings.ToLower(clean[i].lit)
		}
		if !isASCII(clean[i].lit) {
			m.ascii = false
		}
	}
	if !cased {
		m.lit = strings.ToLower(m.lit)
	}
	m.segs = clean
	if m.op == opEq && len(m.lit) > 2 && (m.lit[:2] == "0x" || m.lit[:2] == "0X") {
		if h, err := strconv.ParseInt(m.lit[2:], 16, 64); err == nil {
			m.hex, m.isHex = h, true
		}
	}
	_ = kind
	return m
}

func (m *strMatcher) String() string { return fmt.Sprintf("%q", m.src) }

func (m *strMatcher) Literals() ([]string, bool) {
	if l, ok := m.literal(); ok {
		return []string{l}, true
	}
	return nil, false
}

// Exact implements [Exacter].
func (m *strMatcher) Exact() (string, bool) {
	if m.op != opEq || m.isHex || foldSafeRun(m.lit) != m.lit || m.lit == "" {
		return "", false
	}
	return m.lit, true
}

func (m *strMatcher) literal() (string, bool) {
	if m.isHex {
		return "", false
	}
	best := ""
	for _, s := range m.segs {
		if s.kind != segLit {
			continue
		}
		if l := foldSafeRun(s.lit); len(l) > len(best) {
			best = l
		}
	}
	return best, best != ""
}

// foldSafeRun returns the longest run of lit (lower case) whose bytes can be
// matched with ASCII-only case folding: ASCII, and non-ASCII runes without
// case variants (symbols, emoji).
func foldSafeRun(lit string) string {
	best, start := "", 0
	for i, r := range lit + "\x00" {
		if i >= len(lit) || !foldSafe(r) {
			if i > start && i-start > len(best) {
				best = lit[start:i]
			}
			start = i + utf8.RuneLen(r)
			if r == utf8.RuneError {
				start = i + 1
			}
		}
	}
	return strings.ToLower(best)
}

func foldSafe(r rune) bool {
	if r < utf8.RuneSelf {
		return r != 0
	}
	return r != utf8.RuneError && unicode.SimpleFold(r) == r
}

func (m *strMatcher) Match(v any) bool {
	if m.isHex {
		if n, ok := asInt(v); ok {
			return n == m.hex
		}
	}
	s, ok := Stringify(v)
	if !ok {
		return false
	}
	return m.MatchString(s)
}

// MatchString matches a string value.
func (m *strMatcher) MatchString(s string) bool {
	if m.cased {
		switch m.op {
		case opEq:
			return s == m.lit
		case opPrefix:
			return strings.HasPrefix(s, m.lit)
		case opSuffix:
			return strings.HasSuffix(s, m.lit)
		case opContains:
			return strings.Contains(s, m.lit)
		case opAny:
			return true
		}
		return globMatch(m.segs, s, false)
	}
	if !m.ascii {
		f := Folded{S: s}
		return m.MatchFolded(&f)
	}
	return m.matchFold(s)
}

// MatchFolded implements [FoldedMatcher].
func (m *strMatcher) MatchFolded(f *Folded) bool {
	if m.cased || m.ascii {
		return m.MatchString(f.S)
	}
	if isASCII(f.S) {
		// A literal with non-ASCII letters cannot occur in ASCII text.
		return false
	}
	s := f.Lower()
	switch m.op {
	case opEq:
		return s == m.lit
	case opPrefix:
		return strings.HasPrefix(s, m.lit)
	case opSuffix:
		return strings.HasSuffix(s, m.lit)
	case opContains:
		return strings.Contains(s, m.lit)
	case opAny:
		return true
	}
	return globMatch(m.segs, s, false)
}

func (m *strMatcher) matchFold(s string) bool {
	switch m.op {
	case opEq:
		return len(s) == len(m.lit) && hasPrefixFold(s, m.lit)
	case opPrefix:
		return hasPrefixFold(s, m.lit)
	case opSuffix:
		return len(s) >= len(m.lit) && hasPrefixFold(s[len(s)-len(m.lit):], m.lit)
	case opContains:
		return indexFold(s, m.lit) >= 0
	case opAny:
		return true
	}
	return globMatch(m.segs, s, true)
}

type reMatcher struct {
	re     *regexp.Regexp
	lits   []string
	minLen int // no shorter text (in bytes) can match
	// runLen > 0 marks a pure length test ".{n,}": a run of n characters
	// (excluding newlines unless anyNL) matches.
	runLen int
	anyNL  bool
}

func (m *reMatcher) Match(v any) bool {
	s, ok := Stringify(v)
	if !ok || len(s) < m.minLen {
		return false
	}
	if m.runLen > 0 {
		run := 0
		for _, r := range s {
			if r == '\n' && !m.anyNL {
				run = 0
				continue
			}
			if run++; run >= m.runLen {
				return true
			}
		}
		return false
	}
	return m.re.MatchString(s)
}
func (m *reMatcher) Literals() ([]string, bool) { return m.lits, m.lits != nil }
func (m *reMatcher) String() string             { return "re:" + m.re.String() }

type cidrMatcher struct{ p netip.Prefix }

func (m *cidrMatcher) Match(v any) bool {
	s, ok := Stringify(v)
	if !ok {
		return false
	}
	a, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil {
		return false
	}
	return m.p.Contains(a.Unmap()) || m.p.Contains(a)
}
func (m *cidrMatcher) Literals() ([]string, bool) { return nil, false }
func (m *cidrMatcher) String() string             { return "cidr:" + m.p.String() }

type numMatcher struct {
	op string
	n  float64
}

func (m *numMatcher) Match(v any) bool {
	f, ok := asFloat(v)
	if !ok {
		return false
	}
	switch m.op {
	case "lt":
		return f < m.n
	case "lte":
		return f <= m.n
	case "gt":
		return f > m.n
	default:
		return f >= m.n
	}
}
func (m *numMatcher) Literals() ([]string, bool) { return nil, false }
func (m *numMatcher) String() string             { return m.op + ":" + strconv.FormatFloat(m.n, 'g', -1, 64) }

// Stringify returns the string form of a scalar event value that string
// matching and indexing use; ok is false for nil and composite values.
func Stringify(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case json.Number:
		return string(v), true
	case bool:
		if v {
			return "true", true
		}
		return "false", true
	case int:
		return strconv.Itoa(v), true
	case int64:
		return strconv.FormatInt(v, 10), true
	case uint64:
		return strconv.FormatUint(v, 10), true
	case int32:
		return strconv.FormatInt(int64(v), 10), true
	case uint32:
		return strconv.FormatUint(uint64(v), 10), true
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1e18 {
			return strconv.FormatInt(int64(v), 10), true
		}
		return strconv.FormatFloat(v, 'f', -1, 64), true
	case time.Time:
		return v.UTC().Format(time.RFC3339Nano), true
	case nil, map[string]any, []any:
		return "", false
	case fmt.Stringer:
		return v.String(), true
	}
	return "", false
}

func asInt(v any) (int64, bool) {
	switch v := v.(type) {
	case json.Number:
		n, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil {
			u, uerr := strconv.ParseUint(string(v), 10, 64)
			return int64(u), uerr == nil
		}
		return n, true
	case int:
		return int64(v), true
	case int64:
		return v, true
	case uint64:
		return int64(v), true
	case float64:
		return int64(v), v == math.Trunc(v)
	}
	return 0, false
}

func asFloat(v any) (float64, bool) {
	switch v := v.(type) {
	case json.Number:
		f, err := v.Float64()
		return f, err == nil
	case float64:
		return v, true
	case int:
		return float64(v), true
	case int64:
		return float64(v), true
	case uint64:
		return float64(v), true
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			if n, herr := strconv.ParseInt(strings.TrimPrefix(strings.ToLower(v), "0x"), 16, 64); herr == nil && strings.HasPrefix(strings.ToLower(v), "0x") {
				return float64(n), true
			}
		}
		return f, err == nil
	}
	return 0, false
}
