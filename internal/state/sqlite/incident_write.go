package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/vigilsec/vigil/internal/state"
)

// inTx runs f in a transaction, committing if it returns nil.
func (d *DB) inTx(ctx context.Context, f func(tx *sql.Tx) error) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	if err := f(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// event is one timeline entry to append.
type event struct {
	action, field, before, after, detail, alertID string
}

func appendTimeline(ctx context.Context, tx *sql.Tx, id, actor string, at time.Time, evs ...event) error {
	for _, e := range evs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO incident_timeline (incident_id, at, actor, action, field, before,
			after, detail, alert_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, at.UnixMicro(), actor, e.action, e.field,
			e.before, e.after, e.detail, e.alertID); err != nil {
			return fmt.Errorf("timeline of %s: %w", id, err)
		}
	}
	return nil
}

// touch marks the incident changed by actor at, and queues its new state for the SecurityIncident table.
func touch(ctx context.Context, tx *sql.Tx, id, actor string, at time.Time) error {
	if _, err := tx.ExecContext(ctx, `UPDATE incidents SET updated_at = max(updated_at, ?), modified_by = ? WHERE id = ?`,
		at.UnixMicro(), actor, id); err != nil {
		return err
	}
	r, err := getIncident(ctx, tx, id)
	if err != nil {
		return err
	}
	ch := state.IncidentChange{Incident: r.Incident}
	rows, err := tx.QueryContext(ctx, `SELECT id FROM alerts WHERE incident_id = ? ORDER BY event_time, id`, id)
	if err != nil {
		return err
	}
	ch.AlertIDs = []string{}
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			rows.Close()
			return err
		}
		ch.AlertIDs = append(ch.AlertIDs, a)
	}
	rows.Close()
	if ch.Comments, err = comments(ctx, tx, id, 50); err != nil {
		return err
	}
	if ch.Tasks, err = tasks(ctx, tx, id); err != nil {
		return err
	}
	body, err := json.Marshal(ch)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO incident_outbox (incident_id, snapshot) VALUES (?, ?)`, id, string(body))
	return err
}

// recompute derives the incident's aggregate fields (alert count, severity unless set, rules, tactics, activity
// times, title unless set) from its alerts.
func recompute(ctx context.Context, tx *sql.Tx, id string) error {
	r, err := getIncident(ctx, tx, id)
	if err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, `SELECT rule_id, rule_title, severity, tactics, event_time, detected_at, details
		FROM alerts WHERE incident_id = ? ORDER BY event_time, id`, id)
	if err != nil {
		return err
	}
	var n, rank int
	var first, last, firstAlert int64
	rules, tactics := []string{}, []string{}
	titles := map[string]string{}
	firstDesc := ""
	for rows.Next() {
		var rule, title, sev, tac, details string
		var et, dt int64
		if err := rows.Scan(&rule, &title, &sev, &tac, &et, &dt, &details); err != nil {
			rows.Close()
			return err
		}
		if n == 0 {
			rank, first, last, firstAlert = severityRank(sev), et, et, dt
			var ad alertDetails
			_ = json.Unmarshal([]byte(details), &ad)
			firstDesc = ad.Description
		}
		n++
		rank, first, last, firstAlert = max(rank, severityRank(sev)), min(first, et), max(last, et), min(firstAlert, dt)
		if !slices.Contains(rules, rule) {
			rules = append(rules, rule)
			titles[rule] = title
		}
		var ts []string
		_ = json.Unmarshal([]byte(tac), &ts)
		for _, t := range ts {
			if !slices.Contains(tactics, t) {
				tactics = append(tactics, t)
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if n == 0 {
		_, err := tx.ExecContext(ctx, `UPDATE incidents SET alert_count = 0 WHERE id = ?`, id)
		return err
	}
	sev, sevRank := r.Severity, severityRank(r.Severity)
	if !r.SeveritySet {
		sev, sevRank = severityName(rank), rank
	}
	title := r.Title
	if !r.titleSet {
		title = autoTitle(rules, titles, tactics)
		var hosts int
		if err := tx.QueryRowContext(ctx, `SELECT count(DISTINCT e.value) FROM alert_entities e JOIN alerts a ON a.id = e.alert_id
			WHERE a.incident_id = ? AND e.type = 'host'`, id).Scan(&hosts); err != nil {
			return err
		}
		if len(rules) > 1 {
			switch {
			case hosts == 1:
				title += " on one endpoint"
			case hosts > 1:
				title += fmt.Sprintf(" on %d endpoints", hosts)
			}
		}
	}
	desc := r.Description
	if desc == "" {
		desc = firstDesc
	}
	_, err = tx.ExecContext(ctx, `UPDATE incidents SET alert_count = ?, severity = ?, severity_rank = ?, rule_ids = ?,
		tactics = ?, first_activity = ?, last_activity = ?, first_alert_at = ?, title = ?, description = ? WHERE id = ?`,
		n, sev, sevRank, jsonText(rules), jsonText(tactics), first, last, firstAlert, title, desc, id)
	return err
}

func severityName(rank int) string {
	return [...]string{"Informational", "Low", "Medium", "High", "High"}[min(max(rank, 0), 4)]
}

// autoTitle names an incident after its rule, or after the tactics of a multi-rule incident.
func autoTitle(rules []string, titles map[string]string, tactics []string) string {
	if len(rules) == 1 {
		return titles[rules[0]]
	}
	if len(tactics) == 0 {
		return fmt.Sprintf("Multi-stage incident with %d detections", len(rules))
	}
	shown := tactics
	if len(shown) > 3 {
		shown = shown[:3]
	}
	t := "Multi-stage incident involving " + strings.Join(shown, " & ")
	if len(tactics) > 3 {
		t += fmt.Sprintf(" and %d more", len(tactics)-3)
	}
	return t
}

// Classifications and the reasons (determinations) that fit each, as Microsoft Sentinel has them.
var classificationReasons = map[string][]string{
	"TruePositive":   {"SuspiciousActivity"},
	"BenignPositive": {"SuspiciousButExpected"},
	"FalsePositive":  {"IncorrectAlertLogic", "InaccurateData"},
	"Undetermined":   {""},
}

var severities = []string{"Informational", "Low", "Medium", "High"}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", state.ErrInvalidChange, fmt.Sprintf(format, args...))
}

func normTags(tags []string) ([]string, error) {
	out := []string{}
	for _, t := range tags {
		t = strings.TrimSpace(t)
		if t == "" {
			continue
		}
		if len(t) > 128 {
			return nil, invalid("tag %q is longer than 128 characters", t[:32]+"...")
		}
		if !slices.ContainsFunc(out, func(o string) bool { return strings.EqualFold(o, t) }) {
			out = append(out, t)
		}
	}
	if len(out) > 50 {
		return nil, invalid("an incident has at most 50 tags, not %d", len(out))
	}
	sort.Strings(out)
	return out, nil
}

// UpdateIncident implements [state.Incidents].
func (d *DB) UpdateIncident(ctx context.Context, id, actor string, u state.IncidentUpdate, at time.Time) (state.Incident, error) {
	var out state.Incident
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		r, err := getIncident(ctx, tx, id)
		if err != nil {
			return err
		}
		cur := r.Incident
		var evs []event
		set := map[string]any{}
		change := func(field, col, before, after string, v any) {
			if before == after {
				return
			}
			evs = append(evs, event{action: "update", field: field, before: before, after: after})
			set[col] = v
		}
		if u.Title != nil {
			t := strings.TrimSpace(*u.Title)
			if t == "" || len(t) > 512 {
				return invalid("title must be 1 to 512 characters")
			}
			change("title", "title", cur.Title, t, t)
			set["title_set"] = 1
		}
		if u.Description != nil {
			change("description", "description", cur.Description, *u.Description, *u.Description)
		}
		if u.Severity != nil {
			switch {
			case *u.Severity == "":
				set["severity_set"] = 0
				evs = append(evs, event{action: "update", field: "severity", before: cur.Severity, after: "(from alerts)"})
			case slices.Contains(severities, *u.Severity):
				change("severity", "severity", cur.Severity, *u.Severity, *u.Severity)
				set["severity_rank"], set["severity_set"] = severityRank(*u.Severity), 1
			default:
				return invalid("severity %q is not one of %s", *u.Severity, strings.Join(severities, ", "))
			}
		}
		if u.Owner != nil {
			change("owner", "owner", cur.Owner, strings.TrimSpace(*u.Owner), strings.TrimSpace(*u.Owner))
			if strings.TrimSpace(*u.Owner) != "" && cur.AcknowledgedAt == nil {
				set["acknowledged_at"] = at.UnixMicro()
			}
		}
		if u.Tags != nil {
			tags, err := normTags(*u.Tags)
			if err != nil {
				return err
			}
			change("tags", "tags", strings.Join(cur.Tags, ", "), strings.Join(tags, ", "), jsonText(tags))
			if _, err := tx.ExecContext(ctx, `DELETE FROM incident_tags WHERE incident_id = ?`, id); err != nil {
				return err
			}
			for _, t := range tags {
				if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO incident_tags (tag, incident_id) VALUES (?, ?)`, t, id); err != nil {
					return err
				}
			}
		}
		class, reason := cur.Classification, cur.ClassificationReason
		if u.Classification != nil {
			class = *u.Classification
			if class != "" {
				if _, ok := classificationReasons[class]; !ok {
					return invalid("classification %q is not one of TruePositive, BenignPositive, FalsePositive, Undetermined", class)
				}
			}
			if u.ClassificationReason == nil {
				reason = "" // a classification with one reason takes it; FalsePositive needs the reason given
				if rs := classificationReasons[class]; len(rs) == 1 {
					reason = rs[0]
				}
			}
		}
		if u.ClassificationReason != nil {
			reason = *u.ClassificationReason
		}
		if class != "" && !slices.Contains(classificationReasons[class], reason) {
			return invalid("classification reason %q does not fit %s (one of %s)", reason, class,
				strings.Join(classificationReasons[class], ", "))
		}
		if class == "" && reason != "" {
			return invalid("a classification reason needs a classification")
		}
		change("classification", "classification", cur.Classification, class, class)
		change("classificationReason", "classification_reason", cur.ClassificationReason, reason, reason)
		if u.ClassificationComment != nil {
			change("classificationComment", "classification_comment", cur.ClassificationComment, *u.ClassificationComment, *u.ClassificationComment)
		}
		if u.Status != nil {
			st := *u.Status
			switch st {
			case state.IncidentNew, state.IncidentActive, state.IncidentResolved:
			default:
				return invalid("status %q is not one of New, Active, Resolved", st)
			}
			if st == state.IncidentResolved && class == "" {
				return invalid("resolving an incident needs a classification (TruePositive, BenignPositive, FalsePositive or Undetermined)")
			}
			change("status", "status", cur.Status, st, st)
			if st != cur.Status {
				if st == state.IncidentActive && cur.AcknowledgedAt == nil {
					set["acknowledged_at"] = at.UnixMicro()
				}
				if st == state.IncidentResolved {
					set["resolved_at"] = at.UnixMicro()
				} else {
					set["resolved_at"] = nil
				}
			}
		}
		if len(evs) == 0 {
			out = cur
			return nil
		}
		cols := make([]string, 0, len(set))
		for c := range set {
			cols = append(cols, c)
		}
		sort.Strings(cols)
		args := []any{}
		for i, c := range cols {
			args = append(args, set[c])
			cols[i] = c + " = ?"
		}
		if _, err := tx.ExecContext(ctx, `UPDATE incidents SET `+strings.Join(cols, ", ")+` WHERE id = ?`, append(args, id)...); err != nil {
			return fmt.Errorf("update incident %s: %w", id, err)
		}
		if u.Severity != nil && *u.Severity == "" {
			if err := recompute(ctx, tx, id); err != nil {
				return err
			}
		}
		if err := appendTimeline(ctx, tx, id, actor, at, evs...); err != nil {
			return err
		}
		if err := touch(ctx, tx, id, actor, at); err != nil {
			return err
		}
		r, err = getIncident(ctx, tx, id)
		out = r.Incident
		return err
	})
	return out, err
}

