package analytics

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/kql"
	"github.com/vigilsec/vigil/internal/state"
)

// Publisher makes alert-table batches durable (*pipeline.Receiver).
type Publisher interface {
	PublishBatch(ctx context.Context, b *batch.Batch) error
}

// publishAlerts writes alerts of scheduled and NRT rules as SecurityAlert rows (Sentinel's columns; the entities in
// Sentinel's entity JSON), so they can be hunted in KQL next to the Sigma alerts. The batch id derives from what
// produced the alerts, so publishing again after a crash is dropped by the stream and the store.
func publishAlerts(ctx context.Context, pub Publisher, cat kql.Catalog, batchID string, alerts []state.Alert) error {
	if pub == nil || len(alerts) == 0 {
		return nil
	}
	t, ok := cat.Table(ExternalAlertTable)
	if !ok {
		return nil
	}
	b := batch.NewBuilder(t)
	set := func(col, v string) {
		if _, p, ok := t.Column(col); ok && v != "" {
			b.SetString(p, v)
		}
	}
	setTime := func(col string, us int64) {
		if _, p, ok := t.Column(col); ok {
			b.SetInt(p, us)
		}
	}
	for _, a := range alerts {
		b.Begin()
		setTime("TimeGenerated", a.DetectedAt.UnixMicro())
		start, end := a.EventTime, a.EventTime
		if a.WindowStart != nil {
			start, end = *a.WindowStart, *a.WindowEnd
		}
		setTime("StartTime", start.UnixMicro())
		setTime("EndTime", end.UnixMicro())
		set("DisplayName", a.RuleTitle)
		set("AlertName", a.RuleTitle)
		set("AlertSeverity", a.Severity)
		set("Description", a.Description)
		set("ProviderName", "Vigil")
		set("VendorName", "Vigil")
		set("ProductName", "Vigil Analytics")
		set("ProductComponentName", map[string]string{"scheduled": "Scheduled alerts", "nrt": "NRT alerts"}[a.Source])
		set("SystemAlertId", a.ID)
		set("AlertType", a.Source+":"+a.RuleID)
		set("Status", a.Status)
		set("Tactics", strings.Join(a.Tactics, ","))
		set("Techniques", jsonText(a.Techniques))
		set("Entities", jsonText(sentinelEntities(a.Entities)))
		props := map[string]any{"RuleId": a.RuleID, "RuleVersion": a.RuleVersion, "EventTable": a.EventTable}
		for k, v := range a.CustomDetails {
			props[k] = v
		}
		set("ExtendedProperties", jsonText(props))
		for _, e := range a.Entities {
			if e.Type == state.EntityHost {
				set("CompromisedEntity", first(e.Props["FullName"], e.Value))
				break
			}
		}
		set("Type", ExternalAlertTable)
		b.Commit()
	}
	out := b.Finish(batchID, 0)
	return pub.PublishBatch(ctx, out)
}

// sentinelEntities renders entities as Sentinel's SecurityAlert entity list: "$id", "Type" (lower case) and the
// identifiers.
func sentinelEntities(es []state.Entity) []map[string]string {
	out := make([]map[string]string, 0, len(es))
	for i, e := range es {
		m := map[string]string{"$id": strconv.Itoa(i + 2), "Type": strings.ToLower(e.Type)}
		for k, v := range e.Props {
			m[k] = v
		}
		out = append(out, m)
	}
	return out
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
