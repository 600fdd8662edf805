package incident

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/state"
)

// Outbox is what the publisher needs of the state store: the queue of incident changes.
type Outbox interface {
	NextIncidentChanges(ctx context.Context, limit int) (string, []state.IncidentChange, error)
	AckIncidentChanges(ctx context.Context, batchID string) error
}

// BatchPublisher makes a batch durable on the stream (*pipeline.Receiver).
type BatchPublisher interface {
	PublishBatch(ctx context.Context, b *batch.Batch) error
}

// Publisher writes every queued incident change as a row of the SecurityIncident table, as Microsoft Sentinel does
// (one row per change of an incident). Changes are queued by the state store in the transaction that makes them,
// and a batch is published under an id derived from its queue positions, so nothing is lost or written twice.
type Publisher struct {
	outbox  Outbox
	pub     BatchPublisher
	table   *schema.Table
	log     *slog.Logger
	wake    chan struct{}
	every   time.Duration
	perPass int
}

// NewPublisher returns a publisher; the catalogue must have the SecurityIncident table.
func NewPublisher(outbox Outbox, pub BatchPublisher, cat *schema.Catalog, log *slog.Logger) (*Publisher, error) {
	t, ok := cat.Table("SecurityIncident")
	if !ok {
		return nil, fmt.Errorf("incident publisher: the catalogue has no SecurityIncident table")
	}
	if log == nil {
		log = slog.Default()
	}
	return &Publisher{outbox: outbox, pub: pub, table: t, log: log, wake: make(chan struct{}, 1), every: 2 * time.Second, perPass: 500}, nil
}

// Notify wakes the publisher. It never blocks.
func (p *Publisher) Notify() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Run publishes queued changes whenever woken and every few seconds, until ctx ends.
func (p *Publisher) Run(ctx context.Context) {
	t := time.NewTicker(p.every)
	defer t.Stop()
	for {
		if err := p.Flush(ctx); err != nil && ctx.Err() == nil {
			p.log.Warn("publishing incident changes failed; retrying", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-p.wake:
		case <-t.C:
		}
	}
}

// Flush publishes every queued change.
func (p *Publisher) Flush(ctx context.Context) error {
	for {
		id, changes, err := p.outbox.NextIncidentChanges(ctx, p.perPass)
		if err != nil {
			return err
		}
		if len(changes) == 0 {
			return nil
		}
		b := p.Rows(changes)
		b.ID = id
		if err := p.pub.PublishBatch(ctx, b); err != nil {
			return fmt.Errorf("publish %s: %w", id, err)
		}
		if err := p.outbox.AckIncidentChanges(ctx, id); err != nil {
			return err
		}
	}
}

// sentinelStatus maps Vigil's statuses to Sentinel's (New, Active, Closed).
func sentinelStatus(s string) string {
	if s == state.IncidentResolved {
		return "Closed"
	}
	return s
}

// Rows builds the SecurityIncident rows of changes.
func (p *Publisher) Rows(changes []state.IncidentChange) *batch.Batch {
	bld := batch.NewBuilder(p.table)
	str := func(col, v string) {
		if _, pos, ok := p.table.Column(col); ok && v != "" {
			bld.SetString(pos, v)
		}
	}
	js := func(col string, v any) {
		b, err := json.Marshal(v)
		if err == nil {
			str(col, string(b))
		}
	}
	tm := func(col string, t time.Time) {
		if _, pos, ok := p.table.Column(col); ok && !t.IsZero() {
			bld.SetInt(pos, t.UnixMicro())
		}
	}
	for _, ch := range changes {
		in := ch.Incident
		bld.Begin()
		tm("TimeGenerated", in.UpdatedAt)
		tm("CreatedTime", in.CreatedAt)
		tm("LastModifiedTime", in.UpdatedAt)
		if in.AcknowledgedAt != nil {
			tm("FirstModifiedTime", *in.AcknowledgedAt)
		}
		if in.ResolvedAt != nil {
			tm("ClosedTime", *in.ResolvedAt)
		}
		tm("FirstActivityTime", in.FirstActivity)
		tm("LastActivityTime", in.LastActivity)
		str("IncidentName", in.ID)
		if _, pos, ok := p.table.Column("IncidentNumber"); ok {
			bld.SetInt(pos, in.Number)
		}
		str("ProviderIncidentId", strconv.FormatInt(in.Number, 10))
		str("Title", in.Title)
		str("Description", in.Description)
		str("Severity", in.Severity)
		str("Status", sentinelStatus(in.Status))
		str("Classification", in.Classification)
		str("ClassificationReason", in.ClassificationReason)
		str("ClassificationComment", in.ClassificationComment)
		owner := map[string]any{"objectId": nil, "email": nil, "assignedTo": nil, "userPrincipalName": nil}
		if in.Owner != "" {
			owner["assignedTo"], owner["userPrincipalName"] = in.Owner, in.Owner
		}
		js("Owner", owner)
		labels := make([]map[string]string, 0, len(in.Tags))
		for _, t := range in.Tags {
			labels = append(labels, map[string]string{"labelName": t, "labelType": "User"})
		}
		js("Labels", labels)
		js("AlertIds", nonNil(ch.AlertIDs))
		js("BookmarkIds", []string{})
		js("RelatedAnalyticRuleIds", nonNil(in.RuleIDs))
		comments := make([]map[string]any, 0, len(ch.Comments))
		for _, c := range ch.Comments {
			comments = append(comments, map[string]any{"message": c.Text, "createdTimeUtc": c.CreatedAt,
				"author": map[string]string{"name": c.Author}})
		}
		js("Comments", comments)
		tasks := make([]map[string]any, 0, len(ch.Tasks))
		for _, t := range ch.Tasks {
			tasks = append(tasks, map[string]any{"title": t.Title, "description": t.Description, "status": t.Status,
				"createdBy": t.CreatedBy, "createdTimeUtc": t.CreatedAt, "completedBy": t.CompletedBy,
				"completedTimeUtc": t.CompletedAt})
		}
		js("Tasks", tasks)
		js("AdditionalData", map[string]any{"alertsCount": in.AlertCount, "tactics": nonNil(in.Tactics),
			"alertProductNames": []string{"Vigil"}, "vigilStatus": in.Status, "mergedInto": in.MergedInto,
			"severitySetByAnalyst": in.SeveritySet, "metrics": in.Metrics})
		str("ModifiedBy", in.ModifiedBy)
		str("ProviderName", "Vigil")
		str("SourceSystem", "Vigil")
		str("IncidentUrl", "/incidents/"+in.ID)
		str("Type", "SecurityIncident")
		bld.Commit()
	}
	return bld.Finish("", 0)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
