// Package logsource routes events to Sigma rules by logsource
// (product/category/service). The routing table is data (logsources.yml,
// embedded; replaceable with [Parse]): each route names a logsource and the
// event-log channels, event ids and extra field values that feed it, plus
// field aliases for sources that name a field differently (Security 4688's
// NewProcessName is process_creation's Image).
package logsource

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/vigilsec/vigil/internal/sigma/event"
	"github.com/vigilsec/vigil/internal/sigma/rule"
)

//go:embed logsources.yml
var defaultYAML []byte

// Route is one way events reach a logsource.
type Route struct {
	Product  string              `yaml:"product" json:"product,omitempty"`
	Category string              `yaml:"category" json:"category,omitempty"`
	Service  string              `yaml:"service" json:"service,omitempty"`
	Channel  []string            `yaml:"channel" json:"channel,omitempty"`
	EventID  []int64             `yaml:"event_id" json:"event_id,omitempty"`
	Where    map[string][]string `yaml:"where" json:"where,omitempty"`
	Aliases  map[string]string   `yaml:"aliases" json:"aliases,omitempty"`

	// Index is the route's position in its [Table].
	Index int `yaml:"-" json:"-"`

	aliasIDs    map[int32]event.Name
	whereFields []whereField
}

type whereField struct {
	name event.Name
	want []string
}

// Alias returns the event field that holds Sigma field id on this route.
func (r *Route) Alias(id int32) (event.Name, bool) {
	n, ok := r.aliasIDs[id]
	return n, ok
}

var (
	channelName = event.NewName("Channel")
	eventIDName = event.NewName("EventID")
)

// Unsupported records a logsource with no route and the reason.
type Unsupported struct {
	Product  string `yaml:"product" json:"product,omitempty"`
	Category string `yaml:"category" json:"category,omitempty"`
	Service  string `yaml:"service" json:"service,omitempty"`
	Reason   string `yaml:"reason" json:"reason"`
}

// Table is a routing table. It is immutable after [Parse] and safe for
// concurrent use.
type Table struct {
	Routes      []*Route      `yaml:"routes"`
	Unsupported []Unsupported `yaml:"unsupported"`

	byChannel map[string]*channelRoutes
}

// channelRoutes indexes the routes of one channel by event id.
type channelRoutes struct {
	byID  map[int64][]*Route // routes listing the id, in table order
	anyID []*Route           // routes with no event id list
}

// Default returns the built-in table (Windows event logs and Sysmon). The
// table is parsed once and shared; it is immutable.
func Default() *Table { return defaultTable() }

var defaultTable = sync.OnceValue(func() *Table {
	t, err := Parse(defaultYAML)
	if err != nil {
		panic(fmt.Sprintf("logsource: bad embedded logsources.yml: %v", err))
	}
	return t
})

// Parse reads a routing table in the format of logsources.yml.
func Parse(data []byte) (*Table, error) {
	t := &Table{}
	if err := yaml.Unmarshal(data, t); err != nil {
		return nil, fmt.Errorf("parse logsource table: %w", err)
	}
	t.byChannel = map[string]*channelRoutes{}
	for i, r := range t.Routes {
		r.Index = i
		r.aliasIDs = map[int32]event.Name{}
		for k, v := range r.Aliases {
			r.aliasIDs[event.NewName(k).ID] = event.NewName(v)
		}
		for _, k := range sortedKeys(r.Where) {
			r.whereFields = append(r.whereFields, whereField{event.NewName(k), r.Where[k]})
		}
		if len(r.Channel) == 0 {
			return nil, fmt.Errorf("route %d (%s/%s/%s): channel is required", i, r.Product, r.Category, r.Service)
		}
		for _, c := range r.Channel {
			k := strings.ToLower(c)
			cr := t.byChannel[k]
			if cr == nil {
				cr = &channelRoutes{byID: map[int64][]*Route{}}
				t.byChannel[k] = cr
			}
			if len(r.EventID) == 0 {
				cr.anyID = append(cr.anyID, r)
			}
			for _, id := range r.EventID {
				cr.byID[id] = append(cr.byID[id], r)
			}
		}
	}
	return t, nil
}

