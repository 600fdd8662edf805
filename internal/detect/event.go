package detect

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/sigma/event"
)

//go:embed mappings/*.yml
var mappingFiles embed.FS

// tableMapping maps one table's columns onto Sigma field names.
type tableMapping struct {
	// Route sets the fields (Channel, EventID) Sigma logsource routing reads, unless a conditional route applies.
	Route map[string]any `yaml:"route"`
	// Routes are conditional routes, tried in order before Route: the first whose columns all start with the given
	// prefixes ("" : the column is not empty) applies.
	Routes []condRoute `yaml:"routes"`
	// Fields maps Sigma field names to columns.
	Fields map[string]string `yaml:"fields"`
	// JSON maps Sigma field names to columns holding a JSON object: the object's members become the fields
	// name.member (nested: name.a.b), and name itself the JSON text.
	JSON map[string]string `yaml:"json"`
	// User names the domain and account columns that form User ("DOMAIN\name").
	User []string `yaml:"user"`
	// Hashes builds the Sysmon Hashes field from the SHA1, MD5 and SHA256 columns.
	Hashes bool `yaml:"hashes"`
	// Derived maps Sigma field names to values computed from a column: a member of a JSON column (the original
	// record kept in AdditionalFields or _Extra), a key=value pair of a text column (CEF extensions kept in
	// AdditionalExtensions, sudo's "KEY=value ; ..." syslog message), a part of a URL, or a column's value
	// translated through a table. Set only when the event does not carry the Sigma name already.
	Derived map[string]*derivedField `yaml:"derived"`
	// Unsupported lists Sigma field names that no column or kept raw field can provide, with the reason: a rule
	// naming one is refused with code field_unsupported and the reason.
	Unsupported map[string]string `yaml:"unsupported"`
	// Raw says the table keeps original records (AdditionalFields, EventData) under the names the source used,
	// so a rule may name fields no mapping lists.
	Raw bool `yaml:"raw"`

	file  string        // the mapping file, for messages
	table *schema.Table // nil when the catalogue lacks the table
}

// derivedField computes one Sigma field from Column; exactly one of Member, Pair, URL, Values and
// ModifiedProperty is set.
type derivedField struct {
	Column string `yaml:"column"`
	// Member names a member of the JSON object in Column.
	Member string `yaml:"member"`
	// Pair names the key of a "key=value" pair in Column, pairs separated by ";" (a key is the last word before
	// "=": "alice : TTY=pts/0 ; USER=root" has TTY and USER).
	Pair string `yaml:"pair"`
	// URL names a part of the URL in Column: path, query (without "?") or extension (of the path's last segment,
	// without the dot).
	URL string `yaml:"url"`
	// Values translates Column's value (compared case-insensitively); a value not listed sets nothing, unless
	// Empty (the value when Column is empty or missing) or Other (any other value) say otherwise. Empty and Other
	// may also stand without Values: CloudTrail's success is the absence of an errorCode.
	Values map[string]string `yaml:"values"`
	Empty  string            `yaml:"empty"`
	Other  string            `yaml:"other"`
	// Constant is the field's value on every row of the table, with no column: a rule's test that the record is
	// of the table's kind (ActivityDetails: Sign-ins on the sign-in log).
	Constant string `yaml:"constant"`
	// ModifiedProperty names a Microsoft Graph modifiedProperty in Column, a JSON array of target resources
	// ([{"modifiedProperties":[{"displayName","oldValue","newValue"}]}]): the field is its newValue (a JSON
	// string value unquoted, "\"False\"" → False).
	ModifiedProperty string `yaml:"modified_property"`
}

func (d *derivedField) check() error {
	n := 0
	if d.Constant != "" {
		if d.Column != "" || d.Member != "" || d.Pair != "" || d.URL != "" || d.valueTable() || d.ModifiedProperty != "" {
			return fmt.Errorf("a constant derived field takes nothing else")
		}
		return nil
	}
	for _, set := range []bool{d.Member != "", d.Pair != "", d.URL != "", d.valueTable(), d.ModifiedProperty != ""} {
		if set {
			n++
		}
	}
	if d.Column == "" || n != 1 {
		return fmt.Errorf("a derived field needs a column and exactly one of member, pair, url, values (with empty, other), modified_property; or a constant alone")
	}
	switch d.URL {
	case "", "path", "query", "extension":
	default:
		return fmt.Errorf("url part %q is not path, query or extension", d.URL)
	}
	return nil
}

