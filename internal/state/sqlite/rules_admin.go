package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/vigilsec/vigil/internal/state"
)

// RuleDefinition returns one stored rule, or state.ErrNotFound.
func (d *DB) RuleDefinition(ctx context.Context, id string) (RuleRecord, error) {
	var r RuleRecord
	var def string
	var at int64
	err := d.db.QueryRowContext(ctx, `SELECT id, name, kind, enabled, version, definition, updated_at FROM analytics_rules WHERE id = ?`, id).
		Scan(&r.ID, &r.Name, &r.Kind, &r.Enabled, &r.Version, &def, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return r, state.ErrNotFound
	}
	if err != nil {
		return r, err
	}
	r.Definition, r.UpdatedAt = json.RawMessage(def), time.UnixMicro(at).UTC()
	return r, nil
}

// SetRuleEnabled enables or disables a rule and records the change; state.ErrNotFound when there is no such rule.
// Enabling or disabling keeps the rule's version (its definition is unchanged).
func (d *DB) SetRuleEnabled(ctx context.Context, id string, enabled bool, by string) (RuleRecord, error) {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return RuleRecord{}, err
	}
	defer func() { _ = tx.Rollback() }()
	var version int
	var was bool
	err = tx.QueryRowContext(ctx, `SELECT version, enabled FROM analytics_rules WHERE id = ?`, id).Scan(&version, &was)
	if errors.Is(err, sql.ErrNoRows) {
		return RuleRecord{}, state.ErrNotFound
	}
	if err != nil {
		return RuleRecord{}, err
	}
	if was != enabled {
		now := time.Now().UnixMicro()
		if _, err := tx.ExecContext(ctx, `UPDATE analytics_rules SET enabled = ?, updated_at = ? WHERE id = ?`, enabled, now, id); err != nil {
			return RuleRecord{}, err
		}
		change := "disabled"
		if enabled {
			change = "enabled"
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO analytics_rule_changes (rule_id, at, change, version, changed_by) VALUES (?, ?, ?, ?, ?)`, id, now, change, version, by); err != nil {
			return RuleRecord{}, err
		}
	}
	if err := tx.Commit(); err != nil {
		return RuleRecord{}, err
	}
	return d.RuleDefinition(ctx, id)
}

// DeleteRule removes a rule with its versions, runs and suppressions (its alerts stay, and the change log keeps the
// deletion); state.ErrNotFound when there is no such rule.
func (d *DB) DeleteRule(ctx context.Context, id, by string) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	var version int
	err = tx.QueryRowContext(ctx, `SELECT version FROM analytics_rules WHERE id = ?`, id).Scan(&version)
	if errors.Is(err, sql.ErrNoRows) {
		return state.ErrNotFound
	}
	if err != nil {
		return err
	}
	for _, q := range []string{`DELETE FROM analytics_rule_versions WHERE rule_id = ?`, `DELETE FROM analytics_rule_runs WHERE rule_id = ?`,
		`DELETE FROM analytics_rule_suppressions WHERE rule_id = ?`, `DELETE FROM analytics_rules WHERE id = ?`} {
		if _, err := tx.ExecContext(ctx, q, id); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO analytics_rule_changes (rule_id, at, change, version, changed_by) VALUES (?, ?, 'deleted', ?, ?)`,
		id, time.Now().UnixMicro(), version, by); err != nil {
		return err
	}
	return tx.Commit()
}

// RuleVersion is one stored version of a rule's definition.
type RuleVersion struct {
	Version    int             `json:"version"`
	ChangedAt  time.Time       `json:"changedAt"`
	Definition json.RawMessage `json:"definition"`
}

// RuleChange is one entry of a rule's change log: created, updated, enabled, disabled or deleted.
type RuleChange struct {
	At      time.Time `json:"at"`
	Change  string    `json:"change"`
	Version int       `json:"version"`
	By      string    `json:"by,omitempty"`
}

