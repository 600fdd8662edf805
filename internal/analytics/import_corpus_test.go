package analytics_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/analytics"
	"github.com/vigilsec/vigil/internal/kql"
	"github.com/vigilsec/vigil/internal/kql/asim"
	"github.com/vigilsec/vigil/internal/kql/external"
	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/state/sqlite"
)

const sentinelRules = "../../../shared/corpus/kql/azure-sentinel.analytic_rule.jsonl"

// TestImportSentinelCorpus imports the public Azure-Sentinel analytics rules as `vigil rules import` does (the schema
// catalogue and the built-in ASIM parsers), with externaldata off (the default) and with the public feed prefixes
// allowed, and keeps floors under the imported counts (measured 2026-11-27 after session 4: 454 and 471 of the 495
// rules whose tables are in the catalogue).
func TestImportSentinelCorpus(t *testing.T) {
	rules, refused, err := analytics.ReadPath(sentinelRules)
	require.NoError(t, err, "the rule corpus is under ../shared/corpus")
	ctx := context.Background()
	imp := func(t *testing.T) *analytics.Report {
		st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "state.db"))
		require.NoError(t, err)
		defer st.Close()
		fns := kql.NewFunctions()
		require.NoError(t, asim.Register(fns))
		rep, err := analytics.Import(ctx, rules, refused, kql.WithFunctions(schema.NewCatalog(), fns), analytics.SQLiteStore{DB: st})
		require.NoError(t, err)
		return rep
	}
	t.Run("externaldata-off", func(t *testing.T) {
		require.NoError(t, external.Configure(external.Policy{}))
		rep := imp(t)
		require.Equal(t, 1054, rep.Total)
		t.Logf("imported %d of %d, refused %v", rep.Imported, rep.Total, rep.Refused)
		require.GreaterOrEqual(t, rep.Imported, 456)
		require.Equal(t, 559, rep.Refused["kql_unknown_table"])
		require.Zero(t, rep.Refused[analytics.ReasonNRTUnsupported], "NRT rules with summarize or mv-expand run in batch mode")
		n := 0
		for _, r := range rep.Refusals {
			if strings.Contains(r.Detail, "externaldata") {
				n++
				require.Contains(t, r.Detail, external.Setting, r.Detail)
				require.Equal(t, "kql_refused", r.Reason, "externaldata refusals are grouped under their own code")
				require.NotZero(t, r.Line, "a refusal carries line:column")
			}
		}
		require.Equal(t, 29, n)
	})
	t.Run("externaldata-default", func(t *testing.T) {
		// The server's default policy: Microsoft's public security content (external.DefaultPrefixes).
		require.NoError(t, external.Configure(external.Policy{AllowedPrefixes: external.DefaultPrefixes}))
		t.Cleanup(func() { _ = external.Configure(external.Policy{}) })
		rep := imp(t)
		t.Logf("imported %d of %d, refused %v", rep.Imported, rep.Total, rep.Refused)
		require.GreaterOrEqual(t, rep.Imported, 478)
		inCatalog := rep.Total - rep.Refused["kql_unknown_table"]
		require.GreaterOrEqual(t, float64(rep.Imported)/float64(inCatalog), 0.95, "issue #6's bar")
		for _, r := range rep.Refusals {
			if r.Reason == "kql_refused" {
				require.Contains(t, r.Detail, "is not an https URL", "only plain-http feeds stay refused: %s", r.Detail)
			}
		}
	})
}
