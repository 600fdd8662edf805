package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/state"
	"github.com/vigilsec/vigil/internal/state/sqlite"
)

func openState(t testing.TB) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "state.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

var t0 = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

func alert(id, rule, sev string, at time.Time, host string) state.Alert {
	return state.Alert{ID: id, Source: "sigma", RuleID: rule, RuleTitle: "Rule " + rule, Severity: sev, Status: "New",
		Tactics: []string{"Execution"}, Techniques: []string{}, MatchedFields: []state.MatchedField{},
		Entities: []state.Entity{{Type: "host", Value: host}}, EventTime: at, DetectedAt: at.Add(time.Minute)}
}

// place records alerts and places each: into incident into (by index of the alerts placed before), or a new one.
func place(t *testing.T, db *sqlite.DB, alerts []state.Alert, into []int) []string {
	t.Helper()
	ctx := context.Background()
	_, err := db.AddAlerts(ctx, alerts)
	require.NoError(t, err)
	var ids []string
	for i, a := range alerts {
		p := state.Placement{Reason: "test", At: t0}
		if into[i] >= 0 {
			p.IncidentID = ids[into[i]]
		}
		keys := []state.EntityKey{{Key: "host:" + a.Entities[0].Value, Type: "host", Value: a.Entities[0].Value}}
		in, err := db.PlaceAlert(ctx, a, keys, p)
		require.NoError(t, err)
		ids = append(ids, in.ID)
	}
	return ids
}

