package analytics

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/state"
)

// ExternalAlertTable is the table through which alerts of other products arrive (Sentinel's SecurityAlert).
const ExternalAlertTable = "SecurityAlert"

// ExternalAlerts turns the SecurityAlert rows of b that other products wrote (ProviderName other than Vigil, whose
// own alerts are recorded where they are raised) into alerts of the common model, source "external": title,
// description, severity, status, tactics, techniques, and the entities of the Entities column (Sentinel's JSON
// entity list, "Type" plus identifiers). The alert id derives from the product's SystemAlertId (else the row), so
// a replayed batch records nothing twice.
func ExternalAlerts(b *batch.Batch, now time.Time) []state.Alert {
	if b.Table != ExternalAlertTable {
		return nil
	}
	col := func(name string) *batch.Column { return b.Column(name) }
	str := func(c *batch.Column, i int) string {
		if c == nil {
			return ""
		}
		s, _ := c.Value(i).(string)
		return strings.TrimSpace(s)
	}
	tm := func(c *batch.Column, i int) time.Time {
		if c == nil {
			return time.Time{}
		}
		if v, ok := c.Value(i).(int64); ok {
			return time.UnixMicro(v).UTC()
		}
		return time.Time{}
	}
	provider, product, sysID := col("ProviderName"), col("ProductName"), col("SystemAlertId")
	name, display, desc, sev, status := col("AlertName"), col("DisplayName"), col("Description"), col("AlertSeverity"), col("Status")
	tactics, techniques, entities, alertType := col("Tactics"), col("Techniques"), col("Entities"), col("AlertType")
	start, generated := col("StartTime"), col("TimeGenerated")
	var out []state.Alert
	for i := 0; i < b.Len; i++ {
		if strings.EqualFold(str(provider, i), "Vigil") {
			continue
		}
		key := str(sysID, i)
		if key == "" {
			key = b.ItemID(i)
		}
		h := sha256.Sum256([]byte("external\x00" + key))
		a := state.Alert{
			ID: hex.EncodeToString(h[:16]), Source: "external", RuleID: first(str(alertType, i), str(product, i), str(provider, i)),
			RuleTitle:   first(str(display, i), str(name, i), "Alert from "+first(str(product, i), str(provider, i), "another product")),
			Description: str(desc, i), Severity: first(severityOf(str(sev, i)), "Medium"), Status: "New",
			Tactics: splitList(str(tactics, i)), Techniques: splitList(str(techniques, i)), Entities: entityList(str(entities, i)),
			MatchedFields: []state.MatchedField{}, EventTable: b.Table, EventItemID: b.ItemID(i), DetectedAt: now,
			EventTime: tm(start, i),
		}
		switch strings.ToLower(str(status, i)) {
		case "inprogress":
			a.Status = "InProgress"
		case "resolved", "dismissed":
			a.Status = "Resolved"
		}
		if a.EventTime.IsZero() {
			a.EventTime = tm(generated, i)
		}
		if a.EventTime.IsZero() {
			a.EventTime = time.UnixMicro(b.Received).UTC()
		}
		ev := map[string]any{}
		for _, c := range b.Columns {
			if v := c.Value(i); v != nil {
				ev[c.Name] = v
			}
		}
		a.Event = ev
		out = append(out, a)
	}
	return out
}

func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// splitList reads a list written as a JSON array or as comma-separated text.
func splitList(s string) []string {
	out := []string{}
	if s == "" {
		return out
	}
	var arr []string
	if strings.HasPrefix(s, "[") && json.Unmarshal([]byte(s), &arr) == nil {
		for _, v := range arr {
			if v = strings.TrimSpace(v); v != "" {
				out = append(out, v)
			}
		}
		return out
	}
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// entityList reads Sentinel's SecurityAlert entity list: objects with a "Type" (account, host, ip, file,
// filehash, url, dns, process, mailbox, cloud-application, azure-resource, registry-key, malware...) and their
// identifiers. Entities of unknown types, and references ("$ref") to entities listed elsewhere, are skipped.
func entityList(s string) []state.Entity {
	out := []state.Entity{}
	var raw []map[string]any
	if s == "" || json.Unmarshal([]byte(s), &raw) != nil {
		return out
	}
	seen := map[string]bool{}
	for _, obj := range raw {
		t, _ := obj["Type"].(string)
		typ, ok := state.CanonicalEntityType(strings.ReplaceAll(t, "-", ""))
		if !ok {
			continue
		}
		ids := map[string]string{}
		for k, v := range obj {
			id, ok := state.CanonicalIdentifier(typ, k)
			if !ok {
				continue
			}
			switch x := v.(type) {
			case string:
				ids[id] = x
			case float64, bool:
				b, _ := json.Marshal(x)
				ids[id] = string(b)
			}
		}
		e, ok := state.NewEntity(typ, ids)
		if !ok || seen[typ+"\x00"+e.Value] {
			continue
		}
		seen[typ+"\x00"+e.Value] = true
		out = append(out, e)
	}
	return out
}
