// Package sqlite is the embedded state store on SQLite (the pure-Go modernc driver), with versioned migrations.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/state"
)

var _ state.Store = (*DB)(nil)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is the SQLite state store.
type DB struct {
	db *sql.DB
}

// Open opens (creating and migrating if needed) the database at path.
func Open(ctx context.Context, path string) (*DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("create state directory: %w", err)
	}
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	db.SetMaxOpenConns(4)
	d := &DB{db: db}
	if err := d.migrate(ctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	return d, nil
}

// SQL returns the underlying database for packages that own their own tables in the state store.
func (d *DB) SQL() *sql.DB { return d.db }

// migrate applies, in order and each in its own transaction, the embedded migrations not applied yet.
func (d *DB) migrate(ctx context.Context) error {
	if _, err := d.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("create migrations table: %w", err)
	}
	var current int
	if err := d.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	files, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(files)
	for _, f := range files {
		base := filepath.Base(f)
		v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("migration %s: name must start with a version number", base)
		}
		if v <= current {
			continue
		}
		body, err := migrations.ReadFile(f)
		if err != nil {
			return err
		}
		tx, err := d.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("migration %s: %w", base, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations VALUES (?, ?)`, v, time.Now().Unix()); err != nil {
			_ = tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migration %s: %w", base, err)
		}
	}
	return nil
}

// Version returns the schema version applied.
func (d *DB) Version(ctx context.Context) (int, error) {
	var v int
	err := d.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}

func unixPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMicro()
}

func timePtr(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := time.UnixMicro(v.Int64).UTC()
	return &t
}

// CreateToken implements [state.Store].
func (d *DB) CreateToken(ctx context.Context, t state.Token, hash []byte) error {
	var user any
	if t.UserID != "" {
		user = t.UserID
	}
	_, err := d.db.ExecContext(ctx, `INSERT INTO tokens (id, name, role, hash, created_at, expires_at, user_id, scopes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.Name, t.Role, hash, t.CreatedAt.UnixMicro(), unixPtr(t.ExpiresAt), user, strings.Join(t.Scopes, " "))
	if err != nil {
		return fmt.Errorf("create token: %w", err)
	}
	return nil
}

const tokenCols = `id, name, role, created_at, expires_at, last_used, revoked, COALESCE(user_id, ''), scopes`

func scanToken(sc interface{ Scan(...any) error }) (state.Token, error) {
	var t state.Token
	var created int64
	var exp, used sql.NullInt64
	var scopes string
	if err := sc.Scan(&t.ID, &t.Name, &t.Role, &created, &exp, &used, &t.Revoked, &t.UserID, &scopes); err != nil {
		return t, err
	}
	if scopes != "" {
		t.Scopes = strings.Fields(scopes)
	}
	t.CreatedAt = time.UnixMicro(created).UTC()
	t.ExpiresAt, t.LastUsed = timePtr(exp), timePtr(used)
	return t, nil
}

// TokenByHash implements [state.Store].
func (d *DB) TokenByHash(ctx context.Context, hash []byte) (state.Token, error) {
	t, err := scanToken(d.db.QueryRowContext(ctx, `SELECT `+tokenCols+` FROM tokens WHERE hash = ?`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return t, state.ErrNotFound
	}
	return t, err
}

// TouchToken implements [state.Store].
func (d *DB) TouchToken(ctx context.Context, id string, at time.Time) error {
	_, err := d.db.ExecContext(ctx, `UPDATE tokens SET last_used = ? WHERE id = ?`, at.UnixMicro(), id)
	return err
}

// Tokens implements [state.Store].
func (d *DB) Tokens(ctx context.Context) ([]state.Token, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT `+tokenCols+` FROM tokens ORDER BY created_at`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []state.Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken implements [state.Store].
func (d *DB) RevokeToken(ctx context.Context, id string) error {
	res, err := d.db.ExecContext(ctx, `UPDATE tokens SET revoked = 1 WHERE id = ?`, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return state.ErrNotFound
	}
	return nil
}

// AddIngestStats implements [state.Store].
func (d *DB) AddIngestStats(ctx context.Context, deltas []state.IngestStat) error {
	if len(deltas) == 0 {
		return nil
	}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	for _, s := range deltas {
		_, err := tx.ExecContext(ctx, `INSERT INTO ingest_stats (table_name, received, accepted, rejected, written, last_at)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (table_name) DO UPDATE SET received = received + excluded.received,
				accepted = accepted + excluded.accepted, rejected = rejected + excluded.rejected,
				written = written + excluded.written, last_at = COALESCE(excluded.last_at, last_at)`,
			s.Table, s.Received, s.Accepted, s.Rejected, s.Written, unixPtr(s.LastAt))
		if err != nil {
			return fmt.Errorf("ingest stats: %w", err)
		}
	}
	return tx.Commit()
}

// IngestStats implements [state.Store].
func (d *DB) IngestStats(ctx context.Context) ([]state.IngestStat, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT table_name, received, accepted, rejected, written, last_at FROM ingest_stats ORDER BY table_name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []state.IngestStat
	for rows.Next() {
		var s state.IngestStat
		var last sql.NullInt64
		if err := rows.Scan(&s.Table, &s.Received, &s.Accepted, &s.Rejected, &s.Written, &last); err != nil {
			return nil, err
		}
		s.LastAt = timePtr(last)
		out = append(out, s)
	}
	return out, rows.Err()
}

// SaveCustomTable implements [state.Store].
func (d *DB) SaveCustomTable(ctx context.Context, name string, cols []schema.Column) error {
	body, err := json.Marshal(cols)
	if err != nil {
		return err
	}
	_, err = d.db.ExecContext(ctx, `INSERT INTO custom_tables (name, columns, created_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET columns = excluded.columns`, name, string(body), time.Now().UnixMicro())
	return err
}

// CustomTables implements [state.Store].
func (d *DB) CustomTables(ctx context.Context) (map[string][]schema.Column, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT name, columns FROM custom_tables`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]schema.Column{}
	for rows.Next() {
		var name, body string
		if err := rows.Scan(&name, &body); err != nil {
			return nil, err
		}
		var cols []schema.Column
		if err := json.Unmarshal([]byte(body), &cols); err != nil {
			return nil, fmt.Errorf("custom table %s: %w", name, err)
		}
		out[name] = cols
	}
	return out, rows.Err()
}

// Close implements [state.Store].
func (d *DB) Close() error { return d.db.Close() }
