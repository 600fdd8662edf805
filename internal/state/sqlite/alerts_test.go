package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/state"
	"github.com/vigilsec/vigil/internal/state/sqlite"
)

func TestAlertsRoundTrip(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "state.db"))
	require.NoError(t, err)
	defer db.Close()

	ws, we := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC), time.Date(2026, 1, 2, 4, 0, 0, 0, time.UTC)
	a := state.Alert{
		ID: "a1", Source: "scheduled", RuleID: "r1", RuleTitle: "Rule one", Severity: "High", Status: "New",
		Tactics: []string{"Execution"}, Techniques: []string{"T1059"},
		Entities: []state.Entity{{Type: "Host", Value: "ws-1"}}, MatchedFields: []state.MatchedField{},
		EventTime: ws, DetectedAt: we,
		Description: "desc", RuleVersion: 3, CustomDetails: map[string][]string{"Cmd": {"a", "b"}},
		Evidence:    []map[string]any{{"DeviceName": "ws-1"}},
		WindowStart: &ws, WindowEnd: &we,
		Grouping: &state.Grouping{Enabled: true, Method: "Selected", Lookback: 5 * time.Hour, EntityTypes: []string{"Host"}},
	}
	n, err := db.AddAlerts(ctx, []state.Alert{a, a})
	require.NoError(t, err)
	require.Equal(t, 1, n, "the same alert id is kept once")

	got, err := db.Alert(ctx, "a1")
	require.NoError(t, err)
	require.Equal(t, a, got)

	list, total, err := db.ListAlerts(ctx, state.AlertFilter{Severity: "High"})
	require.NoError(t, err)
	require.Equal(t, 1, total)
	require.Equal(t, a, list[0])

	_, err = db.Alert(ctx, "nope")
	require.ErrorIs(t, err, state.ErrNotFound)
}
