package ruleset_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/analytics"
	"github.com/vigilsec/vigil/internal/kql"
	"github.com/vigilsec/vigil/internal/ruleset"
	"github.com/vigilsec/vigil/internal/schema"
)

// TestShippedRulesLoad fails when a shipped rule does not load: every Sigma rule compiles without an issue, every
// analytics rule validates and its query compiles (to SQL, or for NRT rules to the row evaluator) with every column
// its alert details read.
func TestShippedRulesLoad(t *testing.T) {
	rules, issues := ruleset.SigmaRules()
	require.Empty(t, issues)
	require.GreaterOrEqual(t, len(rules), 10)
	eng, issues, err := ruleset.Sigma(true, nil)
	require.NoError(t, err)
	require.Empty(t, issues)
	require.NotNil(t, eng)

	ar, refused := ruleset.SentinelRules()
	require.Empty(t, refused)
	require.GreaterOrEqual(t, len(ar), 8)
	cat := kql.WithFunctions(schema.NewCatalog(), kql.NewFunctions())
	ids := map[string]bool{}
	for _, r := range ar {
		require.Nil(t, analytics.Validate(r), r.Source)
		require.Nil(t, analytics.Check(r, cat), r.Source)
		require.False(t, ids[r.ID], "duplicate id %s", r.ID)
		ids[r.ID] = true
		require.NotEmpty(t, r.Tactics, r.Source)
		require.NotEmpty(t, r.RelevantTechniques, r.Source)
		require.NotEmpty(t, r.EntityMappings, r.Source)
	}
}
