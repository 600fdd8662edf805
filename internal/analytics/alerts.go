package analytics

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/vigilsec/vigil/internal/kql/eval"
	"github.com/vigilsec/vigil/internal/state"
)

// Caps on what one alert carries.
const (
	MaxEvidenceRows     = 100 // result rows kept as an alert's evidence
	MaxEntitiesPerAlert = 100
	MaxDetailValues     = 50 // values kept per custom detail
)

// Results are the rows one evaluation of a rule produced.
type Results struct {
	Columns []string
	Rows    [][]any
}

// Evaluation describes one evaluation of a rule: which rule and version, what it covered, and what its alerts' ids
// derive from.
type Evaluation struct {
	Rule    *Rule
	Version int
	Source  string // scheduled or nrt
	// Key makes alert ids unique per evaluation and stable across re-runs: the window end of a scheduled run, the
	// batch id of an NRT evaluation.
	Key         string
	WindowStart time.Time // zero for NRT
	WindowEnd   time.Time
	DetectedAt  time.Time
	// Table names the table the rows came from when there is one (NRT).
	Table string
	// Tables are the tables the rule's query read (scheduled); the alerts keep them as their source tables.
	Tables []string
}

// BuildAlerts turns results into alerts as the rule's alert settings say: one alert for all rows (SingleAlert, the
// default) or one per row (AlertPerResult, at most [MaxAlertsPerResult]); entities from the entity mappings, custom
// details, the alert details override, the rule's grouping, and the evidence rows.
func BuildAlerts(ev Evaluation, res Results) []state.Alert {
	if len(res.Rows) == 0 {
		return nil
	}
	perResult := ev.Rule.EventGroupingSettings != nil && ev.Rule.EventGroupingSettings.AggregationKind == "AlertPerResult"
	if !perResult {
		return []state.Alert{buildAlert(ev, res.Columns, res.Rows, "")}
	}
	var out []state.Alert
	seen := map[string]bool{}
	for _, row := range res.Rows {
		h := rowHash(row)
		if seen[h] {
			continue
		}
		seen[h] = true
		out = append(out, buildAlert(ev, res.Columns, [][]any{row}, h))
		if len(out) == MaxAlertsPerResult {
			break
		}
	}
	return out
}

func rowHash(row []any) string {
	b, _ := json.Marshal(row)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:8])
}

