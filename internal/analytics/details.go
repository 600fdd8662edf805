package analytics

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/vigilsec/vigil/internal/state"
)

// EntityMapping maps query columns to the identifiers of one entity (Sentinel's entityMappings item).
type EntityMapping struct {
	EntityType    string         `yaml:"entityType" json:"entityType"`
	FieldMappings []FieldMapping `yaml:"fieldMappings" json:"fieldMappings"`
}

// FieldMapping maps one column to one identifier of an entity.
type FieldMapping struct {
	Identifier string `yaml:"identifier" json:"identifier"`
	ColumnName string `yaml:"columnName" json:"columnName"`
}

// AlertDetailsOverride lets a rule take its alerts' title, description, severity and tactics from the results.
// The formats hold {{Column}} placeholders.
type AlertDetailsOverride struct {
	AlertDisplayNameFormat  string `yaml:"alertDisplayNameFormat" json:"alertDisplayNameFormat,omitempty"`
	AlertDescriptionFormat  string `yaml:"alertDescriptionFormat" json:"alertDescriptionFormat,omitempty"`
	AlertSeverityColumnName string `yaml:"alertSeverityColumnName" json:"alertSeverityColumnName,omitempty"`
	AlertTacticsColumnName  string `yaml:"alertTacticsColumnName" json:"alertTacticsColumnName,omitempty"`
}

// EventGroupingSettings says how results become alerts: SingleAlert (one alert per run, the default) or
// AlertPerResult (one alert per result row, at most 150 per run as in Sentinel).
type EventGroupingSettings struct {
	AggregationKind string `yaml:"aggregationKind" json:"aggregationKind"`
}

// IncidentConfiguration is how the rule's alerts become incidents.
type IncidentConfiguration struct {
	CreateIncident        *bool                  `yaml:"createIncident" json:"createIncident,omitempty"`
	GroupingConfiguration *GroupingConfiguration `yaml:"groupingConfiguration" json:"groupingConfiguration,omitempty"`
}

// GroupingConfiguration is Sentinel's alert grouping of a rule.
type GroupingConfiguration struct {
	Enabled              bool     `yaml:"enabled" json:"enabled"`
	ReopenClosedIncident bool     `yaml:"reopenClosedIncident" json:"reopenClosedIncident,omitempty"`
	LookbackDuration     string   `yaml:"lookbackDuration" json:"lookbackDuration,omitempty"`
	MatchingMethod       string   `yaml:"matchingMethod" json:"matchingMethod,omitempty"`
	GroupByEntities      []string `yaml:"groupByEntities" json:"groupByEntities,omitempty"`
	GroupByAlertDetails  []string `yaml:"groupByAlertDetails" json:"groupByAlertDetails,omitempty"`
	GroupByCustomDetails []string `yaml:"groupByCustomDetails" json:"groupByCustomDetails,omitempty"`
}

// Limits on a rule's alert details (Sentinel's).
const (
	MaxEntityMappings  = 10
	MaxIdentifiers     = 3
	MaxCustomDetails   = 20
	MaxAlertsPerResult = 150
)

// More refusal codes.
const (
	ReasonBadMapping  = "bad_mapping"
	ReasonBadDetails  = "bad_details"
	ReasonBadGrouping = "bad_grouping"
)

