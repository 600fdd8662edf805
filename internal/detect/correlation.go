package detect

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/vigilsec/vigil/internal/sigma"
	"github.com/vigilsec/vigil/internal/sigma/engine"
	"github.com/vigilsec/vigil/internal/state"
)

// correlationAlert fills the parts of a correlation rule's alert: its id (from rule, group and window, so a replay
// records it once), the group key as custom details, the window, the base-rule matches as evidence and their
// entities (deduplicated) as the alert's entities.
func correlationAlert(a *state.Alert, m sigma.Match, c *engine.CorrelationResult) {
	keys := make([]string, 0, len(c.GroupBy))
	for k := range c.GroupBy {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := []string{"correlation", m.RuleID}
	var group []string
	a.CustomDetails = map[string][]string{}
	for _, k := range keys {
		parts = append(parts, k+"="+c.GroupBy[k])
		group = append(group, k+"="+c.GroupBy[k])
		a.CustomDetails[k] = []string{c.GroupBy[k]}
	}
	parts = append(parts, strconv.FormatInt(c.Start.UnixNano(), 10), strconv.FormatInt(c.End.UnixNano(), 10))
	a.ID = alertID(parts...)
	start, end := c.Start, c.End
	a.WindowStart, a.WindowEnd, a.EventTime = &start, &end, end
	what := map[string]string{"event_count": "events", "value_count": "distinct values", "temporal": "rules",
		"temporal_ordered": "rules in order"}[c.Type]
	a.Description = fmt.Sprintf("Sigma correlation (%s): %d %s of %s between %s and %s", c.Type, c.Count, what,
		strings.Join(c.Rules, ", "), start.Format(time.RFC3339), end.Format(time.RFC3339))
	if len(group) > 0 {
		a.Description += ", grouped by " + strings.Join(group, ", ")
	}
	a.MatchedFields = []state.MatchedField{}
	a.Entities = []state.Entity{}
	seen := map[string]bool{}
	for _, e := range c.Evidence {
		ents := make([]map[string]string, 0, len(e.Entities))
		for _, en := range e.Entities {
			ents = append(ents, map[string]string{"type": en.Type, "value": en.Value})
			k := en.Type + "\x00" + strings.ToLower(en.Value)
			if !seen[k] {
				seen[k] = true
				a.Entities = append(a.Entities, state.Entity{Type: en.Type, Value: en.Value})
			}
		}
		a.Evidence = append(a.Evidence, map[string]any{"rule": e.Rule, "alertId": e.Ref,
			"time": time.Unix(0, e.Time).UTC().Format(time.RFC3339Nano), "entities": ents})
	}
}