func TestIncidentLifecycle(t *testing.T) {
	ctx := context.Background()
	db := openState(t)
	ids := place(t, db, []state.Alert{
		alert("a1", "r1", "Low", t0, "ws-1"),
		alert("a2", "r2", "High", t0.Add(time.Hour), "ws-1"),
		alert("a3", "r3", "Medium", t0.Add(2*time.Hour), "ws-2"),
	}, []int{-1, 0, -1})
	one, two := ids[0], ids[2]
	require.Equal(t, one, ids[1])

	d, err := db.Incident(ctx, one)
	require.NoError(t, err)
	require.EqualValues(t, 1, d.Number)
	require.Equal(t, "High", d.Severity, "the highest severity of the alerts")
	require.Equal(t, 2, d.AlertCount)
	require.Equal(t, []string{"r1", "r2"}, d.RuleIDs)
	require.Equal(t, t0, d.FirstActivity)
	require.Equal(t, t0.Add(time.Hour), d.LastActivity)
	require.Equal(t, t0.Add(time.Minute), d.FirstAlertAt)
	require.Equal(t, 60.0, *d.Metrics.TimeToDetect)
	require.Nil(t, d.Metrics.TimeToAcknowledge)
	require.Equal(t, "Multi-stage incident involving Execution on one endpoint", d.Title)
	require.Equal(t, []state.IncidentEntity{{Type: "host", Value: "ws-1", Alerts: 2}}, d.Entities)

	// Analyst severity wins over the computed one until cleared.
	sev := "Low"
	in, err := db.UpdateIncident(ctx, one, "alice", state.IncidentUpdate{Severity: &sev}, t0.Add(3*time.Hour))
	require.NoError(t, err)
	require.Equal(t, "Low", in.Severity)
	require.True(t, in.SeveritySet)
	empty := ""
	in, err = db.UpdateIncident(ctx, one, "alice", state.IncidentUpdate{Severity: &empty}, t0.Add(3*time.Hour))
	require.NoError(t, err)
	require.Equal(t, "High", in.Severity)

	// Acknowledge, then resolve with a classification; metrics follow.
	owner, active := "alice", state.IncidentActive
	in, err = db.UpdateIncident(ctx, one, "alice", state.IncidentUpdate{Owner: &owner, Status: &active}, t0.Add(4*time.Hour))
	require.NoError(t, err)
	require.Equal(t, (4*time.Hour - time.Minute).Seconds(), *in.Metrics.TimeToAcknowledge)
	for _, c := range []struct{ class, reason, err string }{
		{"Nonsense", "", "classification \"Nonsense\""},
		{"FalsePositive", "", "reason \"\" does not fit FalsePositive"},
		{"TruePositive", "InaccurateData", "does not fit TruePositive"},
		{"", "SuspiciousActivity", "needs a classification"},
	} {
		u := state.IncidentUpdate{Classification: &c.class, ClassificationReason: &c.reason}
		_, err := db.UpdateIncident(ctx, one, "alice", u, t0)
		require.ErrorIs(t, err, state.ErrInvalidChange)
		require.ErrorContains(t, err, c.err)
	}
	resolved, tp := state.IncidentResolved, "TruePositive"
	in, err = db.UpdateIncident(ctx, one, "bob", state.IncidentUpdate{Status: &resolved, Classification: &tp}, t0.Add(6*time.Hour))
	require.NoError(t, err)
	require.Equal(t, "SuspiciousActivity", in.ClassificationReason, "the one reason that fits is taken")
	require.Equal(t, (6*time.Hour - time.Minute).Seconds(), *in.Metrics.TimeToResolve)
	require.Equal(t, "bob", in.ModifiedBy)

	// Merge two into one, undo it, move, split; each in the timeline with its actor.
	in, err = db.MergeIncidents(ctx, two, []string{one}, "carol", t0.Add(7*time.Hour))
	require.NoError(t, err)
	require.Equal(t, 3, in.AlertCount)
	d, err = db.Incident(ctx, one)
	require.NoError(t, err)
	require.Equal(t, 0, d.AlertCount)
	require.Equal(t, two, d.MergedInto)
	_, err = db.MergeIncidents(ctx, two, []string{two}, "carol", t0)
	require.ErrorIs(t, err, state.ErrInvalidChange)

	in, err = db.UndoGrouping(ctx, two, "carol", t0.Add(8*time.Hour))
	require.NoError(t, err)
	require.Equal(t, 1, in.AlertCount)
	d, err = db.Incident(ctx, one)
	require.NoError(t, err)
	require.Equal(t, 2, d.AlertCount)
	require.Equal(t, state.IncidentResolved, d.Status, "undo restores the status the merge found")
	require.Empty(t, d.MergedInto)
	_, err = db.UndoGrouping(ctx, two, "carol", t0)
	require.ErrorIs(t, err, state.ErrNothingToUndo)

	in, err = db.MoveAlert(ctx, "a3", one, "dave", t0.Add(9*time.Hour))
	require.NoError(t, err)
	require.Equal(t, 3, in.AlertCount)
	d, err = db.Incident(ctx, two)
	require.NoError(t, err)
	require.Equal(t, state.IncidentResolved, d.Status, "an incident left without alerts is resolved")
	require.Equal(t, "move", d.Timeline[len(d.Timeline)-1].Action)
	require.Equal(t, "dave", d.Timeline[len(d.Timeline)-1].Actor)

	split, err := db.SplitIncident(ctx, one, []string{"a1"}, "erin", t0.Add(10*time.Hour))
	require.NoError(t, err)
	require.EqualValues(t, 3, split.Number)
	require.Equal(t, "Rule r1", split.Title)
	require.Equal(t, "Low", split.Severity)
	_, err = db.SplitIncident(ctx, one, []string{"a9"}, "erin", t0)
	require.ErrorContains(t, err, "alert a9 is not in incident #1")

	// An undo refuses when a later change moved the same alerts; the later one is undone first.
	_, err = db.MoveAlert(ctx, "a1", two, "erin", t0.Add(11*time.Hour))
	require.NoError(t, err)
	_, err = db.UndoGrouping(ctx, split.ID, "erin", t0)
	require.NoError(t, err, "the move is the last operation of the split incident, so it is undone")
	_, err = db.UndoGrouping(ctx, split.ID, "erin", t0)
	require.NoError(t, err, "then the split")
	d, err = db.Incident(ctx, one)
	require.NoError(t, err)
	require.Equal(t, 3, d.AlertCount)

	// Comments and tasks.
	c, err := db.AddComment(ctx, one, "alice", "  contained  ", t0)
	require.NoError(t, err)
	require.Equal(t, "contained", c.Text)
	_, err = db.AddComment(ctx, one, "alice", " ", t0)
	require.ErrorIs(t, err, state.ErrInvalidChange)
	task, err := db.AddTask(ctx, one, "alice", "Reset password", "", t0)
	require.NoError(t, err)
	done := "Completed"
	task, err = db.UpdateTask(ctx, one, task.ID, "bob", state.TaskUpdate{Status: &done}, t0.Add(time.Hour))
	require.NoError(t, err)
	require.Equal(t, "bob", task.CompletedBy)
	require.Equal(t, t0.Add(time.Hour), *task.CompletedAt)
	_, err = db.UpdateTask(ctx, two, task.ID, "bob", state.TaskUpdate{Status: &done}, t0)
	require.ErrorIs(t, err, state.ErrNotFound, "a task is reached through its own incident")
	d, err = db.Incident(ctx, one)
	require.NoError(t, err)
	require.Len(t, d.Comments, 1)
	require.Len(t, d.Tasks, 1)
	actions := map[string]bool{}
	for _, e := range d.Timeline {
		actions[e.Action] = true
		require.NotEmpty(t, e.Actor)
	}
	for _, a := range []string{"created", "alert_added", "update", "merge", "undo", "move", "split", "comment", "task_added", "task_updated"} {
		require.True(t, actions[a], "timeline has no %s", a)
	}

	// Every change is queued for SecurityIncident, in order; a batch is stable until acknowledged.
	id, changes, err := db.NextIncidentChanges(ctx, 5)
	require.NoError(t, err)
	require.Len(t, changes, 5)
	again, changes2, err := db.NextIncidentChanges(ctx, 50)
	require.NoError(t, err)
	require.Equal(t, id, again)
	require.Equal(t, changes, changes2)
	require.NoError(t, db.AckIncidentChanges(ctx, id))
	require.Error(t, db.AckIncidentChanges(ctx, id))
	total := 5
	for {
		id, changes, err = db.NextIncidentChanges(ctx, 50)
		require.NoError(t, err)
		if len(changes) == 0 {
			break
		}
		total += len(changes)
		require.NoError(t, db.AckIncidentChanges(ctx, id))
	}
	require.Greater(t, total, 20)
}

