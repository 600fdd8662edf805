package incident_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/incident"
	"github.com/vigilsec/vigil/internal/state"
)

var g0 = time.Date(2026, 4, 1, 8, 0, 0, 0, time.UTC)

type spec struct {
	id, rule, sev string
	at            time.Duration
	ents          []string
	custom        map[string][]string
}

func mkAlert(s spec, g *state.Grouping) state.Alert {
	a := state.Alert{ID: s.id, Source: "scheduled", RuleID: s.rule, RuleTitle: "Rule " + s.rule, Severity: s.sev,
		Status: "New", Tactics: []string{}, Techniques: []string{}, MatchedFields: []state.MatchedField{},
		EventTime: g0.Add(s.at), DetectedAt: g0.Add(s.at + time.Minute), Grouping: g, CustomDetails: s.custom}
	if a.Severity == "" {
		a.Severity = "Medium"
	}
	for i := 0; i+1 < len(s.ents); i += 2 {
		a.Entities = append(a.Entities, state.Entity{Type: s.ents[i], Value: s.ents[i+1]})
	}
	return a
}

// run records the alerts one at a time, correlating after each, and returns each alert's incident (by alert id)
// and the decision reasons.
func run(t *testing.T, cfg incident.Config, alerts []state.Alert, between func(i int, db incident.Store)) (map[string]string, map[string]string) {
	t.Helper()
	ctx := context.Background()
	db := openDB(t)
	c := incident.NewCorrelator(db, cfg, quiet)
	inc, why := map[string]string{}, map[string]string{}
	for i, a := range alerts {
		if between != nil {
			between(i, db)
		}
		_, err := db.AddAlerts(ctx, []state.Alert{a})
		require.NoError(t, err)
		_, err = c.Drain(ctx)
		require.NoError(t, err)
	}
	for _, a := range alerts {
		got, err := db.Alert(ctx, a.ID)
		require.NoError(t, err)
		inc[a.ID] = got.IncidentID
		if got.IncidentID != "" {
			d, err := db.Incident(ctx, got.IncidentID)
			require.NoError(t, err)
			for _, e := range d.Timeline {
				if e.AlertID == a.ID && e.Action == "alert_added" {
					why[a.ID] = e.Detail
				}
			}
		}
	}
	return inc, why
}

