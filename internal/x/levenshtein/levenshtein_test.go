package levenshtein_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/x/levenshtein"
)

func TestDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		d    int
	}{{"", "", 0}, {"abc", "", 3}, {"", "ab", 2}, {"where", "wehre", 2}, {"DeviceName", "DeviceNam", 1}, {"kitten", "sitting", 3}} {
		require.Equal(t, c.d, levenshtein.Distance(c.a, c.b), "%q %q", c.a, c.b)
	}
}