// For returns the routes a rule's logsource selects: those whose product,
// category and service equal the rule's, for each the rule sets. When there
// are none, reason explains why (from the unsupported list, or generic).
func (t *Table) For(ls rule.Logsource) (routes []*Route, reason string) {
	for _, r := range t.Routes {
		if (ls.Product == "" || ls.Product == r.Product) &&
			(ls.Category == "" || ls.Category == r.Category) &&
			(ls.Service == "" || ls.Service == r.Service) {
			routes = append(routes, r)
		}
	}
	if len(routes) > 0 {
		return routes, ""
	}
	for _, u := range t.Unsupported {
		if (u.Product == "" || u.Product == ls.Product) && (u.Category == "" || u.Category == ls.Category) &&
			(u.Service == "" || u.Service == ls.Service) {
			return nil, u.Reason
		}
	}
	return nil, fmt.Sprintf("no route for logsource product=%q category=%q service=%q", ls.Product, ls.Category, ls.Service)
}

// Cache remembers the last channel looked up by [Table.MatchCached];
// consecutive events usually share it. The zero value is ready to use.
type Cache struct {
	channel string
	routes  *channelRoutes
	table   *Table
}

// MatchCached is [Table.Match] with a per-caller cache; c must not be
// shared between goroutines.
func (t *Table) MatchCached(ev event.Event, dst []*Route, c *Cache) []*Route {
	ch, ok := event.Get(ev, channelName)
	if !ok {
		return dst
	}
	chs, ok := ch.(string)
	if !ok {
		return dst
	}
	if c.table != t || c.channel != chs {
		cr := t.byChannel[chs]
		if cr == nil {
			cr = t.byChannel[strings.ToLower(chs)]
		}
		c.table, c.channel, c.routes = t, chs, cr
	}
	return t.matchRoutes(ev, c.routes, dst)
}

// Match appends to dst the routes ev belongs to, judged by its Channel,
// EventID and any "where" fields: first the routes listing the event id, then
// the channel-wide ones, each in table order.
func (t *Table) Match(ev event.Event, dst []*Route) []*Route {
	ch, ok := event.Get(ev, channelName)
	if !ok {
		return dst
	}
	chs, ok := ch.(string)
	if !ok {
		return dst
	}
	cr := t.byChannel[chs]
	if cr == nil {
		cr = t.byChannel[strings.ToLower(chs)]
	}
	return t.matchRoutes(ev, cr, dst)
}

func (t *Table) matchRoutes(ev event.Event, cr *channelRoutes, dst []*Route) []*Route {
	if cr == nil {
		return dst
	}
	if v, ok := event.Get(ev, eventIDName); ok {
		if id, ok := toInt(v); ok {
			for _, r := range cr.byID[id] {
				if r.where(ev) {
					dst = append(dst, r)
				}
			}
		}
	}
	for _, r := range cr.anyID {
		if r.where(ev) {
			dst = append(dst, r)
		}
	}
	return dst
}

func (r *Route) where(ev event.Event) bool {
	for _, w := range r.whereFields {
		want := w.want
		v, ok := event.Get(ev, w.name)
		if !ok {
			return false
		}
		s, ok := v.(string)
		if !ok {
			s = fmt.Sprint(v)
		}
		found := false
		for _, w := range want {
			if strings.EqualFold(s, w) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func toInt(v any) (int64, bool) {
	switch v := v.(type) {
	case int64:
		return v, true
	case int:
		return int64(v), true
	case float64:
		return int64(v), v == float64(int64(v))
	case string:
		n, err := strconv.ParseInt(v, 10, 64)
		return n, err == nil
	case json.Number:
		n, err := strconv.ParseInt(string(v), 10, 64)
		return n, err == nil
	case interface{ String() string }:
		n, err := strconv.ParseInt(v.String(), 10, 64)
		return n, err == nil
	}
	return 0, false
}

func sortedKeys(m map[string][]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