func TestRuleGrouping(t *testing.T) {
	cfg := incident.DefaultConfig()
	t.Run("disabled: every alert its own incident", func(t *testing.T) {
		g := &state.Grouping{CreateIncident: true, Enabled: false}
		inc, why := run(t, cfg, []state.Alert{
			mkAlert(spec{id: "a", rule: "r", ents: []string{"host", "ws-1"}}, g),
			mkAlert(spec{id: "b", rule: "r", at: time.Minute, ents: []string{"host", "ws-1"}}, g),
		}, nil)
		require.NotEqual(t, inc["a"], inc["b"])
		require.Contains(t, why["b"], "does not group alerts")
	})
	t.Run("no incident unless one matches", func(t *testing.T) {
		g := &state.Grouping{CreateIncident: false, Enabled: true, Method: "AllEntities"}
		inc, _ := run(t, cfg, []state.Alert{
			mkAlert(spec{id: "a", rule: "r", ents: []string{"host", "ws-1"}}, g),
			mkAlert(spec{id: "b", rule: "other", at: time.Minute, ents: []string{"host", "ws-2"}}, nil),
			mkAlert(spec{id: "c", rule: "r", at: 2 * time.Minute, ents: []string{"host", "ws-2"}}, g),
		}, nil)
		require.Empty(t, inc["a"])
		require.NotEmpty(t, inc["b"])
		require.Equal(t, inc["b"], inc["c"], "an alert of a rule that creates no incidents still joins a matching one")
	})
	t.Run("AnyAlert within the lookback", func(t *testing.T) {
		g := &state.Grouping{CreateIncident: true, Enabled: true, Method: "AnyAlert", Lookback: time.Hour}
		inc, why := run(t, cfg, []state.Alert{
			mkAlert(spec{id: "a", rule: "r", ents: []string{"host", "ws-1"}}, g),
			mkAlert(spec{id: "b", rule: "r", at: 30 * time.Minute, ents: []string{"host", "ws-2"}}, g),
			mkAlert(spec{id: "c", rule: "r", at: 3 * time.Hour, ents: []string{"host", "ws-3"}}, g),
		}, nil)
		require.Equal(t, inc["a"], inc["b"])
		require.NotEqual(t, inc["a"], inc["c"], "beyond the rule's lookback")
		require.Contains(t, why["b"], `groups its alerts by AnyAlert`)
	})
	t.Run("AllEntities", func(t *testing.T) {
		g := &state.Grouping{CreateIncident: true, Enabled: true, Method: "AllEntities"}
		inc, why := run(t, cfg, []state.Alert{
			mkAlert(spec{id: "a", rule: "r", ents: []string{"host", "ws-1", "account", "alice"}}, g),
			mkAlert(spec{id: "b", rule: "r", at: time.Minute, ents: []string{"host", "WS-1.corp.local", "account", "CORP\\alice"}}, g),
			mkAlert(spec{id: "c", rule: "r", at: 2 * time.Minute, ents: []string{"host", "ws-1", "account", "bob"}}, g),
		}, nil)
		require.Equal(t, inc["a"], inc["b"])
		require.Contains(t, why["b"], "the same entities (account alice, host ws-1)")
		// c differs from a and b in its account, so the rule's grouping does not take it; entity correlation then
		// joins it through the host.
		require.Equal(t, inc["a"], inc["c"])
		require.Contains(t, why["c"], "shares host ws-1")
	})
	t.Run("Selected entities, details and custom details", func(t *testing.T) {
		g := &state.Grouping{CreateIncident: true, Enabled: true, Method: "Selected", EntityTypes: []string{"Account"},
			AlertDetails: []string{"Severity"}, CustomDetails: []string{"Bucket"}}
		inc, why := run(t, cfg, []state.Alert{
			mkAlert(spec{id: "a", rule: "r", sev: "High", ents: []string{"account", "svc-1", "ip", "10.0.0.1"}, custom: map[string][]string{"Bucket": {"b1"}}}, g),
			mkAlert(spec{id: "b", rule: "r", sev: "High", at: time.Minute, ents: []string{"account", "svc-1", "ip", "10.0.0.2"}, custom: map[string][]string{"Bucket": {"b1"}}}, g),
			mkAlert(spec{id: "c", rule: "r", sev: "Low", at: 2 * time.Minute, ents: []string{"account", "svc-1", "ip", "10.0.0.3"}, custom: map[string][]string{"Bucket": {"b1"}}}, g),
			mkAlert(spec{id: "d", rule: "r", sev: "High", at: 3 * time.Minute, ents: []string{"account", "svc-1", "ip", "10.0.0.4"}, custom: map[string][]string{"Bucket": {"b2"}}}, g),
		}, nil)
		require.Equal(t, inc["a"], inc["b"])
		require.Contains(t, why["b"], "the same account svc-1; severity High; Bucket b1")
		require.NotEqual(t, inc["a"], inc["c"], "another severity")
		require.NotEqual(t, inc["a"], inc["d"], "another custom detail value")
	})
	t.Run("reopen closed", func(t *testing.T) {
		for _, reopen := range []bool{false, true} {
			g := &state.Grouping{CreateIncident: true, Enabled: true, Method: "AnyAlert", ReopenClosed: reopen}
			inc, _ := run(t, cfg, []state.Alert{
				mkAlert(spec{id: "a", rule: "r", ents: []string{"host", "ws-1"}}, g),
				mkAlert(spec{id: "b", rule: "r", at: time.Minute, ents: []string{"host", "ws-1"}}, g),
			}, func(i int, db incident.Store) {
				if i != 1 {
					return
				}
				s := db.(state.Incidents)
				p, err := s.ListIncidents(context.Background(), state.IncidentFilter{})
				require.NoError(t, err)
				st, cl := state.IncidentResolved, "FalsePositive"
				reason := "IncorrectAlertLogic"
				_, err = s.UpdateIncident(context.Background(), p.Incidents[0].ID, "x", state.IncidentUpdate{Status: &st, Classification: &cl, ClassificationReason: &reason}, g0)
				require.NoError(t, err)
			})
			require.Equal(t, reopen, inc["a"] == inc["b"], "reopen=%v", reopen)
		}
	})
}

