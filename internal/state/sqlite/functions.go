package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/vigilsec/vigil/internal/state"
)

// Function is a stored KQL function saved through the API.
type Function struct {
	Name        string    `json:"name"`
	Body        string    `json:"body"`
	Description string    `json:"description"`
	Category    string    `json:"category"`
	Version     int       `json:"version"`
	UpdatedAt   time.Time `json:"updatedAt"`
	UpdatedBy   string    `json:"updatedBy"`
}

// FunctionVersion is one version of a stored function: created, updated or deleted, when and by whom, with the
// definition it had.
type FunctionVersion struct {
	Function
	Change string `json:"change"`
}

// Functions returns every stored function, by name.
func (d *DB) Functions(ctx context.Context) ([]Function, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT name, body, description, category, version, updated_at, updated_by
		FROM kql_functions ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("read stored functions: %w", err)
	}
	defer rows.Close()
	var out []Function
	for rows.Next() {
		var f Function
		var at int64
		if err := rows.Scan(&f.Name, &f.Body, &f.Description, &f.Category, &f.Version, &at, &f.UpdatedBy); err != nil {
			return nil, fmt.Errorf("read stored functions: %w", err)
		}
		f.UpdatedAt = time.UnixMicro(at).UTC()
		out = append(out, f)
	}
	return out, rows.Err()
}

// Function returns one stored function, or state.ErrNotFound.
func (d *DB) Function(ctx context.Context, name string) (Function, error) {
	var f Function
	var at int64
	err := d.db.QueryRowContext(ctx, `SELECT name, body, description, category, version, updated_at, updated_by
		FROM kql_functions WHERE name = ?`, name).Scan(&f.Name, &f.Body, &f.Description, &f.Category, &f.Version, &at, &f.UpdatedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return f, state.ErrNotFound
	}
	if err != nil {
		return f, fmt.Errorf("read stored function %s: %w", name, err)
	}
	f.UpdatedAt = time.UnixMicro(at).UTC()
	return f, nil
}

// PutFunction creates or replaces a stored function as a new version (1 for a new name, or one after the last
// version, deletions included) and records it; it returns the function as stored.
func (d *DB) PutFunction(ctx context.Context, f Function, by string) (Function, error) {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return f, err
	}
	defer func() { _ = tx.Rollback() }()
	var last sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT max(version) FROM kql_function_versions WHERE name = ?`, f.Name).Scan(&last); err != nil {
		return f, fmt.Errorf("store function %s: %w", f.Name, err)
	}
	var exists int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM kql_functions WHERE name = ?`, f.Name).Scan(&exists); err != nil {
		return f, fmt.Errorf("store function %s: %w", f.Name, err)
	}
	change := "created"
	if exists > 0 {
		change = "updated"
	}
	now := time.Now().UTC()
	f.Version, f.UpdatedAt, f.UpdatedBy = int(last.Int64)+1, now.Truncate(time.Microsecond), by
	if _, err := tx.ExecContext(ctx, `INSERT INTO kql_functions (name, body, description, category, version, updated_at, updated_by)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET body = excluded.body, description = excluded.description,
		category = excluded.category, version = excluded.version, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
		f.Name, f.Body, f.Description, f.Category, f.Version, now.UnixMicro(), by); err != nil {
		return f, fmt.Errorf("store function %s: %w", f.Name, err)
	}
	if err := addFunctionVersion(ctx, tx, f, change, now, by); err != nil {
		return f, err
	}
	if err := tx.Commit(); err != nil {
		return f, fmt.Errorf("store function %s: %w", f.Name, err)
	}
	return f, nil
}

// DeleteFunction removes a stored function, keeping its versions and recording the deletion as one more;
// state.ErrNotFound when there is no such function.
func (d *DB) DeleteFunction(ctx context.Context, name, by string) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	var f Function
	err = tx.QueryRowContext(ctx, `SELECT name, body, description, category, version FROM kql_functions WHERE name = ?`, name).
		Scan(&f.Name, &f.Body, &f.Description, &f.Category, &f.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return state.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("delete function %s: %w", name, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM kql_functions WHERE name = ?`, name); err != nil {
		return fmt.Errorf("delete function %s: %w", name, err)
	}
	f.Version++
	if err := addFunctionVersion(ctx, tx, f, "deleted", time.Now().UTC(), by); err != nil {
		return err
	}
	return tx.Commit()
}

// FunctionVersions returns every version of a function, oldest first; state.ErrNotFound when it never existed.
func (d *DB) FunctionVersions(ctx context.Context, name string) ([]FunctionVersion, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT name, version, change, body, description, category, at, changed_by
		FROM kql_function_versions WHERE name = ? ORDER BY version`, name)
	if err != nil {
		return nil, fmt.Errorf("read function versions: %w", err)
	}
	defer rows.Close()
	var out []FunctionVersion
	for rows.Next() {
		var v FunctionVersion
		var at int64
		if err := rows.Scan(&v.Name, &v.Version, &v.Change, &v.Body, &v.Description, &v.Category, &at, &v.UpdatedBy); err != nil {
			return nil, fmt.Errorf("read function versions: %w", err)
		}
		v.UpdatedAt = time.UnixMicro(at).UTC()
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, state.ErrNotFound
	}
	return out, nil
}

func addFunctionVersion(ctx context.Context, tx *sql.Tx, f Function, change string, at time.Time, by string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO kql_function_versions (name, version, change, body, description, category, at, changed_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, f.Name, f.Version, change, f.Body, f.Description, f.Category, at.UnixMicro(), by)
	if err != nil {
		return fmt.Errorf("record function %s version %d: %w", f.Name, f.Version, err)
	}
	return nil
}
