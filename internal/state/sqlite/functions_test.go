package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/state"
	"github.com/vigilsec/vigil/internal/state/sqlite"
)

// TestFunctionVersions: every put is a new version, a deletion is one more, and re-creating a deleted function
// continues the numbering.
func TestFunctionVersions(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "state.db"))
	require.NoError(t, err)
	defer db.Close()

	f, err := db.PutFunction(ctx, sqlite.Function{Name: "Shells", Body: "DeviceProcessEvents", Description: "d", Category: "c"}, "alice")
	require.NoError(t, err)
	require.Equal(t, 1, f.Version)
	f, err = db.PutFunction(ctx, sqlite.Function{Name: "Shells", Body: "DeviceProcessEvents | take 1"}, "bob")
	require.NoError(t, err)
	require.Equal(t, 2, f.Version)
	got, err := db.Function(ctx, "Shells")
	require.NoError(t, err)
	require.Equal(t, "DeviceProcessEvents | take 1", got.Body)
	require.Equal(t, "bob", got.UpdatedBy)
	_, err = db.Function(ctx, "shells")
	require.ErrorIs(t, err, state.ErrNotFound, "names are case-sensitive, as in KQL")

	require.NoError(t, db.DeleteFunction(ctx, "Shells", "carol"))
	require.ErrorIs(t, db.DeleteFunction(ctx, "Shells", "carol"), state.ErrNotFound)
	_, err = db.Function(ctx, "Shells")
	require.ErrorIs(t, err, state.ErrNotFound)
	all, err := db.Functions(ctx)
	require.NoError(t, err)
	require.Empty(t, all)

	f, err = db.PutFunction(ctx, sqlite.Function{Name: "Shells", Body: "DeviceProcessEvents | take 2"}, "dave")
	require.NoError(t, err)
	require.Equal(t, 4, f.Version)
	vs, err := db.FunctionVersions(ctx, "Shells")
	require.NoError(t, err)
	var log []string
	for _, v := range vs {
		log = append(log, v.Change+"/"+v.UpdatedBy)
	}
	require.Equal(t, []string{"created/alice", "updated/bob", "deleted/carol", "created/dave"}, log)
	require.Equal(t, "DeviceProcessEvents | take 1", vs[2].Body, "the deletion keeps the definition it removed")
	_, err = db.FunctionVersions(ctx, "Nope")
	require.ErrorIs(t, err, state.ErrNotFound)
}
