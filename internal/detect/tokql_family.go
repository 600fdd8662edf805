package detect

import (
	"fmt"
	"sort"
	"strings"

	"github.com/vigilsec/vigil/internal/sigma/logsource"
	"github.com/vigilsec/vigil/internal/sigma/rule"
)

// routeFilter is a condition that limits a table to the rows of one logsource: a column with a prefix (or merely
// not empty), a column without one, or a column among values.
type routeFilter struct {
	col    string
	prefix string
	negate bool
	values []string
}

func (f routeFilter) kql(c *converter) string {
	col := c.column(f.col)
	var x string
	switch {
	case len(f.values) > 0:
		vs := make([]string, len(f.values))
		for i, v := range f.values {
			vs[i] = kqlString(v)
		}
		return col + " in~ (" + strings.Join(vs, ", ") + ")"
	case f.prefix == "":
		x = "isnotempty(" + col + ")"
	default:
		x = col + " startswith_cs " + kqlString(f.prefix)
	}
	if f.negate {
		return "not(" + x + ")"
	}
	return x
}

// familyTable finds the one table a non-Windows logsource reads (through the mapping files and the logsource
// routes) and the conditions that keep the table's rows of that logsource.
func (m *Mappings) familyTable(ls rule.Logsource) (string, []routeFilter, error) {
	routes, _ := logsource.Default().For(ls)
	type hit struct {
		table   string
		filters []routeFilter
	}
	var hits []hit
	names := make([]string, 0, len(m.Tables))
	for n := range m.Tables {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, r := range routes {
		var where []routeFilter
		for col, vals := range r.Where {
			where = append(where, routeFilter{col: col, values: vals})
		}
		sort.Slice(where, func(i, j int) bool { return where[i].col < where[j].col })
		for _, n := range names {
			tm := m.Tables[n]
			if tm.Raw {
				continue // Windows-shaped tables are converted by category
			}
			var fs []routeFilter
			fed := false
			for _, cr := range tm.Routes {
				if routeFeeds(r, cr.Route) {
					fed = true
					for col, p := range cr.When {
						fs = append(fs, routeFilter{col: col, prefix: p})
					}
					break
				}
			}
			if !fed && routeFeeds(r, tm.Route) {
				fed = true
				for _, cr := range tm.Routes {
					for col, p := range cr.When {
						fs = append(fs, routeFilter{col: col, prefix: p, negate: true})
					}
				}
			}
			if fed {
				hits = append(hits, hit{n, append(fs, where...)})
			}
		}
	}
	// Linux Device* rows are raw tables with a conditional route; they convert through the category table with
	// the path condition.
	if len(hits) == 0 && ls.Product == "linux" {
		if t := logsourceTables[ls.Category]; t != "" {
			if tm, ok := m.Tables[t]; ok {
				for _, cr := range tm.Routes {
					for _, r := range routes {
						if routeFeeds(r, cr.Route) {
							var fs []routeFilter
							for col, p := range cr.When {
								fs = append(fs, routeFilter{col: col, prefix: p})
							}
							return t, fs, nil
						}
					}
				}
			}
		}
	}
	switch {
	case len(hits) == 0:
		return "", nil, nil
	case len(hits) > 1 && hits[0].table != hits[len(hits)-1].table:
		return "", nil, fmt.Errorf("%w: logsource %+v spans several tables", ErrNotConvertible, ls)
	case len(hits) > 1:
		return "", nil, fmt.Errorf("%w: logsource %+v spans several routes of %s", ErrNotConvertible, ls, hits[0].table)
	}
	return hits[0].table, hits[0].filters, nil
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return "", false
}
