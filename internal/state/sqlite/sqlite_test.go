package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/state"
	"github.com/vigilsec/vigil/internal/state/sqlite"
)

func TestStateStore(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	db, err := sqlite.Open(ctx, path)
	require.NoError(t, err)

	now := time.Now().UTC().Truncate(time.Microsecond)
	require.NoError(t, db.CreateToken(ctx, state.Token{ID: "t1", Name: "ci", Role: "ingest", CreatedAt: now}, []byte("h1")))
	require.Error(t, db.CreateToken(ctx, state.Token{ID: "t2", Name: "dup", Role: "reader", CreatedAt: now}, []byte("h1")), "hashes are unique")
	tok, err := db.TokenByHash(ctx, []byte("h1"))
	require.NoError(t, err)
	require.Equal(t, state.Token{ID: "t1", Name: "ci", Role: "ingest", CreatedAt: now}, tok)
	_, err = db.TokenByHash(ctx, []byte("nope"))
	require.ErrorIs(t, err, state.ErrNotFound)
	require.NoError(t, db.TouchToken(ctx, "t1", now))
	require.NoError(t, db.RevokeToken(ctx, "t1"))
	require.ErrorIs(t, db.RevokeToken(ctx, "missing"), state.ErrNotFound)
	toks, err := db.Tokens(ctx)
	require.NoError(t, err)
	require.Len(t, toks, 1)
	require.True(t, toks[0].Revoked)
	require.Equal(t, now, *toks[0].LastUsed)

	require.NoError(t, db.AddIngestStats(ctx, []state.IngestStat{{Table: "Syslog", Received: 3, Accepted: 2, Rejected: 1}}))
	require.NoError(t, db.AddIngestStats(ctx, []state.IngestStat{{Table: "Syslog", Written: 2, LastAt: &now}}))
	stats, err := db.IngestStats(ctx)
	require.NoError(t, err)
	require.Equal(t, []state.IngestStat{{Table: "Syslog", Received: 3, Accepted: 2, Rejected: 1, Written: 2, LastAt: &now}}, stats)

	cols := []schema.Column{{Name: "TimeGenerated", Type: schema.TypeDatetime}, {Name: "Msg", Type: schema.TypeString}}
	require.NoError(t, db.SaveCustomTable(ctx, "App_CL", cols))
	require.NoError(t, db.Close())

	db, err = sqlite.Open(ctx, path)
	require.NoError(t, err)
	defer db.Close()
	v, err := db.Version(ctx)
	require.NoError(t, err)
	require.Equal(t, latestMigration(t), v)
	custom, err := db.CustomTables(ctx)
	require.NoError(t, err)
	require.Equal(t, map[string][]schema.Column{"App_CL": cols}, custom)
}

// latestMigration is the highest version number among the migration files.
func latestMigration(t *testing.T) int {
	entries, err := os.ReadDir("migrations")
	require.NoError(t, err)
	latest := 0
	for _, e := range entries {
		v, err := strconv.Atoi(strings.SplitN(e.Name(), "_", 2)[0])
		require.NoError(t, err, e.Name())
		latest = max(latest, v)
	}
	require.Positive(t, latest)
	return latest
}
