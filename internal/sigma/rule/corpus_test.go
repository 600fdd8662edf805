package rule_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/sigma/rule"
)

const corpus = "../../../../shared/corpus/sigma/sigmahq"

func TestLoadCorpus(t *testing.T) {
	if _, err := os.Stat(corpus); err != nil {
		t.Skip("sigma corpus absent:", err)
	}
	total := 0
	codes := map[rule.Code]int{}
	for _, d := range []string{"rules", "rules-threat-hunting", "rules-emerging-threats"} {
		set, err := rule.LoadDir(filepath.Join(corpus, d))
		require.NoError(t, err)
		total += len(set.Rules)
		for _, i := range set.Issues {
			codes[i.Code]++
			if i.Severity == rule.SeverityError {
				t.Errorf("%v", i)
			}
		}
	}
	t.Logf("loaded %d rules; issues by code: %v", total, codes)
}