// fieldGetter reads a field of the Sigma event being built.
type fieldGetter interface {
	get(name string) (any, bool)
}

// mapFields is a fieldGetter over a map.
type mapFields map[string]any

func (m mapFields) get(name string) (any, bool) {
	v, ok := m[name]
	return v, ok
}

// getString returns field name of obj when it is a string.
func getString(obj fieldGetter, name string) (string, bool) {
	v, _ := obj.get(name)
	s, ok := v.(string)
	return s, ok
}

// value computes the field from the row's column value v (a string) and the parsed raw records (for the JSON
// columns AdditionalFields and _Extra, which rowEvent does not keep as columns).
func (d *derivedField) value(obj fieldGetter, raw map[string]map[string]any) (any, bool) {
	if d.Constant != "" {
		return d.Constant, true
	}
	if d.valueTable() {
		s, _ := getString(obj, d.Column)
		if s == "" {
			return d.Empty, d.Empty != ""
		}
		for k, v := range d.Values {
			if strings.EqualFold(k, s) {
				return v, true
			}
		}
		return d.Other, d.Other != ""
	}
	if d.Member != "" {
		if bag, ok := raw[d.Column]; ok {
			v, ok := bag[d.Member]
			return v, ok && v != nil
		}
	}
	s, ok := getString(obj, d.Column)
	if !ok || s == "" {
		return nil, false
	}
	switch {
	case d.Member != "":
		var bag map[string]any
		if json.Unmarshal([]byte(s), &bag) != nil {
			return nil, false
		}
		v, ok := bag[d.Member]
		return v, ok && v != nil
	case d.Pair != "":
		return pairValue(s, d.Pair)
	case d.URL != "":
		return urlPart(s, d.URL)
	case d.ModifiedProperty != "":
		return modifiedProperty(s, d.ModifiedProperty)
	}
	return nil, false
}

// valueTable reports whether the field translates its column's values (values, empty, other).
func (d *derivedField) valueTable() bool { return len(d.Values) > 0 || d.Empty != "" || d.Other != "" }

// pairValue returns the value of key in "k1=v1;k2=v2" text; a key is the last word before its "=".
func pairValue(s, key string) (any, bool) {
	for _, part := range strings.Split(s, ";") {
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			continue
		}
		k = strings.TrimSpace(k)
		if i := strings.LastIndexAny(k, " \t"); i >= 0 {
			k = k[i+1:]
		}
		if strings.EqualFold(k, key) {
			return strings.TrimSpace(v), true
		}
	}
	return nil, false
}

// modifiedProperty returns the newValue of the modified property called name in a JSON array of Graph target
// resources.
func modifiedProperty(s, name string) (any, bool) {
	var targets []struct {
		ModifiedProperties []struct {
			DisplayName string `json:"displayName"`
			NewValue    any    `json:"newValue"`
		} `json:"modifiedProperties"`
	}
	if json.Unmarshal([]byte(s), &targets) != nil {
		return nil, false
	}
	for _, t := range targets {
		for _, p := range t.ModifiedProperties {
			if !strings.EqualFold(p.DisplayName, name) || p.NewValue == nil {
				continue
			}
			if v, ok := p.NewValue.(string); ok {
				var inner string
				if json.Unmarshal([]byte(v), &inner) == nil {
					return inner, true
				}
				return v, true
			}
			return p.NewValue, true
		}
	}
	return nil, false
}

