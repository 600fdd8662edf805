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

func groups(t *testing.T, db *sqlite.DB) map[string]string {
	t.Helper()
	out := map[string]string{}
	require.NoError(t, db.SigmaGroups(context.Background(), func(g state.SigmaGroup) error {
		out[g.Rule+"/"+g.Key] = string(g.Data)
		return nil
	}))
	return out
}

func TestCommitSigma(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	db, err := sqlite.Open(ctx, path)
	require.NoError(t, err)
	at := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	alert := state.Alert{ID: "c1", Source: "sigma", RuleID: "r", RuleTitle: "R", Severity: "Low", Status: "New",
		Tactics: []string{}, Techniques: []string{}, Entities: []state.Entity{}, MatchedFields: []state.MatchedField{},
		EventTime: at, DetectedAt: at}
	n, err := db.CommitSigma(ctx, state.SigmaCommit{At: at, Alerts: []state.Alert{alert}, Batches: []string{"b1", "b2"},
		Groups: []state.SigmaGroup{{Rule: "r", Key: "ws-1", Data: []byte(`{"last":1}`), Last: at}, {Rule: "r", Key: "ws-2", Data: []byte(`{"last":2}`), Last: at}}})
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.Equal(t, map[string]string{"r/ws-1": `{"last":1}`, "r/ws-2": `{"last":2}`}, groups(t, db))

	// An update, a deletion, and the same alert again.
	n, err = db.CommitSigma(ctx, state.SigmaCommit{At: at, Alerts: []state.Alert{alert}, Batches: []string{"b3"},
		Groups: []state.SigmaGroup{{Rule: "r", Key: "ws-1", Data: []byte(`{"last":3}`), Last: at}, {Rule: "r", Key: "ws-2"}}})
	require.NoError(t, err)
	require.Equal(t, 0, n)
	require.Equal(t, map[string]string{"r/ws-1": `{"last":3}`}, groups(t, db))

	applied, err := db.SigmaApplied(ctx, []string{"b1", "b3", "b4"})
	require.NoError(t, err)
	require.Equal(t, map[string]bool{"b1": true, "b3": true}, applied)

	// Batch ids are forgotten after a week.
	_, err = db.CommitSigma(ctx, state.SigmaCommit{At: at.Add(8 * 24 * time.Hour), Batches: []string{"b9"}})
	require.NoError(t, err)
	applied, err = db.SigmaApplied(ctx, []string{"b1", "b9"})
	require.NoError(t, err)
	require.Equal(t, map[string]bool{"b9": true}, applied)

	// All of it survives reopening.
	require.NoError(t, db.Close())
	db, err = sqlite.Open(ctx, path)
	require.NoError(t, err)
	defer db.Close()
	require.Equal(t, map[string]string{"r/ws-1": `{"last":3}`}, groups(t, db))
}
