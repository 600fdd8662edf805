package analytics_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/analytics"
	"github.com/vigilsec/vigil/internal/kql"
	"github.com/vigilsec/vigil/internal/kql/asim"
	"github.com/vigilsec/vigil/internal/kql/external"
	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/state/sqlite"
)

// Public rules whose Sysmon branch reads its fields through bag_unpack and pivot import (the union keeps one
// AccountCustomEntity column; a join keys on pivot columns), and so do rules whose union splits a mapped column by
// type, while rules whose entity mapping names a column the
// query does not return stay refused as bad_mapping, as Sentinel refuses them ("Error in EntityMappings: The given
// column 'IpAddress' does not exist"). The catalogue holds the built-in ASIM parsers, as the server's does.
func TestImportRulesReadingBags(t *testing.T) {
	rules, refused, err := analytics.ReadPath(sentinelRules)
	require.NoError(t, err, "the rule corpus is under ../shared/corpus")
	require.NoError(t, external.Configure(external.Policy{}))
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "state.db"))
	require.NoError(t, err)
	defer st.Close()
	fns := kql.NewFunctions()
	require.NoError(t, asim.Register(fns))
	rep, err := analytics.Import(ctx, rules, refused, kql.WithFunctions(schema.NewCatalog(), fns), analytics.SQLiteStore{DB: st})
	require.NoError(t, err)
	reasons := map[string]string{}
	for _, r := range rep.Refusals {
		reasons[r.ID] = r.Reason + ": " + r.Detail
	}
	for id, name := range map[string]string{
		"66276b14-32c5-4226-88e3-080dacc31ce1": "Audit policy manipulation using auditpol utility",
		"2f561e20-d97b-4b13-b02d-18b34af6e87c": "Email access via active sync",
		"a356c8bd-c81d-428b-aa36-83be706be034": "AAD Local Device Join Information and Transport Key Registry Keys Access",
		// FileHashCustomEntity is a string in one union branch and an array in another, so the union returns
		// FileHashCustomEntity_string and FileHashCustomEntity_dynamic; the mapping reads them (see detailColumns).
		"a779e2d5-9109-4f0a-a75e-f3d4f3c58560": "KNOTWEED File Hashes",
	} {
		require.Empty(t, reasons[id], name)
	}
	for id, name := range map[string]string{
		"f7c3f5c8-71ea-49ff-b8b3-148f0e346291": "Anomolous Single Factor Signin (maps IpAddress; the column is IPAddress)",
		"e00f72ab-fea1-4a31-9ecc-eea6397cd38d": "Password Spraying (maps ProcessCommandLine, never projected)",
	} {
		require.Contains(t, reasons[id], analytics.ReasonBadMapping, name)
	}
}