func TestSizeCap(t *testing.T) {
	cfg := incident.DefaultConfig()
	cfg.SizeCap = 3
	var alerts []state.Alert
	for i := 0; i < 7; i++ {
		alerts = append(alerts, mkAlert(spec{id: fmt.Sprint("a", i), rule: fmt.Sprint("r", i), at: time.Duration(i) * time.Minute,
			ents: []string{"host", "ws-1"}}, nil))
	}
	inc, _ := run(t, cfg, alerts, nil)
	count := map[string]int{}
	for _, id := range inc {
		count[id]++
	}
	require.Len(t, count, 3)
	for _, n := range count {
		require.LessOrEqual(t, n, 3)
	}
}

func TestWeakEntitiesJoinOnlyTogether(t *testing.T) {
	cfg := incident.DefaultConfig()
	inc, why := run(t, cfg, []state.Alert{
		mkAlert(spec{id: "a", rule: "r1", ents: []string{"host", "ws-1", "ip", "198.51.100.7", "url", "http://x.example/a"}}, nil),
		mkAlert(spec{id: "b", rule: "r2", at: time.Minute, ents: []string{"host", "ws-2", "ip", "198.51.100.7"}}, nil),
		mkAlert(spec{id: "c", rule: "r3", at: 2 * time.Minute, ents: []string{"host", "ws-3", "ip", "198.51.100.7", "url", "HTTP://X.EXAMPLE/A"}}, nil),
	}, nil)
	require.NotEqual(t, inc["a"], inc["b"], "an IP alone is not enough")
	require.Contains(t, why["b"], "shares only ip 198.51.100.7 with incident #1, weight 0.50 below the threshold 1.00")
	require.Equal(t, inc["a"], inc["c"], "an IP and a URL together are")
}

func TestKey(t *testing.T) {
	for _, c := range []struct {
		typ, value, key string
	}{
		{"Account", `CORP\Alice`, "account:alice"},
		{"user", "alice@corp.example", "account:alice"},
		{"Host", "WS-042.corp.local", "host:ws-042"},
		{"machine", "10.0.0.5", "host:10.0.0.5"},
		{"IP", "::ffff:10.1.2.3", "ip:10.1.2.3"},
		{"FileHash", "ABCDEF", "filehash:abcdef"},
		{"AzureResource", "/subscriptions/x", "cloud:/subscriptions/x"},
		{"Account", "WS-1$", ""},
		{"Account", "SYSTEM", ""},
		{"IP", "127.0.0.1", ""},
		{"IP", "not an ip", ""},
		{"host", " - ", ""},
	} {
		k, ok := incident.Key(state.Entity{Type: c.typ, Value: c.value})
		if c.key == "" {
			require.False(t, ok, "%s %q", c.typ, c.value)
			continue
		}
		require.True(t, ok, "%s %q", c.typ, c.value)
		require.Equal(t, c.key, k.Key)
	}
}

// FuzzKey checks that any entity normalises without panicking, to a key that names its type and is stable.
func FuzzKey(f *testing.F) {
	for _, s := range [][2]string{{"Account", `CORP\alice`}, {"host", "a.b.c"}, {"ip", "fe80::1%eth0"}, {"url", ""}, {"x", "@"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, typ, value string) {
		k, ok := incident.Key(state.Entity{Type: typ, Value: value})
		if !ok {
			return
		}
		require.NotEmpty(t, k.Value)
		require.Equal(t, k.Type+":"+k.Value, k.Key)
		again, ok := incident.Key(state.Entity{Type: k.Type, Value: k.Value})
		require.True(t, ok)
		require.Equal(t, k, again, "a key normalises to itself")
	})
}

