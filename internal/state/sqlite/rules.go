package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
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
	body, err := json.Marshal(def)
	if err != nil {
		return 0, err
	}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer func() { _ = tx.Rollback() }()
	now := time.Now().UnixMicro()
	var version int
	var current string
	err = tx.QueryRowContext(ctx, `SELECT version, definition FROM analytics_rules WHERE id = ?`, id).Scan(&version, &current)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		version = 1
		if _, err := tx.ExecContext(ctx, `INSERT INTO analytics_rules (id, name, kind, version, definition, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			id, name, kind, version, string(body), now, now); err != nil {
			return 0, err
		}
	case err != nil:
		return 0, err
	case current == string(body):
		return version, nil
	default:
		version++
		if _, err := tx.ExecContext(ctx, `UPDATE analytics_rules SET name = ?, kind = ?, version = ?, definition = ?, updated_at = ? WHERE id = ?`,
			name, kind, version, string(body), now, id); err != nil {
			return 0, err
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO analytics_rule_versions VALUES (?, ?, ?, ?)`, id, version, string(body), now); err != nil {
		return 0, err
	}
	return version, tx.Commit()
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
