package sema

import (
	"strings"

	"github.com/vigilsec/vigil/internal/x/levenshtein"
)

// suggest returns the candidate closest to name by edit distance (ignoring
// case differences first), or "" when none is close enough.
func suggest(name string, candidates []string) string {
	best, bestD := "", 1<<30
	ln := strings.ToLower(name)
	for _, c := range candidates {
		if c == name {
			continue
		}
		d := editDistance(ln, strings.ToLower(c))
		if d < bestD {
			best, bestD = c, d
		}
	}
	limit := max(1, len(name)/3)
	if bestD <= limit {
		return best
	}
	return ""
}

func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		if a == b {
			return 0
		}
		return 1 << 20
	}
	return levenshtein.Distance(a, b)
}
