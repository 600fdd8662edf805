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
	// Raw says the table keeps original records (AdditionalFields, EventData) under the names the source used,
	// so a rule may name fields no mapping lists.
	Raw bool `yaml:"raw"`

	file  string        // the mapping file, for messages
	table *schema.Table // nil when the catalogue lacks the table
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
func (tm *tableMapping) route(obj map[string]any) map[string]any {
	for _, r := range tm.Routes {
		ok := true
		for col, prefix := range r.When {
			s, _ := obj[col].(string)
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
func flattenJSON(prefix string, v any, obj map[string]any) {
	m, ok := v.(map[string]any)
	if !ok {
		obj[prefix] = v
		return
	}
	for k, x := range m {
		flattenJSON(prefix+"."+k, x, obj)
	}
}

// rowEvent builds the Sigma event of row i of b: the original record's fields (AdditionalFields, _Extra and the
// Data elements of an EventData XML column) over the table's columns mapped to Sigma names, over the columns
// themselves.
func (m *Mappings) rowEvent(b *batch.Batch, i int) (map[string]any, error) {
	obj := make(map[string]any, len(b.Columns)+16)
	var raw []string
	for _, c := range b.Columns {
		v := c.Value(i)
		if v == nil {
			continue
		}
		switch c.Name {
		case "AdditionalFields", schema.ColExtra:
			raw = append(raw, v.(string))
			continue
		case "EventData":
			if s, ok := v.(string); ok {
				for k, dv := range eventDataXML(s) {
					obj[k] = dv
				}
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
				flattenJSON(name, v, obj)
			}
			obj[name] = text
		}
		for k, v := range tm.route(obj) {
			obj[k] = v
		}
	}
	// The original record wins: its names are the ones Sigma rules are written against.
	for _, r := range raw {
		var bag map[string]any
		if err := json.Unmarshal([]byte(r), &bag); err != nil {
			continue // a string that is not a JSON object holds no fields
		}
		for k, v := range bag {
			obj[k] = v
		}
	}
	return obj, nil
}

// eventDataXML extracts <Data Name="X">value</Data> pairs.
func eventDataXML(s string) map[string]any {
	out := map[string]any{}
	for {
		i := strings.Index(s, `<Data Name="`)
		if i < 0 {
			return out
		}
		s = s[i+len(`<Data Name="`):]
		j := strings.IndexByte(s, '"')
		if j < 0 {
			return out
		}
		name := s[:j]
		s = s[j+1:]
		if strings.HasPrefix(s, "/>") {
			out[name] = ""
			continue
		}
		if !strings.HasPrefix(s, ">") {
			continue
		}
		s = s[1:]
		k := strings.Index(s, "</Data>")
		if k < 0 {
			return out
		}
		out[name] = xmlUnescape(s[:k])
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