// AddComment implements [state.Incidents].
func (d *DB) AddComment(ctx context.Context, id, actor, text string, at time.Time) (state.Comment, error) {
	c := state.Comment{Author: actor, Text: strings.TrimSpace(text), CreatedAt: at.UTC().Truncate(time.Microsecond)}
	if c.Text == "" || len(c.Text) > 30000 {
		return c, invalid("a comment is 1 to 30000 characters")
	}
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := getIncident(ctx, tx, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO incident_comments (incident_id, author, text, created_at) VALUES (?, ?, ?, ?)`,
			id, actor, c.Text, at.UnixMicro())
		if err != nil {
			return err
		}
		c.ID, _ = res.LastInsertId()
		if err := appendTimeline(ctx, tx, id, actor, at, event{action: "comment", detail: truncate(c.Text, 200)}); err != nil {
			return err
		}
		return touch(ctx, tx, id, actor, at)
	})
	return c, err
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// AddTask implements [state.Incidents].
func (d *DB) AddTask(ctx context.Context, id, actor, title, description string, at time.Time) (state.Task, error) {
	t := state.Task{Title: strings.TrimSpace(title), Description: description, Status: "New", CreatedBy: actor,
		CreatedAt: at.UTC().Truncate(time.Microsecond)}
	if t.Title == "" || len(t.Title) > 512 {
		return t, invalid("a task title is 1 to 512 characters")
	}
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := getIncident(ctx, tx, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO incident_tasks (incident_id, title, description, status, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, id, t.Title, t.Description, t.Status, actor, at.UnixMicro())
		if err != nil {
			return err
		}
		t.ID, _ = res.LastInsertId()
		if err := appendTimeline(ctx, tx, id, actor, at, event{action: "task_added", after: t.Title}); err != nil {
			return err
		}
		return touch(ctx, tx, id, actor, at)
	})
	return t, err
}

// UpdateTask implements [state.Incidents].
func (d *DB) UpdateTask(ctx context.Context, id string, taskID int64, actor string, u state.TaskUpdate, at time.Time) (state.Task, error) {
	var out state.Task
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		t, err := scanTask(tx.QueryRowContext(ctx, `SELECT `+taskCols+` FROM incident_tasks WHERE id = ? AND incident_id = ?`, taskID, id))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("task %d of incident %s: %w", taskID, id, state.ErrNotFound)
		}
		if err != nil {
			return err
		}
		var evs []event
		if u.Title != nil {
			nt := strings.TrimSpace(*u.Title)
			if nt == "" || len(nt) > 512 {
				return invalid("a task title is 1 to 512 characters")
			}
			if nt != t.Title {
				evs = append(evs, event{action: "task_updated", field: "title", before: t.Title, after: nt})
				t.Title = nt
			}
		}
		if u.Description != nil && *u.Description != t.Description {
			evs = append(evs, event{action: "task_updated", field: "description", before: t.Description, after: *u.Description, detail: t.Title})
			t.Description = *u.Description
		}
		if u.Status != nil && *u.Status != t.Status {
			switch *u.Status {
			case "Completed":
				now := at.UTC().Truncate(time.Microsecond)
				t.CompletedBy, t.CompletedAt = actor, &now
			case "New":
				t.CompletedBy, t.CompletedAt = "", nil
			default:
				return invalid("task status %q is not New or Completed", *u.Status)
			}
			evs = append(evs, event{action: "task_updated", field: "status", before: t.Status, after: *u.Status, detail: t.Title})
			t.Status = *u.Status
		}
		out = t
		if len(evs) == 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE incident_tasks SET title = ?, description = ?, status = ?, completed_by = ?,
			completed_at = ? WHERE id = ?`, t.Title, t.Description, t.Status, t.CompletedBy, unixPtr(t.CompletedAt), t.ID); err != nil {
			return err
		}
		if err := appendTimeline(ctx, tx, id, actor, at, evs...); err != nil {
			return err
		}
		return touch(ctx, tx, id, actor, at)
	})
	return out, err
}