func TestPlaceAlertRules(t *testing.T) {
	ctx := context.Background()
	db := openState(t)
	ids := place(t, db, []state.Alert{alert("a1", "r1", "Low", t0, "ws-1"), alert("a2", "r1", "Low", t0, "ws-1")}, []int{-1, 0})
	require.Equal(t, ids[0], ids[1])

	// Placing twice keeps the first decision.
	a1, err := db.Alert(ctx, "a1")
	require.NoError(t, err)
	in, err := db.PlaceAlert(ctx, a1, nil, state.Placement{Reason: "again"})
	require.NoError(t, err)
	require.Equal(t, ids[0], in.ID)

	// A full incident, or a resolved one the rule does not reopen, makes a new incident, and says so.
	_, err = db.AddAlerts(ctx, []state.Alert{alert("a3", "r1", "Low", t0, "ws-1"), alert("a4", "r1", "Low", t0, "ws-1"), alert("a5", "r1", "Low", t0, "ws-1")})
	require.NoError(t, err)
	a3, _ := db.Alert(ctx, "a3")
	in, err = db.PlaceAlert(ctx, a3, nil, state.Placement{IncidentID: ids[0], SizeCap: 2, Reason: "shares host ws-1"})
	require.NoError(t, err)
	require.NotEqual(t, ids[0], in.ID)
	d, err := db.Incident(ctx, in.ID)
	require.NoError(t, err)
	require.Contains(t, d.Timeline[0].Detail, "holds 2 alerts, the size cap")

	resolved, bp := state.IncidentResolved, "BenignPositive"
	_, err = db.UpdateIncident(ctx, ids[0], "x", state.IncidentUpdate{Status: &resolved, Classification: &bp}, t0)
	require.NoError(t, err)
	a4, _ := db.Alert(ctx, "a4")
	in, err = db.PlaceAlert(ctx, a4, nil, state.Placement{IncidentID: ids[0], Reason: "shares host ws-1"})
	require.NoError(t, err)
	require.NotEqual(t, ids[0], in.ID)
	a5, _ := db.Alert(ctx, "a5")
	in, err = db.PlaceAlert(ctx, a5, nil, state.Placement{IncidentID: ids[0], Reopen: true, Reason: "shares host ws-1"})
	require.NoError(t, err)
	require.Equal(t, ids[0], in.ID)
	require.Equal(t, state.IncidentActive, in.Status, "reopened")
	require.Nil(t, in.ResolvedAt)

	// No incident: the alert is decided and no longer pending.
	_, err = db.AddAlerts(ctx, []state.Alert{alert("a6", "r9", "Low", t0, "ws-9")})
	require.NoError(t, err)
	pending, err := db.PendingAlerts(ctx, 10)
	require.NoError(t, err)
	require.Len(t, pending, 1)
	_, err = db.PlaceAlert(ctx, pending[0], nil, state.Placement{NoIncident: true, Reason: "rule creates no incidents"})
	require.NoError(t, err)
	pending, err = db.PendingAlerts(ctx, 10)
	require.NoError(t, err)
	require.Empty(t, pending)
}

