package sqlite_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/state"
	"github.com/vigilsec/vigil/internal/state/sqlite"
)

func TestAuditIsAppendOnly(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "state.db"))
	require.NoError(t, err)
	defer db.Close()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, action := range []string{"user.create", "user.update", "role.create"} {
		seq, err := db.AppendAudit(ctx, state.AuditEntry{Time: t0.Add(time.Duration(i) * time.Minute), ActorType: "user", Actor: "alice",
			Action: action, Outcome: "success", Target: "x", After: json.RawMessage(`{"n":1}`)})
		require.NoError(t, err)
		require.EqualValues(t, i+1, seq)
	}
	_, err = db.SQL().ExecContext(ctx, `UPDATE audit SET actor = 'mallory'`)
	require.ErrorContains(t, err, "audit is append-only")
	_, err = db.SQL().ExecContext(ctx, `DELETE FROM audit`)
	require.ErrorContains(t, err, "audit is append-only")

	all, err := db.Audit(ctx, state.AuditFilter{})
	require.NoError(t, err)
	require.Len(t, all, 3)
	require.Equal(t, "role.create", all[0].Action, "newest first")
	require.Equal(t, "alice", all[2].Actor)
	require.JSONEq(t, `{"n":1}`, string(all[2].After))

	users, err := db.Audit(ctx, state.AuditFilter{Action: "user."})
	require.NoError(t, err)
	require.Len(t, users, 2, "a prefix ending in a dot")
	since, err := db.Audit(ctx, state.AuditFilter{Since: t0.Add(time.Minute), Ascending: true})
	require.NoError(t, err)
	require.Equal(t, []string{"user.update", "role.create"}, []string{since[0].Action, since[1].Action})
	after, err := db.Audit(ctx, state.AuditFilter{AfterSeq: 2})
	require.NoError(t, err)
	require.Len(t, after, 1)

	m, err := db.AuditMirrored(ctx)
	require.NoError(t, err)
	require.Zero(t, m)
	require.NoError(t, db.SetAuditMirrored(ctx, 2))
	require.NoError(t, db.SetAuditMirrored(ctx, 3))
	m, err = db.AuditMirrored(ctx)
	require.NoError(t, err)
	require.EqualValues(t, 3, m)
}

func TestApprovalsDecideOnce(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "state.db"))
	require.NoError(t, err)
	defer db.Close()
	now := time.Now().UTC().Truncate(time.Microsecond)
	a := state.Approval{ID: "apr_1", Kind: "response.isolate_device", Target: "ws-1", Permission: "response:approve",
		RequestedBy: "user:u1", RequestedAt: now, ExpiresAt: now.Add(time.Hour), Status: "pending"}
	require.NoError(t, db.CreateApproval(ctx, a))
	a.Status, a.DecidedBy, a.DecidedAt = "approved", "user:u2", &now
	require.NoError(t, db.DecideApproval(ctx, a))
	a.Status = "rejected"
	require.ErrorIs(t, db.DecideApproval(ctx, a), state.ErrConflict, "decided once")
	got, err := db.Approval(ctx, "apr_1")
	require.NoError(t, err)
	require.Equal(t, "approved", got.Status)
	a.ID = "apr_missing"
	require.ErrorIs(t, db.DecideApproval(ctx, a), state.ErrNotFound)
}
