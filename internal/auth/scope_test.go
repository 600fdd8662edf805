package auth_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/auth"
	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/state"
)

func TestTableGroupOfEveryTable(t *testing.T) {
	cat := schema.NewCatalog()
	for name, want := range map[string]string{
		"DeviceProcessEvents": "defender", "IdentityLogonEvents": "defender", "SigninLogs": "sentinel", "Syslog": "sentinel",
		// The tables Vigil writes from other tables' rows are in its own group, whatever schema they follow.
		"SecurityAlert": "vigil", "AlertInfo": "vigil", "AlertEvidence": "vigil", "SecurityIncident": "vigil",
		"VigilAudit": "vigil", "VigilIngestErrors": "vigil",
	} {
		tab, ok := cat.Table(name)
		require.True(t, ok, name)
		require.Equal(t, want, auth.TableGroup(tab), name)
	}
	require.Equal(t, []string{"custom", "defender", "sentinel", "vigil"}, auth.TableGroups(cat))
}

func TestScopeTables(t *testing.T) {
	cat := schema.NewCatalog()
	dev, _ := cat.Table("DeviceProcessEvents")
	sys, _ := cat.Table("Syslog")
	open := auth.ScopeOf(&auth.Principal{Role: "reader"}, cat)
	require.False(t, open.Limited())
	require.Nil(t, open.Allow(), "no filter for an unlimited scope")
	require.True(t, open.Table(dev))
	require.True(t, open.TableNamed("Anything_CL"), "unlimited reads even tables the catalogue does not know")
	require.True(t, auth.ScopeOf(nil, cat).Table(dev))

	sc := auth.ScopeOf(&auth.Principal{Role: "custom", TableGroups: []string{"sentinel"}}, cat)
	require.True(t, sc.Limited())
	require.True(t, sc.Table(sys))
	require.False(t, sc.Table(dev))
	require.False(t, sc.Table(nil))
	require.True(t, sc.TableNamed("Syslog"))
	require.False(t, sc.TableNamed("SecurityAlert"))
	require.False(t, sc.TableNamed("Nope_CL"), "an unknown table is not readable by a limited scope")
	require.True(t, sc.Allow()(sys))
	require.False(t, sc.Allow()(dev))
}

func endpointAlert() state.Alert {
	return state.Alert{ID: "a1", Source: "nrt", RuleID: "r1", RuleTitle: "Canary on ws-1", Description: "ran x",
		EventTable: "DeviceProcessEvents", Event: map[string]any{"DeviceName": "ws-1"},
		Evidence: []map[string]any{{"DeviceName": "ws-1"}}, Entities: []state.Entity{{Type: "Host", Value: "ws-1"}},
		MatchedFields: []state.MatchedField{{Field: "DeviceName", Value: "ws-1"}}, CustomDetails: map[string][]string{"h": {"ws-1"}}}
}

func TestScopeAlert(t *testing.T) {
	cat := schema.NewCatalog()
	names := func(id string) (string, bool) { return map[string]string{"r1": "Endpoint canary"}[id], id == "r1" }
	sentinel := auth.ScopeOf(&auth.Principal{TableGroups: []string{"sentinel"}}, cat)
	defender := auth.ScopeOf(&auth.Principal{TableGroups: []string{"defender"}}, cat)

	a := endpointAlert()
	require.Nil(t, defender.Alert(&a, names))
	require.Equal(t, endpointAlert(), a, "an alert the scope reads is untouched")
	require.Nil(t, auth.ScopeOf(nil, cat).Alert(&a, names))

	w := sentinel.Alert(&a, names)
	require.Equal(t, &auth.Withheld{Reason: "the content was drawn from tables outside the table groups of your role",
		Groups: []string{"defender"}, EvidenceRows: 1, Entities: 1}, w)
	require.Equal(t, "Endpoint canary", a.RuleTitle, "the rule's name replaces the title formatted from a row")
	require.Empty(t, a.Description)
	require.Nil(t, a.Event)
	require.Nil(t, a.Evidence)
	require.Nil(t, a.CustomDetails)
	require.Empty(t, a.Entities)
	require.Empty(t, a.MatchedFields)
	require.Equal(t, "a1", a.ID, "the record stays")

	// Every source table must be readable.
	mixed := endpointAlert()
	mixed.EventTable, mixed.SourceTables = "", []string{"Syslog", "DeviceProcessEvents"}
	require.NotNil(t, sentinel.Alert(&mixed, names))
	both := auth.ScopeOf(&auth.Principal{TableGroups: []string{"sentinel", "defender"}}, cat)
	mixed = endpointAlert()
	mixed.EventTable, mixed.SourceTables = "", []string{"Syslog", "DeviceProcessEvents"}
	require.Nil(t, both.Alert(&mixed, names))

	// Unknown sources fail closed; titles fall back by source.
	for src, title := range map[string]string{"sigma": "Canary on ws-1", "scheduled": "Analytics rule gone",
		"external": "Alert from another product", "other": "Alert of other rule gone"} {
		u := endpointAlert()
		u.EventTable, u.Source, u.RuleID = "", src, "gone"
		w := both.Alert(&u, names)
		require.NotNil(t, w, src)
		require.Contains(t, w.Reason, "not recorded")
		require.Empty(t, w.Groups)
		require.Equal(t, title, u.RuleTitle, src)
	}
}

