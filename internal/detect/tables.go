package detect

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/state"
)

// row sets named columns of a builder row; columns the table lacks are skipped.
type row struct {
	b *batch.Builder
	t *schema.Table
}

func (r row) str(col, v string) {
	if v == "" {
		return
	}
	if _, p, ok := r.t.Column(col); ok {
		r.b.SetString(p, v)
	}
}

func (r row) time(col string, us int64) {
	if _, p, ok := r.t.Column(col); ok {
		r.b.SetInt(p, us)
	}
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// publishTables writes the alerts as SecurityAlert, AlertInfo and AlertEvidence rows. The batch ids derive from the
// source batch, so publishing again after a replay is skipped by the stream and the store.
func (d *Detector) publishTables(ctx context.Context, srcBatch string, alerts []state.Alert) error {
	builders := map[string]*batch.Builder{}
	get := func(name string) (row, bool) {
		t, ok := d.catalog.Table(name)
		if !ok {
			return row{}, false
		}
		b := builders[name]
		if b == nil {
			b = batch.NewBuilder(t)
			builders[name] = b
		}
		return row{b: b, t: t}, true
	}
	for _, a := range alerts {
		ts := a.EventTime.UnixMicro()
		entities := jsonString(a.Entities)
		if r, ok := get("SecurityAlert"); ok {
			r.b.Begin()
			r.time("TimeGenerated", a.DetectedAt.UnixMicro())
			r.time("StartTime", ts)
			r.time("EndTime", ts)
			r.str("DisplayName", a.RuleTitle)
			r.str("AlertName", a.RuleTitle)
			r.str("AlertSeverity", a.Severity)
			r.str("Description", "Sigma rule "+a.RuleID+" by "+a.RuleAuthor)
			r.str("ProviderName", "Vigil")
			r.str("ProductName", "Vigil Sigma")
			r.str("VendorName", "Vigil")
			r.str("SystemAlertId", a.ID)
			r.str("AlertType", "sigma:"+a.RuleID)
			r.str("Status", a.Status)
			r.str("Tactics", strings.Join(a.Tactics, ","))
			r.str("Techniques", jsonString(a.Techniques))
			r.str("Entities", entities)
			r.str("ExtendedProperties", jsonString(map[string]any{"RuleId": a.RuleID, "RuleAuthor": a.RuleAuthor,
				"EventTable": a.EventTable, "EventItemId": a.EventItemID, "MatchedFields": a.MatchedFields}))
			r.str("CompromisedEntity", firstEntity(a.Entities, state.EntityHost))
			r.str("Type", "SecurityAlert")
			r.b.Commit()
		}
		if r, ok := get("AlertInfo"); ok {
			r.b.Begin()
			r.time("Timestamp", ts)
			r.time("TimeGenerated", ts)
			r.str("AlertId", a.ID)
			r.str("Title", a.RuleTitle)
			r.str("Category", firstOr(a.Tactics, ""))
			r.str("Severity", a.Severity)
			r.str("ServiceSource", "Vigil")
			r.str("DetectionSource", "Sigma")
			r.str("AttackTechniques", jsonString(a.Techniques))
			r.b.Commit()
		}
		for _, e := range a.Entities {
			r, ok := get("AlertEvidence")
			if !ok {
				break
			}
			r.b.Begin()
			r.time("Timestamp", ts)
			r.time("TimeGenerated", ts)
			r.str("AlertId", a.ID)
			r.str("Title", a.RuleTitle)
			r.str("Categories", jsonString(a.Tactics))
			r.str("AttackTechniques", jsonString(a.Techniques))
			r.str("ServiceSource", "Vigil")
			r.str("DetectionSource", "Sigma")
			r.str("Severity", a.Severity)
			r.str("EvidenceRole", "Related")
			switch e.Type {
			case state.EntityHost:
				r.str("EntityType", "Machine")
				r.str("DeviceName", first(e.Props["FullName"], e.Value))
			case state.EntityAccount:
				r.str("EntityType", "User")
				r.str("AccountDomain", e.Props["NTDomain"])
				r.str("AccountName", first(e.Props["Name"], e.Value))
				r.str("AccountSid", e.Props["Sid"])
			case state.EntityIP:
				r.str("EntityType", "Ip")
				r.str("RemoteIP", e.Value)
			case state.EntityProcess:
				r.str("EntityType", "Process")
				r.str("ProcessCommandLine", e.Props["CommandLine"])
			case state.EntityFile:
				r.str("EntityType", "File")
				r.str("FolderPath", e.Value)
				r.str("FileName", e.Props["Name"])
			case state.EntityFileHash:
				r.str("EntityType", "File")
				switch e.Props["Algorithm"] {
				case "SHA256":
					r.str("SHA256", e.Value)
				case "SHA1":
					r.str("SHA1", e.Value)
				}
			case state.EntityURL:
				r.str("EntityType", "Url")
				r.str("RemoteUrl", e.Value)
			case state.EntityDNS:
				r.str("EntityType", "Url")
				r.str("RemoteUrl", e.Value)
			}
			r.str("AdditionalFields", jsonString(e))
			r.b.Commit()
		}
	}
	for name, b := range builders {
		if b.Len() == 0 {
			continue
		}
		out := b.Finish("", 0)
		out.ID = srcBatch + "-sigma-" + name
		if err := d.pub.PublishBatch(ctx, out); err != nil {
			return err
		}
	}
	return nil
}

func firstEntity(es []state.Entity, typ string) string {
	for _, e := range es {
		if e.Type == typ {
			return e.Value
		}
	}
	return ""
}

func firstOr(s []string, def string) string {
	if len(s) > 0 {
		return s[0]
	}
	return def
}
