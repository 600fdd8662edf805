package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vigilsec/vigil/internal/state"
)

var _ state.Alerts = (*DB)(nil)

// AddAlerts implements [state.Alerts].
func (d *DB) AddAlerts(ctx context.Context, alerts []state.Alert) (int, error) {
	if len(alerts) == 0 {
		return 0, nil
	}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer func() { _ = tx.Rollback() }()
	added, err := addAlerts(ctx, tx, alerts)
	if err != nil {
		return 0, err
	}
	return added, tx.Commit()
}

// addAlerts inserts alerts in tx, skipping known ids, and returns how many were new.
func addAlerts(ctx context.Context, tx *sql.Tx, alerts []state.Alert) (int, error) {
	if len(alerts) == 0 {
		return 0, nil
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO alerts (id, source, rule_id, rule_title, rule_author, severity,
		status, tactics, techniques, entities, matched_fields, event, event_table, event_item_id, event_time, detected_at,
		details, incident_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return 0, err
	}
	defer stmt.Close()
	added := 0
	for _, a := range alerts {
		res, err := stmt.ExecContext(ctx, a.ID, a.Source, a.RuleID, a.RuleTitle, a.RuleAuthor, a.Severity, a.Status,
			jsonText(a.Tactics), jsonText(a.Techniques), jsonText(a.Entities), jsonText(a.MatchedFields), jsonText(a.Event),
			a.EventTable, a.EventItemID, a.EventTime.UnixMicro(), a.DetectedAt.UnixMicro(), detailsJSON(a), a.IncidentID)
		if err != nil {
			return 0, fmt.Errorf("add alert %s: %w", a.ID, err)
		}
		n, _ := res.RowsAffected()
		added += int(n)
	}
	return added, nil
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil || string(b) == "null" {
		return "[]"
	}
	return string(b)
}

// alertDetails are the alert fields kept together in the details column.
type alertDetails struct {
	Description   string              `json:"description,omitempty"`
	RuleVersion   int                 `json:"ruleVersion,omitempty"`
	CustomDetails map[string][]string `json:"customDetails,omitempty"`
	Evidence      []map[string]any    `json:"evidence,omitempty"`
	WindowStart   *time.Time          `json:"windowStart,omitempty"`
	WindowEnd     *time.Time          `json:"windowEnd,omitempty"`
	Grouping      *state.Grouping     `json:"grouping,omitempty"`
	SourceTables  []string            `json:"sourceTables,omitempty"`
}

func detailsJSON(a state.Alert) string {
	b, err := json.Marshal(alertDetails{Description: a.Description, RuleVersion: a.RuleVersion,
		CustomDetails: a.CustomDetails, Evidence: a.Evidence, WindowStart: a.WindowStart, WindowEnd: a.WindowEnd,
		Grouping: a.Grouping, SourceTables: a.SourceTables})
	if err != nil {
		return "{}"
	}
	return string(b)
}

const alertCols = `id, source, rule_id, rule_title, rule_author, severity, status, tactics, techniques, entities,
	matched_fields, event, event_table, event_item_id, event_time, detected_at, details, incident_id`

func scanAlert(sc interface{ Scan(...any) error }) (state.Alert, error) {
	var a state.Alert
	var tactics, techniques, entities, fields, ev, details string
	var et, dt int64
	if err := sc.Scan(&a.ID, &a.Source, &a.RuleID, &a.RuleTitle, &a.RuleAuthor, &a.Severity, &a.Status, &tactics,
		&techniques, &entities, &fields, &ev, &a.EventTable, &a.EventItemID, &et, &dt, &details, &a.IncidentID); err != nil {
		return a, err
	}
	var d alertDetails
	_ = json.Unmarshal([]byte(details), &d)
	a.Description, a.RuleVersion, a.CustomDetails, a.Evidence = d.Description, d.RuleVersion, d.CustomDetails, d.Evidence
	a.WindowStart, a.WindowEnd, a.Grouping, a.SourceTables = d.WindowStart, d.WindowEnd, d.Grouping, d.SourceTables
	_ = json.Unmarshal([]byte(tactics), &a.Tactics)
	_ = json.Unmarshal([]byte(techniques), &a.Techniques)
	_ = json.Unmarshal([]byte(entities), &a.Entities)
	_ = json.Unmarshal([]byte(fields), &a.MatchedFields)
	_ = json.Unmarshal([]byte(ev), &a.Event)
	a.EventTime, a.DetectedAt = time.UnixMicro(et).UTC(), time.UnixMicro(dt).UTC()
	return a, nil
}

// ListAlerts implements [state.Alerts].
func (d *DB) ListAlerts(ctx context.Context, f state.AlertFilter) ([]state.Alert, int, error) {
	var where []string
	var args []any
	for col, v := range map[string]string{"severity": f.Severity, "status": f.Status, "rule_id": f.RuleID} {
		if v != "" {
			where = append(where, col+" = ?")
			args = append(args, v)
		}
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	var total int
	if err := d.db.QueryRowContext(ctx, `SELECT count(*) FROM alerts`+cond, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	rows, err := d.db.QueryContext(ctx, `SELECT `+alertCols+` FROM alerts`+cond+` ORDER BY detected_at DESC, id LIMIT ? OFFSET ?`,
		append(args, limit, max(f.Offset, 0))...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := []state.Alert{}
	for rows.Next() {
		a, err := scanAlert(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, a)
	}
	return out, total, rows.Err()
}

// Alert implements [state.Alerts].
func (d *DB) Alert(ctx context.Context, id string) (state.Alert, error) {
	a, err := scanAlert(d.db.QueryRowContext(ctx, `SELECT `+alertCols+` FROM alerts WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, state.ErrNotFound
	}
	return a, err
}