func TestScopeIncident(t *testing.T) {
	cat := schema.NewCatalog()
	sentinel := auth.ScopeOf(&auth.Principal{TableGroups: []string{"sentinel"}}, cat)
	seen := state.Alert{ID: "a2", Source: "sigma", RuleTitle: "Syslog thing", EventTable: "Syslog",
		Event: map[string]any{"HostName": "srv"}, Entities: []state.Entity{{Type: "Host", Value: "srv"}, {Type: "Host", Value: "ws-1"}}}
	d := state.IncidentDetail{
		Incident: state.Incident{ID: "i1", Title: "Canary on ws-1", Description: "ran x"},
		Alerts:   []state.Alert{endpointAlert(), seen},
		Entities: []state.IncidentEntity{{Type: "Host", Value: "ws-1", Alerts: 2}, {Type: "Host", Value: "srv", Alerts: 1}},
		Evidence: []map[string]any{{"alertId": "a1", "row": map[string]any{"DeviceName": "ws-1"}}, {"alertId": "a2", "row": map[string]any{"HostName": "srv"}}},
		Timeline: []state.TimelineEntry{{Action: "created", AlertID: "a1", Detail: "shares host ws-1"},
			{Action: "alert_added", AlertID: "a2", After: "Syslog thing", Detail: "shares host ws-1 with alert a1"},
			{Action: "update", Field: "title", Before: "Canary on ws-1", After: "Case"}},
	}
	w := sentinel.Incident(&d, nil)
	require.Equal(t, &auth.Withheld{Reason: "the content was drawn from tables outside the table groups of your role",
		Groups: []string{"defender"}, Alerts: 1, EvidenceRows: 1, Entities: 0}, w)
	require.Equal(t, "Analytics rule r1", d.Title, "the title copied from the withheld alert is replaced")
	require.Empty(t, d.Description)
	require.Equal(t, []map[string]any{{"alertId": "a2", "row": map[string]any{"HostName": "srv"}}}, d.Evidence)
	require.Equal(t, []state.IncidentEntity{{Type: "Host", Value: "srv", Alerts: 1}, {Type: "Host", Value: "ws-1", Alerts: 1}}, d.Entities,
		"entities are counted over the alerts left whole")
	require.Contains(t, d.Timeline[0].Detail, "withheld")
	require.Equal(t, "Analytics rule r1", d.Timeline[2].Before)
	require.Equal(t, "Syslog thing", d.Alerts[1].RuleTitle)

	// An analyst's own title stays; an incident of readable alerts is untouched.
	d2 := state.IncidentDetail{Incident: state.Incident{Title: "Case 7"}, Alerts: []state.Alert{endpointAlert()}}
	require.NotNil(t, sentinel.Incident(&d2, nil))
	require.Equal(t, "Case 7", d2.Title)
	d3 := state.IncidentDetail{Incident: state.Incident{Title: "Syslog thing"}, Alerts: []state.Alert{seen}}
	require.Nil(t, sentinel.Incident(&d3, nil))
}

func TestScopeCovers(t *testing.T) {
	cat := schema.NewCatalog()
	require.True(t, auth.ScopeOf(nil, cat).Covers(nil), "an unlimited caller grants anything")
	require.True(t, auth.ScopeOf(nil, cat).Covers([]string{"defender"}))
	sc := auth.ScopeOf(&auth.Principal{TableGroups: []string{"sentinel", "custom"}}, cat)
	require.False(t, sc.Covers(nil), "no groups reads every table")
	require.True(t, sc.Covers([]string{"sentinel"}))
	require.True(t, sc.Covers([]string{"custom", "sentinel"}))
	require.False(t, sc.Covers([]string{"sentinel", "vigil"}))
}

// BenchmarkScopeIncident costs applying a limited scope to an incident of 50 alerts (half of them withheld), as
// GET /api/v1/incidents/{id} and each row of the incident list do for a role with table groups.
func BenchmarkScopeIncident(b *testing.B) {
	cat := schema.NewCatalog()
	sc := auth.ScopeOf(&auth.Principal{TableGroups: []string{"sentinel"}}, cat)
	mk := func() state.IncidentDetail {
		d := state.IncidentDetail{Incident: state.Incident{Title: "Canary on ws-1"}}
		for i := 0; i < 50; i++ {
			a := endpointAlert()
			if i%2 == 1 {
				a.EventTable = "Syslog"
			}
			d.Alerts = append(d.Alerts, a)
			d.Evidence = append(d.Evidence, map[string]any{"alertId": a.ID})
			d.Timeline = append(d.Timeline, state.TimelineEntry{AlertID: a.ID, Detail: "x"})
		}
		return d
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		d := mk()
		b.StartTimer()
		sc.Incident(&d, nil)
	}
}
