package detect

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/sigma/condition"
	"github.com/vigilsec/vigil/internal/sigma/rule"
)

// ErrNotConvertible is returned for a rule, or a part of one, that has no KQL equivalent here.
var ErrNotConvertible = errors.New("not convertible to KQL")

// logsourceTables gives the Defender table a Windows logsource category is hunted in.
var logsourceTables = map[string]string{
	"process_creation": "DeviceProcessEvents", "network_connection": "DeviceNetworkEvents",
	"file_event": "DeviceFileEvents", "file_change": "DeviceFileEvents", "file_delete": "DeviceFileEvents",
	"file_rename": "DeviceFileEvents", "registry_event": "DeviceRegistryEvents", "registry_add": "DeviceRegistryEvents",
	"registry_delete": "DeviceRegistryEvents", "registry_set": "DeviceRegistryEvents", "registry_rename": "DeviceRegistryEvents",
	"image_load": "DeviceImageLoadEvents",
}

// ToKQL converts a Sigma detection rule to a KQL query over the table its logsource maps to, with Sigma field
// names mapped back to the table's columns (mappings.yml) and, for fields no column covers, read from the original
// record in AdditionalFields. Security-channel rules run on SecurityEvent. The query is for hunting and
// backtesting; check it with the KQL engine before use.
func (m *Mappings) ToKQL(r *rule.Rule, cat *schema.Catalog) (string, error) {
	if r.Detection == nil {
		return "", fmt.Errorf("%w: %s is not a detection rule", ErrNotConvertible, r.Title)
	}
	table := ""
	if r.Logsource.Product != "linux" {
		table = logsourceTables[r.Logsource.Category]
	}
	if r.Logsource.Product == "windows" && r.Logsource.Service == "security" && r.Logsource.Category == "" {
		table = "SecurityEvent"
	}
	var scope []routeFilter
	if table == "" && r.Logsource.Product != "windows" {
		var err error
		if table, scope, err = m.familyTable(r.Logsource); err != nil {
			return "", err
		}
	}
	if table == "" {
		return "", fmt.Errorf("%w: no table for logsource %+v", ErrNotConvertible, r.Logsource)
	}
	t, ok := cat.Table(table)
	if !ok {
		return "", fmt.Errorf("%w: table %s is not in the catalogue", ErrNotConvertible, table)
	}
	// Rows a conditional route selects (Linux rows of a Device* table) carry only the mapped fields.
	c := &converter{m: m, t: t, d: r.Detection, closed: len(scope) > 0}
	var parts []string
	for _, f := range scope {
		parts = append(parts, f.kql(c))
	}
	for _, cond := range r.Detection.Conditions {
		n, err := condition.Parse(cond.Text)
		if err != nil {
			return "", fmt.Errorf("condition %q: %w", cond.Text, err)
		}
		s, err := c.node(n)
		if err != nil {
			return "", err
		}
		parts = append(parts, s)
	}
	cond := strings.Join(parts[len(scope):], " or ")
	if len(scope) > 0 {
		cond = strings.Join(append(parts[:len(scope):len(scope)], "("+cond+")"), " and ")
	}
	return fmt.Sprintf("// %s (%s)\n%s\n| where %s", oneLine(r.Title), r.ID, table, cond), nil
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

type converter struct {
	m      *Mappings
	t      *schema.Table
	d      *rule.Detection
	closed bool // the table's raw record does not apply
}

func (c *converter) node(n condition.Node) (string, error) {
	switch x := n.(type) {
	case *condition.Ident:
		s := c.d.Search(x.Name)
		if s == nil {
			return "", fmt.Errorf("%w: unknown search %q", ErrNotConvertible, x.Name)
		}
		return c.search(s)
	case *condition.Not:
		inner, err := c.node(x.X)
		if err != nil {
			return "", err
		}
		return "not(" + inner + ")", nil
	case *condition.Binary:
		op := " and "
		if x.Op != condition.And {
			op = " or "
		}
		var parts []string
		for _, o := range x.X {
			s, err := c.node(o)
			if err != nil {
				return "", err
			}
			parts = append(parts, s)
		}
		return "(" + strings.Join(parts, op) + ")", nil
	case *condition.Of:
		var names []string
		for _, s := range c.d.Searches {
			if x.Them && !strings.HasPrefix(s.Name, "_") || !x.Them && condition.MatchName(x.Pattern, s.Name) {
				names = append(names, s.Name)
			}
		}
		if len(names) == 0 {
			return "", fmt.Errorf("%w: %s names no search", ErrNotConvertible, x.String())
		}
		sort.Strings(names)
		op := " or "
		if x.All {
			op = " and "
		}
		var parts []string
		for _, n := range names {
			s, err := c.search(c.d.Search(n))
			if err != nil {
				return "", err
			}
			parts = append(parts, s)
		}
		return "(" + strings.Join(parts, op) + ")", nil
	}
	return "", fmt.Errorf("%w: condition node %T", ErrNotConvertible, n)
}

func (c *converter) search(s *rule.Search) (string, error) {
	if len(s.Keywords) > 0 {
		return "", fmt.Errorf("%w: keyword search %q", ErrNotConvertible, s.Name)
	}
	var alts []string
	for _, alt := range s.Alternatives {
		var ands []string
		for _, fm := range alt {
			x, err := c.field(fm)
			if err != nil {
				return "", err
			}
			ands = append(ands, x)
		}
		alts = append(alts, "("+strings.Join(ands, " and ")+")")
	}
	if len(alts) == 0 {
		return "false", nil
	}
	return "(" + strings.Join(alts, " or ") + ")", nil
}

// column returns the KQL expression reading a Sigma field on the table.
func (c *converter) column(field string) string {
	if tm, ok := c.m.Tables[c.t.Name]; ok {
		for sigmaName, col := range tm.Fields {
			if strings.EqualFold(sigmaName, field) {
				return kqlIdent(col)
			}
		}
		for name, col := range tm.JSON {
			rest, ok := cutPrefixFold(field, name+".")
			if !ok {
				continue
			}
			expr := "todynamic(" + kqlIdent(col) + ")"
			for _, p := range strings.Split(rest, ".") {
				expr += "[" + kqlString(p) + "]"
			}
			return "tostring(" + expr + ")"
		}
		for name, d := range tm.Derived {
			if strings.EqualFold(name, field) {
				if x := d.kql(); x != "" {
					return x
				}
			}
		}
		// User is composed from two columns where the rows do not keep the source's record (which has it).
		if len(tm.User) == 2 && strings.EqualFold(field, "User") && (!tm.Raw || c.closed) {
			dom, acc := kqlIdent(tm.User[0]), kqlIdent(tm.User[1])
			return "iff(isempty(" + dom + "), " + acc + ", strcat(" + dom + `, @"\", ` + acc + "))"
		}
	}
	if _, _, ok := c.t.Column(field); ok {
		return kqlIdent(field)
	}
	if _, _, ok := c.t.Column("AdditionalFields"); ok {
		return "tostring(todynamic(AdditionalFields)[" + kqlString(field) + "])"
	}
	return "tostring(" + schema.ColExtra + "[" + kqlString(field) + "])"
}

// covered reports whether field can be read on the table: always on a table that keeps the source's record
// (AdditionalFields), else only through a mapping or a column (the rule-loading policy, see Coverage).
func (c *converter) covered(field string) bool {
	tm, ok := c.m.Tables[c.t.Name]
	if !ok || tm.Raw && !c.closed {
		return true
	}
	if _, _, ok := c.t.Column(field); ok {
		return true
	}
	for f := range tm.Fields {
		if strings.EqualFold(f, field) {
			return true
		}
	}
	for f := range tm.JSON {
		if strings.EqualFold(f, field) {
			return true
		}
		if _, ok := cutPrefixFold(field, f+"."); ok {
			return true
		}
	}
	for f, d := range tm.Derived {
		if strings.EqualFold(f, field) && d.kql() != "" {
			return true
		}
	}
	return len(tm.User) == 2 && strings.EqualFold(field, "User")
}

// kql returns the KQL expression computing a derived field, or "" when it has none here (modified_property).
func (d *derivedField) kql() string {
	if d.Constant != "" {
		return kqlString(d.Constant)
	}
	col := kqlIdent(d.Column)
	switch {
	case d.Member != "":
		return "tostring(todynamic(" + col + ")[" + kqlString(d.Member) + "])"
	case d.Pair != "":
		return `trim(@"\s+", extract(` + kqlString(`(?i)(?:^|[;\s])`+regexp.QuoteMeta(d.Pair)+`=([^;]*)`) + ", 1, " + col + "))"
	case d.URL == "path":
		return "tostring(parse_url(" + col + ")[" + kqlString("Path") + "])"
	case d.URL == "query":
		return `extract(@"\?([^#]*)", 1, ` + col + ")"
	case d.URL == "extension":
		return `extract(@"\.([^./]+)$", 1, tostring(parse_url(` + col + ")[" + kqlString("Path") + "]))"
	case d.valueTable():
		keys := make([]string, 0, len(d.Values))
		for k := range d.Values {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var b strings.Builder
		b.WriteString("case(isempty(" + col + "), " + kqlString(d.Empty) + ", ")
		for _, k := range keys {
			b.WriteString(col + " =~ " + kqlString(k) + ", " + kqlString(d.Values[k]) + ", ")
		}
		b.WriteString(kqlString(d.Other) + ")")
		return b.String()
	}
	return ""
}

func kqlIdent(s string) string {
	if regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`).MatchString(s) {
		return s
	}
	return "['" + strings.ReplaceAll(s, "'", `\'`) + "']"
}

// kqlString quotes s as a verbatim KQL string.
func kqlString(s string) string { return `@"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func (c *converter) field(fm *rule.FieldMatch) (string, error) {
	if !c.covered(fm.Field) {
		return "", fmt.Errorf("%w: field %q is not mapped for %s (%s)", ErrNotConvertible, fm.Field, c.t.Name, c.m.Tables[c.t.Name].file)
	}
	col := c.column(fm.Field)
	mods := map[string]bool{}
	for _, m := range fm.Modifiers {
		mods[m] = true
	}
	for m := range mods {
		switch m {
		case "contains", "startswith", "endswith", "all", "re", "i", "m", "s", "cidr", "exists", "lt", "lte", "gt", "gte", "cased":
		default:
			return "", fmt.Errorf("%w: modifier %q", ErrNotConvertible, m)
		}
	}
	var terms []string
	for _, v := range fm.Values {
		t, err := c.value(col, v, mods)
		if err != nil {
			return "", err
		}
		terms = append(terms, t)
	}
	if len(terms) == 0 {
		return "true", nil
	}
	op := " or "
	if mods["all"] {
		op = " and "
	}
	return "(" + strings.Join(terms, op) + ")", nil
}

func (c *converter) value(col string, v rule.Value, mods map[string]bool) (string, error) {
	switch {
	case v.Kind == rule.Null:
		return "isempty(" + col + ")", nil
	case mods["exists"]:
		if strings.EqualFold(v.S, "true") {
			return "isnotempty(" + col + ")", nil
		}
		return "isempty(" + col + ")", nil
	case mods["lt"], mods["lte"], mods["gt"], mods["gte"]:
		op := ""
		for m, o := range map[string]string{"lt": "<", "lte": "<=", "gt": ">", "gte": ">="} {
			if mods[m] {
				op = o
			}
		}
		return "todouble(" + col + ") " + op + " " + v.S, nil
	case mods["cidr"]:
		return "ipv4_is_in_range(" + col + ", " + kqlString(v.S) + ")", nil
	case mods["re"]:
		pat := v.S
		if mods["i"] {
			pat = "(?i)" + pat
		}
		return col + " matches regex " + kqlString(pat), nil
	case v.Kind == rule.Number || v.Kind == rule.Bool:
		return "tostring(" + col + ") == " + kqlString(v.S), nil
	}
	s, wild := unescapeSigma(v.S)
	cs := ""
	if mods["cased"] {
		cs = "_cs"
	}
	switch {
	case mods["contains"]:
		s, wild = "*"+s+"*", append(append([]bool{true}, wild...), true)
	case mods["startswith"]:
		s, wild = s+"*", append(wild, true)
	case mods["endswith"]:
		s, wild = "*"+s, append([]bool{true}, wild...)
	}
	return wildcardTerm(col, s, wild, cs), nil
}

// unescapeSigma removes Sigma's escapes and reports, per byte of the result, whether it is a wildcard.
func unescapeSigma(s string) (string, []bool) {
	var b strings.Builder
	var wild []bool
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch == '\\' && i+1 < len(s) && (s[i+1] == '*' || s[i+1] == '?' || s[i+1] == '\\') {
			b.WriteByte(s[i+1])
			wild = append(wild, false)
			i++
			continue
		}
		b.WriteByte(ch)
		wild = append(wild, ch == '*' || ch == '?')
	}
	return b.String(), wild
}

// wildcardTerm renders a value with wildcards as the cheapest exact KQL operator.
func wildcardTerm(col, s string, wild []bool, cs string) string {
	inner := 0
	for i, w := range wild {
		if w && i != 0 && i != len(wild)-1 {
			inner++
		}
		if w && s[i] == '?' {
			inner++
		}
	}
	lead := len(wild) > 0 && wild[0] && s[0] == '*'
	trail := len(wild) > 1 && wild[len(wild)-1] && s[len(s)-1] == '*'
	if inner == 0 {
		core := s
		if lead {
			core = core[1:]
		}
		if trail {
			core = core[:len(core)-1]
		}
		switch {
		case lead && trail:
			return col + " contains" + cs + " " + kqlString(core)
		case lead:
			return col + " endswith" + cs + " " + kqlString(core)
		case trail:
			return col + " startswith" + cs + " " + kqlString(core)
		}
		if cs != "" {
			return col + " == " + kqlString(core)
		}
		return col + " =~ " + kqlString(core)
	}
	var re strings.Builder
	if cs == "" {
		re.WriteString("(?i)")
	}
	re.WriteString("^")
	for i := 0; i < len(s); i++ {
		switch {
		case wild[i] && s[i] == '*':
			re.WriteString(".*")
		case wild[i] && s[i] == '?':
			re.WriteString(".")
		default:
			re.WriteString(regexp.QuoteMeta(string(s[i])))
		}
	}
	re.WriteString("$")
	return col + " matches regex " + kqlString(re.String())
}
