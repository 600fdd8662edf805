package hunt_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/auth"
	"github.com/vigilsec/vigil/internal/hunt"
	"github.com/vigilsec/vigil/internal/schema"
)

// TestResultNamesItsTables: a hunt's result names every table the query read, through joins, unions and stored
// functions (alerts keep them as their source tables, so access checks know where the evidence came from).
func TestResultNamesItsTables(t *testing.T) {
	ctx := context.Background()
	cat := schema.NewCatalog()
	db := openStore(t, cat, "DeviceProcessEvents", "DeviceLogonEvents", "Syslog", "SigninLogs")
	svc := hunt.New(hunt.Config{}, cat, db)
	require.NoError(t, svc.Functions().Add("Signins", "SigninLogs | project UserPrincipalName"))
	for q, want := range map[string][]string{
		"Syslog | take 1": {"Syslog"},
		"DeviceProcessEvents | join kind=inner (DeviceLogonEvents | project DeviceId) on DeviceId | take 1": {"DeviceLogonEvents", "DeviceProcessEvents"},
		"union Syslog, (Signins) | take 1":              {"SigninLogs", "Syslog"},
		"let T = Syslog | take 1; T | project HostName": {"Syslog"},
	} {
		res, err := svc.Run(ctx, hunt.Request{Query: q})
		require.NoError(t, err, q)
		require.Equal(t, want, res.Tables, q)
	}
}

// TestEditorSeesOnlyAllowedTables: the editor's check and completion, scoped to some tables, know no other table.
func TestEditorSeesOnlyAllowedTables(t *testing.T) {
	cat := schema.NewCatalog()
	svc := hunt.New(hunt.Config{}, cat, nil)
	sentinel := func(t *schema.Table) bool { return t.Source == "sentinel" }
	require.True(t, svc.Check("DeviceProcessEvents | take 1").Valid)
	res := svc.CheckScoped("DeviceProcessEvents | take 1", sentinel)
	require.False(t, res.Valid)
	require.Empty(t, res.Schema, "no columns of a table outside the scope")
	require.True(t, svc.CheckScoped("Syslog | take 1", sentinel).Valid)

	labels := func(cs []hunt.Completion) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Label)
		}
		return out
	}
	require.Contains(t, labels(svc.Complete("Dev", 3)), "DeviceProcessEvents")
	require.NotContains(t, labels(svc.CompleteScoped("Dev", 3, sentinel)), "DeviceProcessEvents")
	require.Contains(t, labels(svc.CompleteScoped("Sys", 3, sentinel)), "Syslog")
	src := "DeviceProcessEvents | where "
	require.Contains(t, labels(svc.Complete(src, len(src))), "ProcessCommandLine")
	require.NotContains(t, labels(svc.CompleteScoped(src, len(src), sentinel)), "ProcessCommandLine", "no columns of a hidden table")
}

// TestScopedHuntsCannotReachOtherTables tries the ways a query names tables — directly, by table(), wildcards,
// let-bound functions, stored functions, materialize, joins — under the scope of a role limited to the sentinel
// group (auth.Scope): each is refused as an unknown table, or reads only that group's tables.
func TestScopedHuntsCannotReachOtherTables(t *testing.T) {
	ctx := context.Background()
	cat := schema.NewCatalog()
	db := openStore(t, cat)
	svc := hunt.New(hunt.Config{}, cat, db)
	require.NoError(t, svc.Functions().Add("Procs", "DeviceProcessEvents | project DeviceName"))
	sentinel := auth.ScopeOf(&auth.Principal{TableGroups: []string{"sentinel"}}, cat).Allow()
	for _, tab := range cat.Tables() {
		if sentinel(tab) { // the only tables a scoped query may reach
			require.NoError(t, db.EnsureTable(ctx, tab))
		}
	}
	for _, q := range []string{
		`DeviceProcessEvents | take 1`,
		`table("DeviceProcessEvents") | take 1`,
		`union Device* | take 1`,
		`let f = () { DeviceProcessEvents }; f() | take 1`,
		`Procs | take 1`,
		`let m = materialize(DeviceProcessEvents | take 1); m`,
		`Syslog | join (DeviceProcessEvents) on $left.HostName == $right.DeviceName`,
		`Syslog | lookup (DeviceProcessEvents | project HostName = DeviceName) on HostName`,
		`SecurityAlert | take 1`,
		`VigilAudit | take 1`,
	} {
		res, err := svc.Run(ctx, hunt.Request{Query: q, Allow: sentinel})
		var qe *hunt.QueryError
		if errors.As(err, &qe) {
			t.Logf("%s: %s %s", q, qe.Errors[0].Code, qe.Errors[0].Message)
			require.Contains(t, []string{"kql_unknown_table", "kql_unknown_column"}, qe.Errors[0].Code, q)
			continue
		}
		require.NoError(t, err, q)
		for _, name := range res.Tables {
			tab, _ := cat.Table(name)
			require.True(t, sentinel(tab), "%s read %s", q, name)
		}
	}
	res, err := svc.Run(ctx, hunt.Request{Query: `union * | take 1`, Allow: sentinel})
	require.NoError(t, err)
	require.NotEmpty(t, res.Tables)
	for _, name := range res.Tables {
		tab, _ := cat.Table(name)
		require.True(t, sentinel(tab), "union * read %s", name)
	}
}