func TestScorePairs(t *testing.T) {
	alerts := []state.Alert{{ID: "1", IncidentID: "x"}, {ID: "2", IncidentID: "x"}, {ID: "3", IncidentID: "y"}, {ID: "4"}}
	truth := func(a, b state.Alert) incident.Relation {
		if a.ID == "4" || b.ID == "4" {
			return incident.Unknown
		}
		if a.ID != "2" && b.ID != "2" {
			return incident.Same // 1 and 3 belong together
		}
		return incident.Different
	}
	s := incident.ScorePairs(alerts, truth)
	require.Equal(t, incident.Score{TruePairs: 0, FalsePairs: 1, MissedPairs: 1, Precision: 0, Recall: 0}, s)
	s = incident.ScorePairs(alerts[:1], truth)
	require.Equal(t, 1.0, s.Precision)
	require.Equal(t, 1.0, s.Recall)
}

func TestByLabel(t *testing.T) {
	labels := map[string]string{"1": "attack", "2": "attack", "3": "", "4": ""}
	alerts := []state.Alert{{ID: "1", IncidentID: "x"}, {ID: "2", IncidentID: "y"}, {ID: "3", IncidentID: "x"}, {ID: "4", IncidentID: "x"}}
	s := incident.ScorePairs(alerts, incident.ByLabel(func(a state.Alert) string { return labels[a.ID] }))
	// 1-2 missed; 1-3 and 1-4 wrongly together; 3-4 not scored.
	require.Equal(t, incident.Score{FalsePairs: 2, MissedPairs: 1, Precision: 0, Recall: 0}, s)
}

// An alert that links two open incidents (lateral movement from a compromised workstation to a server) merges them;
// one that links an incident only through a weak entity does not.
func TestBridgingAlertMergesIncidents(t *testing.T) {
	cfg := incident.DefaultConfig()
	inc, why := run(t, cfg, []state.Alert{
		mkAlert(spec{id: "ws", rule: "r1", ents: []string{"host", "ws-1", "account", "alice"}}, nil),
		mkAlert(spec{id: "srv", rule: "r2", at: time.Minute, ents: []string{"host", "srv-1", "account", "adm-bob"}}, nil),
		mkAlert(spec{id: "other", rule: "r4", at: 2 * time.Minute, ents: []string{"host", "ws-9", "account", "carol"}}, nil),
		mkAlert(spec{id: "lateral", rule: "r3", at: 3 * time.Minute, ents: []string{"host", "srv-1", "account", "adm-bob", "host", "ws-1"}}, nil),
	}, nil)
	require.NotEmpty(t, inc["lateral"])
	require.Equal(t, inc["lateral"], inc["ws"], "the workstation's incident")
	require.Equal(t, inc["lateral"], inc["srv"], "the server's incident")
	require.NotEqual(t, inc["lateral"], inc["other"])
	require.Contains(t, why["lateral"], "which is merged into")

	// The merge is an ordinary grouping operation: the merged incident is resolved as merged into the target.
	ctx := context.Background()
	db := openDB(t)
	c := incident.NewCorrelator(db, cfg, quiet)
	for _, s := range []spec{
		{id: "ws", rule: "r1", ents: []string{"host", "ws-1", "account", "alice"}},
		{id: "srv", rule: "r2", at: time.Minute, ents: []string{"host", "srv-1", "account", "adm-bob"}},
		{id: "lateral", rule: "r3", at: 3 * time.Minute, ents: []string{"host", "srv-1", "account", "adm-bob", "host", "ws-1"}},
	} {
		_, err := db.AddAlerts(ctx, []state.Alert{mkAlert(s, nil)})
		require.NoError(t, err)
		_, err = c.Drain(ctx)
		require.NoError(t, err)
	}
	page, err := db.ListIncidents(ctx, state.IncidentFilter{})
	require.NoError(t, err)
	var open, merged int
	for _, in := range page.Incidents {
		if in.MergedInto != "" {
			merged++
		} else {
			open++
		}
	}
	require.Equal(t, 1, open, "one incident holds the three alerts")
	require.Equal(t, 1, merged, "the other was merged into it")
}