func buildAlert(ev Evaluation, cols []string, rows [][]any, rowKey string) state.Alert {
	r := ev.Rule
	idx := make(map[string]int, len(cols))
	for i, c := range cols {
		idx[c] = i
	}
	// get reads a detail column; one a union split by type is read from its first non-empty part.
	resolved := map[string][]int{}
	get := func(row []any, col string) (any, bool) {
		at, ok := resolved[col]
		if !ok {
			at = detailColumns(idx, col)
			resolved[col] = at
		}
		if len(at) == 0 {
			return nil, false
		}
		for _, i := range at {
			if i < len(row) && row[i] != nil && (len(at) == 1 || eval.ToString(row[i]) != "") {
				return row[i], true
			}
		}
		return nil, true
	}
	h := sha256.Sum256([]byte(ev.Source + "\x00" + r.ID + "\x00" + ev.Key + "\x00" + rowKey))
	a := state.Alert{
		ID: hex.EncodeToString(h[:16]), Source: ev.Source, RuleID: r.ID, RuleTitle: r.Name, RuleVersion: ev.Version,
		Severity: r.Severity, Status: "New", Description: r.Description, Tactics: nonNil(r.Tactics),
		Techniques: nonNil(r.RelevantTechniques), Entities: []state.Entity{}, MatchedFields: []state.MatchedField{},
		EventTable: ev.Table, DetectedAt: ev.DetectedAt, Grouping: grouping(r), SourceTables: ev.Tables,
	}
	if !ev.WindowStart.IsZero() {
		ws, we := ev.WindowStart, ev.WindowEnd
		a.WindowStart, a.WindowEnd = &ws, &we
	}
	// Entities: each mapping on each row gives at most one entity; duplicates collapse.
	seen := map[string]bool{}
	for _, row := range rows {
		for _, m := range r.EntityMappings {
			ids := map[string]string{}
			for _, f := range m.FieldMappings {
				if v, ok := get(row, f.ColumnName); ok && v != nil {
					ids[f.Identifier] = eval.ToString(v)
				}
			}
			e, ok := state.NewEntity(m.EntityType, ids)
			if !ok {
				continue
			}
			k := e.Type + "\x00" + strings.ToLower(e.Value)
			if seen[k] || len(a.Entities) >= MaxEntitiesPerAlert {
				continue
			}
			seen[k] = true
			a.Entities = append(a.Entities, e)
		}
	}
	// Custom details: each name collects the distinct values of its column over the rows.
	if len(r.CustomDetails) > 0 {
		a.CustomDetails = map[string][]string{}
		for name, col := range r.CustomDetails {
			vals := []string{}
			dup := map[string]bool{}
			for _, row := range rows {
				v, ok := get(row, col)
				if !ok || v == nil {
					continue
				}
				s := eval.ToString(v)
				if s == "" || dup[s] || len(vals) >= MaxDetailValues {
					continue
				}
				dup[s] = true
				vals = append(vals, s)
			}
			a.CustomDetails[name] = vals
		}
	}
	first := rows[0]
	if o := r.AlertDetailsOverride; o != nil {
		format := func(f string) string {
			return placeholderRE.ReplaceAllStringFunc(f, func(m string) string {
				col := placeholderRE.FindStringSubmatch(m)[1]
				v, _ := get(first, col)
				return eval.ToString(v)
			})
		}
		if o.AlertDisplayNameFormat != "" {
			if t := strings.TrimSpace(format(o.AlertDisplayNameFormat)); t != "" {
				a.RuleTitle = truncate(t, 256)
			}
		}
		if o.AlertDescriptionFormat != "" {
			a.Description = truncate(format(o.AlertDescriptionFormat), 5000)
		}
		if o.AlertSeverityColumnName != "" {
			if v, ok := get(first, o.AlertSeverityColumnName); ok {
				if s := severityOf(eval.ToString(v)); s != "" {
					a.Severity = s
				}
			}
		}
		if o.AlertTacticsColumnName != "" {
			if v, ok := get(first, o.AlertTacticsColumnName); ok && v != nil {
				if ts := tacticsOf(v); len(ts) > 0 {
					a.Tactics = ts
				}
			}
		}
	}
	// Evidence rows, and the event time: the earliest time column among them (else the window end).
	n := min(len(rows), MaxEvidenceRows)
	a.Evidence = make([]map[string]any, 0, n)
	for _, row := range rows[:n] {
		m := make(map[string]any, len(cols))
		for i, c := range cols {
			if i < len(row) && row[i] != nil {
				m[c] = row[i]
			}
		}
		a.Evidence = append(a.Evidence, m)
		for _, tc := range []string{"TimeGenerated", "Timestamp", "StartTime", "FirstSeen", "StartTimeUtc"} {
			if t, ok := m[tc].(time.Time); ok {
				if a.EventTime.IsZero() || t.Before(a.EventTime) {
					a.EventTime = t.UTC()
				}
				break
			}
		}
	}
	if a.EventTime.IsZero() {
		a.EventTime = ev.WindowEnd
	}
	if len(rows) == 1 && ev.Table != "" {
		a.Event = a.Evidence[0]
	}
	return a
}

func severityOf(s string) string {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "informational":
		return "Informational"
	case "low":
		return "Low"
	case "medium":
		return "Medium"
	case "high":
		return "High"
	}
	return ""
}

func tacticsOf(v any) []string {
	var parts []string
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			parts = append(parts, eval.ToString(e))
		}
	case string:
		parts = strings.FieldsFunc(x, func(r rune) bool { return r == ',' || r == ';' || r == ' ' })
	default:
		parts = []string{eval.ToString(x)}
	}
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !isRuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// SuppressionKey identifies what an alert is about for suppression: its sorted entity types and values.
func SuppressionKey(a state.Alert) string {
	keys := make([]string, 0, len(a.Entities))
	for _, e := range a.Entities {
		keys = append(keys, e.Type+"="+strings.ToLower(e.Value))
	}
	sort.Strings(keys)
	h := sha256.Sum256([]byte(strings.Join(keys, "\x00")))
	return hex.EncodeToString(h[:16])
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// describe names a rule for logs and errors.
func describe(r *Rule) string { return fmt.Sprintf("%s (%s)", r.Name, r.ID) }
