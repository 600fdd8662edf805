package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// RuleRecord is a stored analytics rule definition.
type RuleRecord struct {
	ID         string          `json:"id"`
	Name       string          `json:"name"`
	Kind       string          `json:"kind"`
	Enabled    bool            `json:"enabled"`
	Version    int             `json:"version"`
	Definition json.RawMessage `json:"definition"`
	UpdatedAt  time.Time       `json:"updatedAt"`
}

// SaveRuleDefinition stores a rule definition (any JSON-marshalable value) under id: version 1 when new, a new
// version when the definition differs from the current one, unchanged otherwise. It returns the current version.
func (d *DB) SaveRuleDefinition(ctx context.Context, id, name, kind string, def any) (int, error) {
	v, _, err := d.saveRule(ctx, id, name, kind, def, "import", false)
	return v, err
}

// ErrRuleExists is returned by CreateRuleDefinition when a rule with the id exists.
var ErrRuleExists = errors.New("state: rule exists")

// CreateRuleDefinition stores a new rule (version 1), or returns ErrRuleExists. by names who created it.
func (d *DB) CreateRuleDefinition(ctx context.Context, id, name, kind string, def any, by string) (int, error) {
	v, _, err := d.saveRule(ctx, id, name, kind, def, by, true)
	return v, err
}

// UpdateRuleDefinition stores def as the rule's next version when it differs from the current one; it returns
// the current version and whether it changed, or state.ErrNotFound when there is no such rule.
func (d *DB) UpdateRuleDefinition(ctx context.Context, id, name, kind string, def any, by string) (int, bool, error) {
	if _, err := d.RuleDefinition(ctx, id); err != nil {
		return 0, false, err
	}
	return d.saveRule(ctx, id, name, kind, def, by, false)
}

func (d *DB) saveRule(ctx context.Context, id, name, kind string, def any, by string, mustBeNew bool) (int, bool, error) {
	body, err := json.Marshal(def)
	if err != nil {
		return 0, false, err
	}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, false, err
	}
	defer func() { _ = tx.Rollback() }()
	now := time.Now().UnixMicro()
	var version int
	var current string
	change := "updated"
	err = tx.QueryRowContext(ctx, `SELECT version, definition FROM analytics_rules WHERE id = ?`, id).Scan(&version, &current)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		version, change = 1, "created"
		if _, err := tx.ExecContext(ctx, `INSERT INTO analytics_rules (id, name, kind, version, definition, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			id, name, kind, version, string(body), now, now); err != nil {
			return 0, false, err
		}
	case err != nil:
		return 0, false, err
	case mustBeNew:
		return 0, false, fmt.Errorf("%w: %s", ErrRuleExists, id)
	case current == string(body):
		return version, false, nil
	default:
		version++
		if _, err := tx.ExecContext(ctx, `UPDATE analytics_rules SET name = ?, kind = ?, version = ?, definition = ?, updated_at = ? WHERE id = ?`,
			name, kind, version, string(body), now, id); err != nil {
			return 0, false, err
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO analytics_rule_versions (rule_id, version, definition, changed_at) VALUES (?, ?, ?, ?)`, id, version, string(body), now); err != nil {
		return 0, false, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO analytics_rule_changes (rule_id, at, change, version, changed_by) VALUES (?, ?, ?, ?, ?)`, id, now, change, version, by); err != nil {
		return 0, false, err
	}
	return version, true, tx.Commit()
}

// RuleDefinitions lists the stored rules.
func (d *DB) RuleDefinitions(ctx context.Context) ([]RuleRecord, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT id, name, kind, enabled, version, definition, updated_at FROM analytics_rules ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []RuleRecord
	for rows.Next() {
		var r RuleRecord
		var def string
		var at int64
		if err := rows.Scan(&r.ID, &r.Name, &r.Kind, &r.Enabled, &r.Version, &def, &at); err != nil {
			return nil, err
		}
		r.Definition, r.UpdatedAt = json.RawMessage(def), time.UnixMicro(at).UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}

// RuleRun is one evaluation of a scheduled rule over one window.
type RuleRun struct {
	RuleID      string    `json:"ruleId"`
	WindowStart time.Time `json:"windowStart"`
	WindowEnd   time.Time `json:"windowEnd"`
	StartedAt   time.Time `json:"startedAt"`
	DurationMS  float64   `json:"durationMs"`
	Rows        int       `json:"rows"`
	Alerts      int       `json:"alerts"`
	Error       string    `json:"error,omitempty"`
}

// RecordRuleRun records a run; a second record for the same rule and window end is ignored (a window is evaluated
// once). It reports whether the run was new.
func (d *DB) RecordRuleRun(ctx context.Context, r RuleRun) (bool, error) {
	res, err := d.db.ExecContext(ctx, `INSERT OR IGNORE INTO analytics_rule_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		r.RuleID, r.WindowStart.UnixMicro(), r.WindowEnd.UnixMicro(), r.StartedAt.UnixMicro(), r.DurationMS, r.Rows, r.Alerts, r.Error)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// LastRuleWindow returns the end of the last window recorded for a rule (zero when none).
func (d *DB) LastRuleWindow(ctx context.Context, ruleID string) (time.Time, error) {
	var end sql.NullInt64
	if err := d.db.QueryRowContext(ctx, `SELECT max(window_end) FROM analytics_rule_runs WHERE rule_id = ?`, ruleID).Scan(&end); err != nil {
		return time.Time{}, err
	}
	if !end.Valid {
		return time.Time{}, nil
	}
	return time.UnixMicro(end.Int64).UTC(), nil
}

// RuleRuns lists a rule's runs, oldest window first.
func (d *DB) RuleRuns(ctx context.Context, ruleID string) ([]RuleRun, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT rule_id, window_start, window_end, started_at, duration_ms, rows, alerts, error
		FROM analytics_rule_runs WHERE rule_id = ? ORDER BY window_end`, ruleID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []RuleRun
	for rows.Next() {
		var r RuleRun
		var ws, we, sa int64
		if err := rows.Scan(&r.RuleID, &ws, &we, &sa, &r.DurationMS, &r.Rows, &r.Alerts, &r.Error); err != nil {
			return nil, err
		}
		r.WindowStart, r.WindowEnd, r.StartedAt = time.UnixMicro(ws).UTC(), time.UnixMicro(we).UTC(), time.UnixMicro(sa).UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}
