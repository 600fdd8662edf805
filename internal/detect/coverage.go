package detect

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/vigilsec/vigil/internal/sigma/engine"
	"github.com/vigilsec/vigil/internal/sigma/logsource"
)

// Coverage tells the Sigma engine which fields the events of each logsource route can carry (engine.FieldCoverage):
// the columns of the tables whose mapping routes there, the Sigma names mapped onto them, and the routing fields. A
// route fed by a raw table (one that keeps the source's original record), or by no mapped table at all (Windows
// event logs arriving as they are), covers every field.
type Coverage struct {
	m       *Mappings
	mu      sync.Mutex
	byRoute map[*logsource.Route]*routeCoverage
}

var (
	_ engine.FieldCoverage = (*Coverage)(nil)
	_ engine.FieldReasons  = (*Coverage)(nil)
)

type routeCoverage struct {
	all         bool
	unsupported map[string]string // lower-case name → reason
	fields      map[string]bool   // lower-case names
	json        []string          // lower-case prefixes of expanded JSON columns
	source      string
}

// Coverage returns the field coverage of m.
func (m *Mappings) Coverage() *Coverage {
	return &Coverage{m: m, byRoute: map[*logsource.Route]*routeCoverage{}}
}

// FieldCheck is the engine option that refuses rules naming fields the built-in mappings do not cover.
func FieldCheck() (engine.Option, error) {
	m, err := LoadMappings()
	if err != nil {
		return nil, err
	}
	return engine.WithFieldCoverage(m.Coverage()), nil
}

// Covers implements engine.FieldCoverage.
func (c *Coverage) Covers(r *logsource.Route, field string) (bool, string) {
	c.mu.Lock()
	rc := c.byRoute[r]
	if rc == nil {
		rc = c.build(r)
		c.byRoute[r] = rc
	}
	c.mu.Unlock()
	if rc.all {
		return true, ""
	}
	f := strings.ToLower(field)
	if rc.fields[f] {
		return true, rc.source
	}
	for _, p := range rc.json {
		if strings.HasPrefix(f, p+".") {
			return true, rc.source
		}
	}
	return false, rc.source
}

func (c *Coverage) build(r *logsource.Route) *routeCoverage {
	rc := &routeCoverage{fields: map[string]bool{}, unsupported: map[string]string{}}
	names := make([]string, 0, len(c.m.Tables))
	for n := range c.m.Tables {
		names = append(names, n)
	}
	sort.Strings(names)
	var sources []string
	for _, name := range names {
		tm := c.m.Tables[name]
		feeds := routeFeeds(r, tm.Route)
		raw := feeds && tm.Raw
		for _, cr := range tm.Routes {
			if routeFeeds(r, cr.Route) {
				feeds, raw = true, raw || cr.Raw
			}
		}
		if !feeds {
			continue
		}
		sources = append(sources, fmt.Sprintf("%s (%s)", tm.file, name))
		if raw {
			rc.all = true
		}
		if tm.table != nil {
			for _, col := range tm.table.Columns {
				rc.fields[strings.ToLower(col.Name)] = true
			}
		}
		for f := range tm.Fields {
			rc.fields[strings.ToLower(f)] = true
		}
		for f := range tm.JSON {
			rc.fields[strings.ToLower(f)] = true
			rc.json = append(rc.json, strings.ToLower(f))
		}
		for f := range tm.Derived {
			rc.fields[strings.ToLower(f)] = true
		}
		for f, why := range tm.Unsupported {
			rc.unsupported[strings.ToLower(f)] = fmt.Sprintf("%s (%s): %s", tm.file, name, why)
		}
		for k := range tm.Route {
			rc.fields[strings.ToLower(k)] = true
		}
		if len(tm.User) == 2 {
			rc.fields["user"] = true
		}
		if tm.Hashes {
			rc.fields["hashes"] = true
		}
	}
	if len(sources) == 0 {
		rc.all = true // events arrive with their own fields (Windows event logs)
	}
	rc.source = strings.Join(sources, ", ")
	return rc
}

// Unsupported implements engine.FieldReasons: the reason a mapping file gives for a field it declares
// unsupported on a table feeding r.
func (c *Coverage) Unsupported(r *logsource.Route, field string) (string, bool) {
	c.mu.Lock()
	rc := c.byRoute[r]
	if rc == nil {
		rc = c.build(r)
		c.byRoute[r] = rc
	}
	c.mu.Unlock()
	why, ok := rc.unsupported[strings.ToLower(field)]
	return why, ok && !rc.all
}

// routeFeeds reports whether a table mapping's routing fields send its rows to route r.
func routeFeeds(r *logsource.Route, set map[string]any) bool {
	ch, _ := set["Channel"].(string)
	if ch == "" {
		return false
	}
	found := false
	for _, c := range r.Channel {
		if strings.EqualFold(c, ch) {
			found = true
		}
	}
	if !found {
		return false
	}
	if len(r.EventID) == 0 {
		return true
	}
	id, ok := set["EventID"]
	if !ok {
		return false
	}
	for _, e := range r.EventID {
		if fmt.Sprint(e) == fmt.Sprint(id) {
			return true
		}
	}
	return false
}
