package kql_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/kql"
	"github.com/vigilsec/vigil/internal/kql/kqltest"
	"github.com/vigilsec/vigil/internal/schema"
)

func TestStoredFunctions(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "ShellProcs.kql"), []byte(
		"let shells = dynamic(['powershell.exe', 'cmd.exe']);\nDeviceProcessEvents | where FileName in~ (shells)"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "OnHost.kql"), []byte(
		"(host:string, n:long = 10) { ShellProcs | where DeviceName == host | take n }"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Broken.kql"), []byte("DeviceProcessEvents | where ("), 0o600))
	fns := kql.NewFunctions()
	n, errs := fns.LoadDir(dir)
	require.Equal(t, 2, n, "%v", errs)
	require.Len(t, errs, 1, "the broken file is reported, the others load")
	require.Contains(t, errs[0].Error(), "Broken.kql")

	cat := schema.NewCatalog()
	db := kqltest.EmptyStore(t, cat)
	var err error
	q, cerrs := kql.Compile("OnHost('ws-1') | project DeviceName, FileName", kql.WithFunctions(cat, fns))
	require.Nil(t, cerrs)
	require.Equal(t, []kql.Column{{Name: "DeviceName", Type: schema.TypeString}, {Name: "FileName", Type: schema.TypeString}}, q.Schema())
	sql, err := q.DuckDB()
	require.NoError(t, err)
	res, err := db.Query(context.Background(), sql, 0)
	require.NoError(t, err)
	require.Empty(t, res.Rows)

	_, cerrs = kql.Compile("OnHost('ws-1') | project DeviceName", cat)
	require.NotNil(t, cerrs, "without the functions the name is unknown")
}
