package ruletest_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/sigma/ruletest"
)

// TestConformanceCases runs the YAML cases under internal/sigma/testdata.
func TestConformanceCases(t *testing.T) {
	rep, err := ruletest.RunDir("../testdata")
	require.NoError(t, err)
	require.Empty(t, rep.Errors)
	for _, r := range rep.Rules {
		t.Run(r.Title, func(t *testing.T) {
			require.True(t, r.Pass, "%s: %v", r.File, r.Mismatches)
		})
	}
	require.Positive(t, rep.Passed)
}