// urlPart returns a part of an absolute URL or of a path with a query.
func urlPart(s, part string) (any, bool) {
	p, q := s, ""
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		if p[i] == '?' {
			q = p[i+1:]
			if j := strings.IndexByte(q, '#'); j >= 0 {
				q = q[:j]
			}
		}
		p = p[:i]
	}
	if i := strings.Index(p, "://"); i >= 0 {
		p = p[i+3:]
		if j := strings.IndexByte(p, '/'); j >= 0 {
			p = p[j:]
		} else {
			p = "/"
		}
	}
	switch part {
	case "path":
		return p, true
	case "query":
		return q, q != ""
	default:
		last := p[strings.LastIndexByte(p, '/')+1:]
		i := strings.LastIndexByte(last, '.')
		if i < 0 || i == len(last)-1 {
			return nil, false
		}
		return last[i+1:], true
	}
}

type condRoute struct {
	When  map[string]string `yaml:"when"`
	Route map[string]any    `yaml:"route"`
	// Raw is the table's raw flag for the rows this route takes (the table's own flag does not carry over).
	Raw bool `yaml:"raw"`
}

// mappingFile is one file under mappings/: a family of tables.
type mappingFile struct {
	Tables map[string]*tableMapping `yaml:"tables"`
}

// Mappings are the column to Sigma-field mappings, by table, read from the files under mappings/ (one per table
// family).
type Mappings struct {
	Tables map[string]*tableMapping
}

// LoadMappings parses the built-in mapping files (internal/detect/mappings/*.yml).
func LoadMappings() (*Mappings, error) {
	return loadMappings(mappingFiles, "mappings")
}

func loadMappings(fsys fs.FS, dir string) (*Mappings, error) {
	files, err := fs.Glob(fsys, dir+"/*.yml")
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	m := &Mappings{Tables: map[string]*tableMapping{}}
	cat := schema.NewCatalog()
	if err := cat.AddIngestTables(); err != nil { // Okta_CL, GWorkspace_CL
		return nil, err
	}
	for _, f := range files {
		data, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		var mf mappingFile
		if err := yaml.Unmarshal(data, &mf); err != nil {
			return nil, fmt.Errorf("detect: %s: %w", f, err)
		}
		for name, tm := range mf.Tables {
			if prev, ok := m.Tables[name]; ok {
				return nil, fmt.Errorf("detect: %s: table %s is already mapped in %s", f, name, prev.file)
			}
			if tm == nil {
				return nil, fmt.Errorf("detect: %s: table %s has no mapping", f, name)
			}
			tm.file = "internal/detect/" + f
			for name, d := range tm.Derived {
				if d == nil {
					return nil, fmt.Errorf("detect: %s: %s.derived.%s is empty", f, name, name)
				}
				if err := d.check(); err != nil {
					return nil, fmt.Errorf("detect: %s: %s.derived.%s: %w", f, name, name, err)
				}
			}
			tm.table, _ = cat.Table(name)
			m.Tables[name] = tm
		}
	}
	return m, nil
}