func TestListIncidents(t *testing.T) {
	ctx := context.Background()
	db := openState(t)
	var alerts []state.Alert
	var into []int
	sevs := []string{"Low", "Medium", "High", "Informational"}
	for i := 0; i < 40; i++ {
		alerts = append(alerts, alert(fmt.Sprintf("a%02d", i), fmt.Sprintf("r%d", i%5), sevs[i%4], t0.Add(time.Duration(i)*time.Minute), fmt.Sprintf("ws-%d", i)))
		into = append(into, -1)
	}
	ids := place(t, db, alerts, into)
	tag, owner := []string{"phish"}, "alice"
	for i := 0; i < 10; i++ {
		_, err := db.UpdateIncident(ctx, ids[i], "x", state.IncidentUpdate{Tags: &tag, Owner: &owner}, t0.Add(time.Duration(100+i)*time.Minute))
		require.NoError(t, err)
	}
	page, err := db.ListIncidents(ctx, state.IncidentFilter{Severity: []string{"High"}, Sort: "number", Desc: true, Limit: 3})
	require.NoError(t, err)
	require.Equal(t, 10, page.Total)
	require.Equal(t, []int64{39, 35, 31}, numbers(page))

	// Walking the cursor and walking offsets give the same order, with nothing missed or repeated.
	for _, sortBy := range []string{"created", "updated", "severity", "number"} {
		for _, desc := range []bool{false, true} {
			f := state.IncidentFilter{Sort: sortBy, Desc: desc, Limit: 7}
			var byCursor, byOffset []int64
			for {
				p, err := db.ListIncidents(ctx, f)
				require.NoError(t, err)
				byCursor = append(byCursor, numbers(p)...)
				if p.NextCursor == "" {
					break
				}
				f.Cursor = p.NextCursor
			}
			for off := 0; off < 40; off += 7 {
				p, err := db.ListIncidents(ctx, state.IncidentFilter{Sort: sortBy, Desc: desc, Limit: 7, Offset: off})
				require.NoError(t, err)
				byOffset = append(byOffset, numbers(p)...)
			}
			require.Equal(t, byOffset, byCursor, "%s desc=%v", sortBy, desc)
			require.Len(t, byCursor, 40)
		}
	}
	page, err = db.ListIncidents(ctx, state.IncidentFilter{Tag: "PHISH", Owner: "alice", Status: []string{"New"}})
	require.NoError(t, err)
	require.Equal(t, 10, page.Total)
	page, err = db.ListIncidents(ctx, state.IncidentFilter{Search: "rule r3"})
	require.NoError(t, err)
	require.Equal(t, 8, page.Total)
	page, err = db.ListIncidents(ctx, state.IncidentFilter{Search: "100%_"})
	require.NoError(t, err)
	require.Equal(t, 0, page.Total, "LIKE wildcards in the search are literal")
	_, err = db.ListIncidents(ctx, state.IncidentFilter{Cursor: "!!"})
	require.ErrorIs(t, err, state.ErrInvalidChange)
}

func numbers(p state.IncidentPage) []int64 {
	var out []int64
	for _, in := range p.Incidents {
		out = append(out, in.Number)
	}
	return out
}

// FuzzListIncidents feeds arbitrary search text, sort names and cursors to the list query: it answers or refuses
// with ErrInvalidChange, never anything else.
func FuzzListIncidents(f *testing.F) {
	f.Add("phish", "updated", "", true)
	f.Add("#12", "number", "MTc6Mg", false)
	f.Add("%_\\'\"", "severity", "OjE", true)
	f.Add("", "colour", "bm9wZQ", false)
	db := openState(f)
	_, err := db.AddAlerts(context.Background(), []state.Alert{alert("a1", "r1", "Low", t0, "ws-1")})
	require.NoError(f, err)
	a, _ := db.Alert(context.Background(), "a1")
	_, err = db.PlaceAlert(context.Background(), a, nil, state.Placement{Reason: "seed"})
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, search, sortBy, cursor string, desc bool) {
		_, err := db.ListIncidents(context.Background(), state.IncidentFilter{Search: search, Sort: sortBy, Cursor: cursor, Desc: desc})
		if err != nil {
			require.ErrorIs(t, err, state.ErrInvalidChange)
		}
	})
}