// RuleVersions returns a rule's versions, newest first, and its change log, newest first.
func (d *DB) RuleVersions(ctx context.Context, id string) ([]RuleVersion, []RuleChange, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT version, changed_at, definition FROM analytics_rule_versions WHERE rule_id = ? ORDER BY version DESC`, id)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	versions := []RuleVersion{}
	for rows.Next() {
		var v RuleVersion
		var at int64
		var def string
		if err := rows.Scan(&v.Version, &at, &def); err != nil {
			return nil, nil, err
		}
		v.ChangedAt, v.Definition = time.UnixMicro(at).UTC(), json.RawMessage(def)
		versions = append(versions, v)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	crows, err := d.db.QueryContext(ctx, `SELECT at, change, version, changed_by FROM analytics_rule_changes WHERE rule_id = ? ORDER BY at DESC, rowid DESC`, id)
	if err != nil {
		return nil, nil, err
	}
	defer crows.Close()
	changes := []RuleChange{}
	for crows.Next() {
		var c RuleChange
		var at int64
		if err := crows.Scan(&at, &c.Change, &c.Version, &c.By); err != nil {
			return nil, nil, err
		}
		c.At = time.UnixMicro(at).UTC()
		changes = append(changes, c)
	}
	return versions, changes, crows.Err()
}

// RuleHealth sums up a rule's evaluations: scheduled runs from the run records, alerts from the alert store.
type RuleHealth struct {
	Runs       int        `json:"runs"`
	FailedRuns int        `json:"failedRuns"`
	Alerts     int        `json:"alerts"`
	LastRun    *RuleRun   `json:"lastRun,omitempty"`
	LastError  string     `json:"lastError,omitempty"`
	LastErrAt  *time.Time `json:"lastErrorAt,omitempty"`
	LastAlert  *time.Time `json:"lastAlertAt,omitempty"`
}

// RulesHealth returns the health of every rule that has runs or alerts, by rule id.
func (d *DB) RulesHealth(ctx context.Context) (map[string]*RuleHealth, error) {
	out := map[string]*RuleHealth{}
	get := func(id string) *RuleHealth {
		h := out[id]
		if h == nil {
			h = &RuleHealth{}
			out[id] = h
		}
		return h
	}
	rows, err := d.db.QueryContext(ctx, `SELECT rule_id, count(*), sum(error != ''), max(window_end) FROM analytics_rule_runs GROUP BY rule_id`)
	if err != nil {
		return nil, err
	}
	type last struct {
		id  string
		end int64
	}
	var lasts []last
	for rows.Next() {
		var id string
		var n, failed int
		var end int64
		if err := rows.Scan(&id, &n, &failed, &end); err != nil {
			rows.Close()
			return nil, err
		}
		h := get(id)
		h.Runs, h.FailedRuns = n, failed
		lasts = append(lasts, last{id, end})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, l := range lasts {
		run, err := scanRun(d.db.QueryRowContext(ctx, `SELECT rule_id, window_start, window_end, started_at, duration_ms, rows, alerts, error
			FROM analytics_rule_runs WHERE rule_id = ? AND window_end = ?`, l.id, l.end))
		if err != nil {
			return nil, err
		}
		get(l.id).LastRun = &run
		var msg string
		var at int64
		err = d.db.QueryRowContext(ctx, `SELECT error, started_at FROM analytics_rule_runs WHERE rule_id = ? AND error != '' ORDER BY window_end DESC LIMIT 1`, l.id).Scan(&msg, &at)
		if err == nil {
			t := time.UnixMicro(at).UTC()
			get(l.id).LastError, get(l.id).LastErrAt = msg, &t
		} else if !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
	}
	arows, err := d.db.QueryContext(ctx, `SELECT rule_id, count(*), max(detected_at) FROM alerts WHERE source IN ('scheduled', 'nrt') GROUP BY rule_id`)
	if err != nil {
		return nil, err
	}
	defer arows.Close()
	for arows.Next() {
		var id string
		var n int
		var at int64
		if err := arows.Scan(&id, &n, &at); err != nil {
			return nil, err
		}
		t := time.UnixMicro(at).UTC()
		h := get(id)
		h.Alerts, h.LastAlert = n, &t
	}
	return out, arows.Err()
}

func scanRun(sc interface{ Scan(...any) error }) (RuleRun, error) {
	var r RuleRun
	var ws, we, sa int64
	if err := sc.Scan(&r.RuleID, &ws, &we, &sa, &r.DurationMS, &r.Rows, &r.Alerts, &r.Error); err != nil {
		return r, err
	}
	r.WindowStart, r.WindowEnd, r.StartedAt = time.UnixMicro(ws).UTC(), time.UnixMicro(we).UTC(), time.UnixMicro(sa).UTC()
	return r, nil
}

// Suppressed reports whether alerts of a rule about the entities behind key are suppressed at time at.
func (d *DB) Suppressed(ctx context.Context, ruleID, key string, at time.Time) (bool, error) {
	var until int64
	err := d.db.QueryRowContext(ctx, `SELECT until FROM analytics_rule_suppressions WHERE rule_id = ? AND entity_key = ?`, ruleID, key).Scan(&until)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return at.UnixMicro() < until, nil
}

// Suppress suppresses alerts of a rule about the entities behind key until the given time.
func (d *DB) Suppress(ctx context.Context, ruleID, key string, until time.Time) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO analytics_rule_suppressions (rule_id, entity_key, until) VALUES (?, ?, ?)
		ON CONFLICT (rule_id, entity_key) DO UPDATE SET until = excluded.until`, ruleID, key, until.UnixMicro())
	return err
}

