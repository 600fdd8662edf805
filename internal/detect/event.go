package detect

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/sigma/event"
)

//go:embed mappings.yml
var mappingsYAML []byte

// tableMapping maps one table's columns onto Sigma field names.
type tableMapping struct {
	Route  map[string]any    `yaml:"route"`
	Fields map[string]string `yaml:"fields"`
	User   []string          `yaml:"user"`
	Hashes bool              `yaml:"hashes"`
}

// Mappings are the Defender-column to Sigma-field mappings, by table (see mappings.yml).
type Mappings struct {
	Tables map[string]tableMapping `yaml:"tables"`
}

// LoadMappings parses the built-in mapping file.
func LoadMappings() (*Mappings, error) {
	var m Mappings
	if err := yaml.Unmarshal(mappingsYAML, &m); err != nil {
		return nil, fmt.Errorf("detect: mappings.yml: %w", err)
	}
	return &m, nil
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
		for k, v := range tm.Route {
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
