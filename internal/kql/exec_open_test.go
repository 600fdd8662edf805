package kql_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/kql/kqltest"
	"github.com/vigilsec/vigil/internal/schema"
)

// AzureDiagnostics columns that the catalogue does not list (each Azure service adds its own, suffixed by type) are
// read from AdditionalFields.
func TestExecAzureDiagnosticsOpenColumns(t *testing.T) {
	db := kqltest.OpenStore(t)
	ctx := context.Background()
	cat := schema.NewCatalog()
	tbl, _ := cat.Table("AzureDiagnostics")
	require.NoError(t, db.EnsureTable(ctx, tbl))
	bl := batch.NewBuilder(tbl)
	bl.Begin()
	_, pos, _ := tbl.Column("TimeGenerated")
	bl.SetInt(pos, goldenNow.Add(-time.Hour).UnixMicro())
	_, pos, _ = tbl.Column("Category")
	bl.SetString(pos, "ApplicationGatewayFirewallLog")
	_, pos, _ = tbl.Column("AdditionalFields")
	bl.SetString(pos, `{"hostname_s":"shop.example","transactionId_g":"0f8fad5b-d9cb-469f-a165-70867728950e","ruleCount_d":3,"blocked_b":true}`)
	bl.Commit()
	_, err := db.Append(ctx, []*batch.Batch{bl.Finish("t", goldenNow.UnixMicro())})
	require.NoError(t, err)

	got := run(t, db, `AzureDiagnostics | where hostname_s == "shop.example" and ruleCount_d > 2
| project hostname_s, transactionId_g, ruleCount_d, blocked_b, missing_s = column_ifexists("missing_s", "none")`)
	require.Equal(t, `"shop.example" | "0f8fad5b-d9cb-469f-a165-70867728950e" | 3 | true | ""`, got)
}
