package logsource_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/sigma/event"
	"github.com/vigilsec/vigil/internal/sigma/logsource"
)

// TestSubset routes an event made for every route of the default table (its channel, each event id, the first
// value of each where field, in upper case too) through subsets of the table, and requires the full table's routes
// less those left out, in the same order.
func TestSubset(t *testing.T) {
	full := logsource.Default()
	subsets := map[string]func(*logsource.Route) bool{
		"even":    func(r *logsource.Route) bool { return r.Index%2 == 0 },
		"odd":     func(r *logsource.Route) bool { return r.Index%2 == 1 },
		"none":    func(*logsource.Route) bool { return false },
		"all":     func(*logsource.Route) bool { return true },
		"aliases": func(r *logsource.Route) bool { return len(r.Aliases) > 0 },
	}
	n := 0
	for _, r := range full.Routes {
		for _, id := range append([]int64{-1}, r.EventID...) {
			for _, upper := range []bool{false, true} {
				fields := map[string]any{"Channel": r.Channel[0]}
				if id >= 0 {
					fields["EventID"] = id
				}
				for k, vs := range r.Where {
					fields[k] = vs[0]
					if upper {
						fields[k] = strings.ToUpper(vs[0])
					}
				}
				ev := event.NewMap(fields, zero)
				all := full.Match(ev, nil)
				require.NotEmpty(t, all)
				for name, keep := range subsets {
					var want []*logsource.Route
					for _, x := range all {
						if keep(x) {
							want = append(want, x)
						}
					}
					var c logsource.Cache
					sub := full.Subset(keep)
					require.Equal(t, want, sub.Match(ev, nil), "%s: %v", name, fields)
					require.Equal(t, want, sub.MatchCached(ev, nil, &c), "%s: %v", name, fields)
				}
				n++
			}
		}
	}
	t.Logf("%d events", n)
}