var (
	placeholderRE = regexp.MustCompile(`\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}`)
	detailKeyRE   = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,19}$`)
)

// validateDetails checks and normalises the entity mappings, custom details, alert details override, event
// grouping and incident configuration of r (not yet against the query's columns).
func validateDetails(r *Rule) *Refusal {
	ref := func(reason, format string, args ...any) *Refusal {
		return &Refusal{Source: r.Source, ID: r.ID, Name: r.Name, Reason: reason, Detail: fmt.Sprintf(format, args...)}
	}
	if len(r.EntityMappings) > MaxEntityMappings {
		return ref(ReasonBadMapping, "%d entity mappings: at most %d", len(r.EntityMappings), MaxEntityMappings)
	}
	for i := range r.EntityMappings {
		m := &r.EntityMappings[i]
		typ, ok := state.CanonicalEntityType(m.EntityType)
		if !ok {
			return ref(ReasonBadMapping, "entityMappings[%d]: unknown entity type %q (known: %s)", i, m.EntityType, strings.Join(entityTypes(), ", "))
		}
		m.EntityType = typ
		if len(m.FieldMappings) == 0 || len(m.FieldMappings) > MaxIdentifiers {
			return ref(ReasonBadMapping, "entityMappings[%d] (%s): %d field mappings: need 1 to %d", i, typ, len(m.FieldMappings), MaxIdentifiers)
		}
		for j := range m.FieldMappings {
			f := &m.FieldMappings[j]
			id, ok := state.CanonicalIdentifier(typ, f.Identifier)
			if !ok {
				return ref(ReasonBadMapping, "entityMappings[%d] (%s): unknown identifier %q (known: %s)", i, typ, f.Identifier, strings.Join(state.EntityIdentifiers[typ], ", "))
			}
			f.Identifier = id
			if strings.TrimSpace(f.ColumnName) == "" {
				return ref(ReasonBadMapping, "entityMappings[%d] (%s) %s: columnName is required", i, typ, id)
			}
		}
	}
	if len(r.CustomDetails) > MaxCustomDetails {
		return ref(ReasonBadDetails, "%d custom details: at most %d", len(r.CustomDetails), MaxCustomDetails)
	}
	for k, col := range r.CustomDetails {
		if !detailKeyRE.MatchString(k) {
			return ref(ReasonBadDetails, "customDetails key %q: letters, digits and _ only, starting with a letter, at most 20", k)
		}
		if strings.TrimSpace(col) == "" {
			return ref(ReasonBadDetails, "customDetails %s: column is required", k)
		}
	}
	if o := r.AlertDetailsOverride; o != nil {
		if len(o.AlertDisplayNameFormat) > 256 {
			return ref(ReasonBadDetails, "alertDisplayNameFormat: longer than 256 characters")
		}
		if len(o.AlertDescriptionFormat) > 5000 {
			return ref(ReasonBadDetails, "alertDescriptionFormat: longer than 5000 characters")
		}
	}
	if g := r.EventGroupingSettings; g != nil {
		switch strings.ToLower(g.AggregationKind) {
		case "", "singlealert":
			g.AggregationKind = "SingleAlert"
		case "alertperresult":
			g.AggregationKind = "AlertPerResult"
		default:
			return ref(ReasonBadGrouping, "eventGroupingSettings.aggregationKind %q is not SingleAlert or AlertPerResult", g.AggregationKind)
		}
	}
	if ic := r.IncidentConfiguration; ic != nil && ic.GroupingConfiguration != nil {
		g := ic.GroupingConfiguration
		switch strings.ToLower(g.MatchingMethod) {
		case "", "allentities":
			g.MatchingMethod = "AllEntities"
		case "anyalert":
			g.MatchingMethod = "AnyAlert"
		case "selected":
			g.MatchingMethod = "Selected"
		default:
			return ref(ReasonBadGrouping, "groupingConfiguration.matchingMethod %q is not AllEntities, AnyAlert or Selected", g.MatchingMethod)
		}
		if g.LookbackDuration != "" {
			d, err := ParseDuration(g.LookbackDuration)
			if err != nil {
				return ref(ReasonBadGrouping, "groupingConfiguration.lookbackDuration: %v", err)
			}
			if d < 5*time.Minute || d > 7*24*time.Hour {
				return ref(ReasonBadGrouping, "groupingConfiguration.lookbackDuration %s: need 5m to 7d", g.LookbackDuration)
			}
		}
		for i, e := range g.GroupByEntities {
			typ, ok := state.CanonicalEntityType(e)
			if !ok {
				return ref(ReasonBadGrouping, "groupingConfiguration.groupByEntities: unknown entity type %q", e)
			}
			g.GroupByEntities[i] = typ
		}
		for i, d := range g.GroupByAlertDetails {
			switch strings.ToLower(d) {
			case "displayname":
				g.GroupByAlertDetails[i] = "DisplayName"
			case "severity":
				g.GroupByAlertDetails[i] = "Severity"
			default:
				return ref(ReasonBadGrouping, "groupingConfiguration.groupByAlertDetails: %q is not DisplayName or Severity", d)
			}
		}
		for _, d := range g.GroupByCustomDetails {
			if _, ok := r.CustomDetails[d]; !ok {
				return ref(ReasonBadGrouping, "groupingConfiguration.groupByCustomDetails: %q is not a custom detail of the rule", d)
			}
		}
	}
	return nil
}

func entityTypes() []string {
	out := make([]string, 0, len(state.EntityIdentifiers))
	for t := range state.EntityIdentifiers {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// unionSplitTypes are the suffixes a union gives a column whose branches disagree on its type (Name_string,
// Name_dynamic, ...: Kusto's documented outer-union behaviour), in the order alert details read them.
var unionSplitTypes = []string{"string", "dynamic", "long", "int", "real", "decimal", "bool", "datetime", "timespan", "guid"}

// detailColumns returns where a column named by the rule's alert details is read from in a result with the given
// column indexes: the column itself, else the columns a union split it into by type. Sentinel loses such a
// mapping when every branch of a fuzzy union resolves; Vigil reads the first non-empty of the split columns, so
// IoC rules that union tables of different column types keep their entities.
func detailColumns(idx map[string]int, name string) []int {
	if i, ok := idx[name]; ok {
		return []int{i}
	}
	var out []int
	for _, t := range unionSplitTypes {
		if i, ok := idx[name+"_"+t]; ok {
			out = append(out, i)
		}
	}
	return out
}

// referencedColumns lists the result columns the rule's alert details read, each with where it is read.
func referencedColumns(r *Rule) [][2]string {
	var out [][2]string
	for i, m := range r.EntityMappings {
		for _, f := range m.FieldMappings {
			out = append(out, [2]string{f.ColumnName, fmt.Sprintf("entityMappings[%d] (%s %s)", i, m.EntityType, f.Identifier)})
		}
	}
	keys := make([]string, 0, len(r.CustomDetails))
	for k := range r.CustomDetails {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		out = append(out, [2]string{r.CustomDetails[k], "customDetails." + k})
	}
	if o := r.AlertDetailsOverride; o != nil {
		for _, m := range placeholderRE.FindAllStringSubmatch(o.AlertDisplayNameFormat, -1) {
			out = append(out, [2]string{m[1], "alertDisplayNameFormat"})
		}
		for _, m := range placeholderRE.FindAllStringSubmatch(o.AlertDescriptionFormat, -1) {
			out = append(out, [2]string{m[1], "alertDescriptionFormat"})
		}
		if o.AlertSeverityColumnName != "" {
			out = append(out, [2]string{o.AlertSeverityColumnName, "alertSeverityColumnName"})
		}
		if o.AlertTacticsColumnName != "" {
			out = append(out, [2]string{o.AlertTacticsColumnName, "alertTacticsColumnName"})
		}
	}
	return out
}

// grouping converts the rule's incident configuration to the alert's.
func grouping(r *Rule) *state.Grouping {
	ic := r.IncidentConfiguration
	if ic == nil {
		return nil
	}
	g := &state.Grouping{CreateIncident: ic.CreateIncident == nil || *ic.CreateIncident}
	if gc := ic.GroupingConfiguration; gc != nil {
		g.Enabled, g.ReopenClosed, g.Method = gc.Enabled, gc.ReopenClosedIncident, gc.MatchingMethod
		if d, err := ParseDuration(gc.LookbackDuration); err == nil {
			g.Lookback = d
		}
		g.EntityTypes, g.AlertDetails, g.CustomDetails = gc.GroupByEntities, gc.GroupByAlertDetails, gc.GroupByCustomDetails
	}
	return g
}