// Tables are the tables whose events Sigma rules are evaluated on: every table a mapping file names.
var Tables = func() []string {
	m, err := LoadMappings()
	if err != nil {
		panic(fmt.Sprintf("detect: bad embedded mappings: %v", err))
	}
	out := make([]string, 0, len(m.Tables))
	for t := range m.Tables {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}()

// route returns the routing fields for row values obj.
func (tm *tableMapping) route(obj fieldGetter) map[string]any {
	for _, r := range tm.Routes {
		ok := true
		for col, prefix := range r.When {
			s, _ := getString(obj, col)
			if s == "" || !strings.HasPrefix(s, prefix) {
				ok = false
				break
			}
		}
		if ok {
			return r.Route
		}
	}
	return tm.Route
}

// flattenJSON sets name.member for every member of a JSON object (nested objects recursively).
func flattenJSON(prefix string, v any, set func(string, any)) {
	m, ok := v.(map[string]any)
	if !ok {
		set(prefix, v)
		return
	}
	for k, x := range m {
		flattenJSON(prefix+"."+k, x, set)
	}
}

// rowEvent builds the Sigma event of row i of b: the original record's fields (AdditionalFields, _Extra and the
// Data elements of an EventData XML column) over the table's columns mapped to Sigma names, over the columns
// themselves.
func (m *Mappings) rowEvent(b *batch.Batch, i int) (map[string]any, error) {
	obj := make(map[string]any, len(b.Columns)+16)
	var raw []map[string]any
	var rawBy map[string]map[string]any
	for _, c := range b.Columns {
		v := c.Value(i)
		if v == nil {
			continue
		}
		switch c.Name {
		case "AdditionalFields", schema.ColExtra:
			var bag map[string]any
			if s, ok := v.(string); ok && json.Unmarshal([]byte(s), &bag) == nil && bag != nil {
				raw = append(raw, bag)
				if rawBy == nil {
					rawBy = map[string]map[string]any{}
				}
				rawBy[c.Name] = bag
			} // a string that is not a JSON object holds no fields
			continue
		case "EventData":
			if s, ok := v.(string); ok {
				eachEventData(s, func(k string, dv string) { obj[k] = dv })
			}
		}
		obj[c.Name] = v
	}
	if tm, ok := m.Tables[b.Table]; ok {
		for sigmaName, col := range tm.Fields {
			if v, ok := obj[col]; ok {
				if _, has := obj[sigmaName]; !has {
					obj[sigmaName] = v
				}
			}
		}
		if len(tm.User) == 2 {
			d, _ := obj[tm.User[0]].(string)
			n, _ := obj[tm.User[1]].(string)
			if n != "" {
				if _, has := obj["User"]; !has {
					if d != "" {
						obj["User"] = d + `\` + n
					} else {
						obj["User"] = n
					}
				}
			}
		}
		if tm.Hashes {
			var parts []string
			for _, h := range []string{"SHA1", "MD5", "SHA256"} {
				if v, ok := obj[h].(string); ok && v != "" {
					parts = append(parts, h+"="+strings.ToUpper(v))
				}
			}
			if len(parts) > 0 {
				obj["Hashes"] = strings.Join(parts, ",")
			}
		}
		for name, col := range tm.JSON {
			text, ok := obj[col].(string)
			if !ok || text == "" {
				continue
			}
			var v any
			if err := json.Unmarshal([]byte(text), &v); err != nil {
				obj[name] = text
				continue
			}
			if _, isObj := v.(map[string]any); isObj {
				flattenJSON(name, v, func(k string, x any) { obj[k] = x })
			}
			obj[name] = text
		}
		for name, d := range tm.Derived {
			if _, has := obj[name]; has {
				continue
			}
			if v, ok := d.value(mapFields(obj), rawBy); ok {
				obj[name] = v
			}
		}
		for k, v := range tm.route(mapFields(obj)) {
			obj[k] = v
		}
	}
	// The original record wins: its names are the ones Sigma rules are written against.
	for _, bag := range raw {
		for k, v := range bag {
			obj[k] = v
		}
	}
	return obj, nil
}

// eventDataXML extracts <Data Name="X">value</Data> pairs.
func eventDataXML(s string) map[string]any {
	out := map[string]any{}
	eachEventData(s, func(k string, v string) { out[k] = v })
	return out
}

// eachEventData calls fn with each <Data Name="X">value</Data> pair, in order.
func eachEventData(s string, fn func(name, value string)) {
	for {
		i := strings.Index(s, `<Data Name="`)
		if i < 0 {
			return
		}
		s = s[i+len(`<Data Name="`):]
		j := strings.IndexByte(s, '"')
		if j < 0 {
			return
		}
		name := s[:j]
		s = s[j+1:]
		if strings.HasPrefix(s, "/>") {
			fn(name, "")
			continue
		}
		if !strings.HasPrefix(s, ">") {
			continue
		}
		s = s[1:]
		k := strings.Index(s, "</Data>")
		if k < 0 {
			return
		}
		fn(name, xmlUnescape(s[:k]))
		s = s[k:]
	}
}

var xmlEntities = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&quot;", `"`, "&apos;", "'", "&amp;", "&")

func xmlUnescape(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	return xmlEntities.Replace(s)
}

// sigmaEvent wraps a row map for the engine.
func sigmaEvent(obj map[string]any) *event.Map { return event.FromJSON(obj) }