// PruneSuppressions removes suppressions that ended before t.
func (d *DB) PruneSuppressions(ctx context.Context, t time.Time) error {
	_, err := d.db.ExecContext(ctx, `DELETE FROM analytics_rule_suppressions WHERE until < ?`, t.UnixMicro())
	return err
}

// RecentRuleRuns returns a rule's most recent runs, newest window first (limit 100 when not positive, at most 1000).
func (d *DB) RecentRuleRuns(ctx context.Context, ruleID string, limit int) ([]RuleRun, error) {
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	rows, err := d.db.QueryContext(ctx, `SELECT rule_id, window_start, window_end, started_at, duration_ms, rows, alerts, error
		FROM analytics_rule_runs WHERE rule_id = ? ORDER BY window_end DESC LIMIT ?`, ruleID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []RuleRun{}
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// SaveRule stores a rule definition as SaveRuleDefinition does, naming who changed it; it returns the current
// version and whether the definition changed.
func (d *DB) SaveRule(ctx context.Context, id, name, kind string, def any, by string) (int, bool, error) {
	return d.saveRule(ctx, id, name, kind, def, by, false)
}

// LastDefinitionChange returns the latest creation, update or deletion in a rule's change log, or
// state.ErrNotFound when it has none.
func (d *DB) LastDefinitionChange(ctx context.Context, id string) (RuleChange, error) {
	var c RuleChange
	var at int64
	err := d.db.QueryRowContext(ctx, `SELECT at, change, version, changed_by FROM analytics_rule_changes WHERE rule_id = ? AND change IN ('created', 'updated', 'deleted')
		ORDER BY at DESC, rowid DESC LIMIT 1`, id).
		Scan(&at, &c.Change, &c.Version, &c.By)
	if errors.Is(err, sql.ErrNoRows) {
		return c, state.ErrNotFound
	}
	c.At = time.UnixMicro(at).UTC()
	return c, err
}

// FirstRuleWindow returns the end of the first window recorded for a rule (zero when none).
func (d *DB) FirstRuleWindow(ctx context.Context, ruleID string) (time.Time, error) {
	var end sql.NullInt64
	if err := d.db.QueryRowContext(ctx, `SELECT min(window_end) FROM analytics_rule_runs WHERE rule_id = ?`, ruleID).Scan(&end); err != nil {
		return time.Time{}, err
	}
	if !end.Valid {
		return time.Time{}, nil
	}
	return time.UnixMicro(end.Int64).UTC(), nil
}
