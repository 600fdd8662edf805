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

var _ state.Identity = (*DB)(nil)

// isConstraint reports whether err is a UNIQUE or PRIMARY KEY violation.
func isConstraint(err error) bool {
	return err != nil && strings.Contains(err.Error(), "constraint failed: UNIQUE") ||
		err != nil && strings.Contains(err.Error(), "constraint failed: PRIMARY KEY")
}

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullJSON(b json.RawMessage) any {
	if len(b) == 0 {
		return nil
	}
	return string(b)
}

func affected(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return state.ErrNotFound
	}
	return nil
}

// CreateUser implements [state.Identity].
func (d *DB) CreateUser(ctx context.Context, u state.User) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO users (id, username, display_name, email, role, source, external_id, disabled,
		password_hash, failed_logins, locked_until, totp_secret, totp_enabled, totp_last_step, recovery_codes, created_at, updated_at,
		last_login, password_changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.Username, u.DisplayName, u.Email, u.Role, u.Source, nullStr(u.ExternalID), u.Disabled, u.PasswordHash,
		u.FailedLogins, unixPtr(u.LockedUntil), u.TOTPSecret, u.TOTPEnabled, u.TOTPLastStep, u.RecoveryCodes,
		u.CreatedAt.UnixMicro(), u.UpdatedAt.UnixMicro(), unixPtr(u.LastLogin), unixPtr(u.PasswordChangedAt))
	if isConstraint(err) {
		return fmt.Errorf("%w: user %q exists", state.ErrConflict, u.Username)
	}
	if err != nil {
		return fmt.Errorf("create user: %w", err)
	}
	return nil
}

// UpdateUser implements [state.Identity]: every field but the id and creation time is written.
func (d *DB) UpdateUser(ctx context.Context, u state.User) error {
	res, err := d.db.ExecContext(ctx, `UPDATE users SET username = ?, display_name = ?, email = ?, role = ?, source = ?,
		external_id = ?, disabled = ?, password_hash = ?, failed_logins = ?, locked_until = ?, totp_secret = ?, totp_enabled = ?,
		totp_last_step = ?, recovery_codes = ?, updated_at = ?, last_login = ?, password_changed_at = ? WHERE id = ?`,
		u.Username, u.DisplayName, u.Email, u.Role, u.Source, nullStr(u.ExternalID), u.Disabled, u.PasswordHash,
		u.FailedLogins, unixPtr(u.LockedUntil), u.TOTPSecret, u.TOTPEnabled, u.TOTPLastStep, u.RecoveryCodes,
		u.UpdatedAt.UnixMicro(), unixPtr(u.LastLogin), unixPtr(u.PasswordChangedAt), u.ID)
	if isConstraint(err) {
		return fmt.Errorf("%w: user %q exists", state.ErrConflict, u.Username)
	}
	return affected(res, err)
}

// DeleteUser implements [state.Identity]; the user's sessions and tokens go with it.
func (d *DB) DeleteUser(ctx context.Context, id string) error {
	return affected(d.db.ExecContext(ctx, `DELETE FROM users WHERE id = ?`, id))
}

const userCols = `id, username, display_name, email, role, source, COALESCE(external_id, ''), disabled, password_hash,
	failed_logins, locked_until, totp_secret, totp_enabled, totp_last_step, recovery_codes, created_at, updated_at, last_login,
	password_changed_at`

func scanUser(sc interface{ Scan(...any) error }) (state.User, error) {
	var u state.User
	var locked, last, pwc sql.NullInt64
	var created, updated int64
	err := sc.Scan(&u.ID, &u.Username, &u.DisplayName, &u.Email, &u.Role, &u.Source, &u.ExternalID, &u.Disabled, &u.PasswordHash,
		&u.FailedLogins, &locked, &u.TOTPSecret, &u.TOTPEnabled, &u.TOTPLastStep, &u.RecoveryCodes, &created, &updated, &last, &pwc)
	if errors.Is(err, sql.ErrNoRows) {
		return u, state.ErrNotFound
	}
	if err != nil {
		return u, err
	}
	u.LockedUntil, u.LastLogin, u.PasswordChangedAt = timePtr(locked), timePtr(last), timePtr(pwc)
	u.CreatedAt, u.UpdatedAt = time.UnixMicro(created).UTC(), time.UnixMicro(updated).UTC()
	return u, nil
}

// User implements [state.Identity].
func (d *DB) User(ctx context.Context, id string) (state.User, error) {
	return scanUser(d.db.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE id = ?`, id))
}

// UserByName implements [state.Identity] (user names compare without case).
func (d *DB) UserByName(ctx context.Context, username string) (state.User, error) {
	return scanUser(d.db.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE username = ?`, username))
}

// UserByExternalID implements [state.Identity].
func (d *DB) UserByExternalID(ctx context.Context, externalID string) (state.User, error) {
	return scanUser(d.db.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE external_id = ?`, externalID))
}

// Users implements [state.Identity].
func (d *DB) Users(ctx context.Context) ([]state.User, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT `+userCols+` FROM users ORDER BY username`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []state.User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// CountUsers implements [state.Identity].
func (d *DB) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := d.db.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n)
	return n, err
}

// CreateSession implements [state.Identity].
func (d *DB) CreateSession(ctx context.Context, s state.Session, hash []byte) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO sessions (id, hash, user_id, csrf, created_at, last_seen, expires_at, source_ip,
		user_agent, method) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, s.ID, hash, s.UserID, s.CSRF, s.CreatedAt.UnixMicro(),
		s.LastSeen.UnixMicro(), s.ExpiresAt.UnixMicro(), s.SourceIP, s.UserAgent, s.Method)
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// SessionByHash implements [state.Identity].
func (d *DB) SessionByHash(ctx context.Context, hash []byte) (state.Session, error) {
	var s state.Session
	var created, seen, exp int64
	err := d.db.QueryRowContext(ctx, `SELECT id, user_id, csrf, created_at, last_seen, expires_at, source_ip, user_agent, method
		FROM sessions WHERE hash = ?`, hash).Scan(&s.ID, &s.UserID, &s.CSRF, &created, &seen, &exp, &s.SourceIP, &s.UserAgent, &s.Method)
	if errors.Is(err, sql.ErrNoRows) {
		return s, state.ErrNotFound
	}
	s.CreatedAt, s.LastSeen, s.ExpiresAt = time.UnixMicro(created).UTC(), time.UnixMicro(seen).UTC(), time.UnixMicro(exp).UTC()
	return s, err
}

// TouchSession implements [state.Identity].
func (d *DB) TouchSession(ctx context.Context, id string, at time.Time) error {
	_, err := d.db.ExecContext(ctx, `UPDATE sessions SET last_seen = ? WHERE id = ?`, at.UnixMicro(), id)
	return err
}

// DeleteSession implements [state.Identity].
func (d *DB) DeleteSession(ctx context.Context, id string) error {
	return affected(d.db.ExecContext(ctx, `DELETE FROM sessions WHERE id = ?`, id))
}

// DeleteUserSessions implements [state.Identity].
func (d *DB) DeleteUserSessions(ctx context.Context, userID string) error {
	_, err := d.db.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID)
	return err
}

// DeleteExpiredSessions implements [state.Identity].
func (d *DB) DeleteExpiredSessions(ctx context.Context, now time.Time, idle time.Duration) (int, error) {
	res, err := d.db.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= ? OR last_seen <= ?`,
		now.UnixMicro(), now.Add(-idle).UnixMicro())
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

func jsonList(v []string) string {
	if v == nil {
		v = []string{}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// CreateRole implements [state.Identity].
func (d *DB) CreateRole(ctx context.Context, r state.Role) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO roles (name, description, permissions, table_groups, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?)`, r.Name, r.Description, jsonList(r.Permissions), jsonList(r.TableGroups),
		r.CreatedAt.UnixMicro(), r.UpdatedAt.UnixMicro())
	if isConstraint(err) {
		return fmt.Errorf("%w: role %q exists", state.ErrConflict, r.Name)
	}
	return err
}

// UpdateRole implements [state.Identity].
func (d *DB) UpdateRole(ctx context.Context, r state.Role) error {
	return affected(d.db.ExecContext(ctx, `UPDATE roles SET description = ?, permissions = ?, table_groups = ?, updated_at = ?
		WHERE name = ?`, r.Description, jsonList(r.Permissions), jsonList(r.TableGroups), r.UpdatedAt.UnixMicro(), r.Name))
}

// DeleteRole implements [state.Identity]; a role still held by a user or a token is refused with ErrConflict.
func (d *DB) DeleteRole(ctx context.Context, name string) error {
	var n int
	if err := d.db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM users WHERE role = ? COLLATE NOCASE) +
		(SELECT count(*) FROM tokens WHERE role = ? COLLATE NOCASE AND revoked = 0)`, name, name).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("%w: role %q is held by %d users or tokens", state.ErrConflict, name, n)
	}
	return affected(d.db.ExecContext(ctx, `DELETE FROM roles WHERE name = ?`, name))
}

func scanRole(sc interface{ Scan(...any) error }) (state.Role, error) {
	var r state.Role
	var perms, groups string
	var created, updated int64
	err := sc.Scan(&r.Name, &r.Description, &perms, &groups, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return r, state.ErrNotFound
	}
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal([]byte(perms), &r.Permissions); err != nil {
		return r, fmt.Errorf("role %s: permissions: %w", r.Name, err)
	}
	if err := json.Unmarshal([]byte(groups), &r.TableGroups); err != nil {
		return r, fmt.Errorf("role %s: table groups: %w", r.Name, err)
	}
	r.CreatedAt, r.UpdatedAt = time.UnixMicro(created).UTC(), time.UnixMicro(updated).UTC()
	return r, nil
}

const roleCols = `name, description, permissions, table_groups, created_at, updated_at`

// Role implements [state.Identity].
func (d *DB) Role(ctx context.Context, name string) (state.Role, error) {
	return scanRole(d.db.QueryRowContext(ctx, `SELECT `+roleCols+` FROM roles WHERE name = ?`, name))
}

// Roles implements [state.Identity].
func (d *DB) Roles(ctx context.Context) ([]state.Role, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT `+roleCols+` FROM roles ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []state.Role{}
	for rows.Next() {
		r, err := scanRole(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// AppendAudit implements [state.Identity] and returns the entry's sequence number.
func (d *DB) AppendAudit(ctx context.Context, e state.AuditEntry) (int64, error) {
	res, err := d.db.ExecContext(ctx, `INSERT INTO audit (at, actor_type, actor_id, actor, auth_method, source_ip, action,
		target_type, target, outcome, status, before, after, details, request_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Time.UnixMicro(), e.ActorType, e.ActorID, e.Actor, e.AuthMethod, e.SourceIP, e.Action, e.TargetType, e.Target,
		e.Outcome, e.Status, nullJSON(e.Before), nullJSON(e.After), nullJSON(e.Details), e.RequestID)
	if err != nil {
		return 0, fmt.Errorf("append audit: %w", err)
	}
	return res.LastInsertId()
}

// Audit implements [state.Identity]: entries matching f, newest first.
func (d *DB) Audit(ctx context.Context, f state.AuditFilter) ([]state.AuditEntry, error) {
	var where []string
	var args []any
	add := func(cond string, v ...any) { where = append(where, cond); args = append(args, v...) }
	if !f.Since.IsZero() {
		add(`at >= ?`, f.Since.UnixMicro())
	}
	if !f.Until.IsZero() {
		add(`at < ?`, f.Until.UnixMicro())
	}
	if f.Actor != "" {
		add(`(actor = ? OR actor_id = ?)`, f.Actor, f.Actor)
	}
	if f.Action != "" {
		if strings.HasSuffix(f.Action, ".") {
			add(`substr(action, 1, ?) = ?`, len(f.Action), f.Action)
		} else {
			add(`action = ?`, f.Action)
		}
	}
	if f.TargetType != "" {
		add(`target_type = ?`, f.TargetType)
	}
	if f.Target != "" {
		add(`target = ?`, f.Target)
	}
	if f.Outcome != "" {
		add(`outcome = ?`, f.Outcome)
	}
	if f.AfterSeq > 0 {
		add(`seq > ?`, f.AfterSeq)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	if limit > 1000 {
		limit = 1000
	}
	q := `SELECT seq, at, actor_type, actor_id, actor, auth_method, source_ip, action, target_type, target, outcome, status,
		COALESCE(before, ''), COALESCE(after, ''), COALESCE(details, ''), request_id FROM audit`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	if f.Ascending {
		q += ` ORDER BY seq ASC LIMIT ?`
	} else {
		q += ` ORDER BY seq DESC LIMIT ?`
	}
	args = append(args, limit)
	rows, err := d.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []state.AuditEntry{}
	for rows.Next() {
		var e state.AuditEntry
		var at int64
		var before, after, details string
		if err := rows.Scan(&e.Seq, &at, &e.ActorType, &e.ActorID, &e.Actor, &e.AuthMethod, &e.SourceIP, &e.Action, &e.TargetType,
			&e.Target, &e.Outcome, &e.Status, &before, &after, &details, &e.RequestID); err != nil {
			return nil, err
		}
		e.Time = time.UnixMicro(at).UTC()
		if before != "" {
			e.Before = json.RawMessage(before)
		}
		if after != "" {
			e.After = json.RawMessage(after)
		}
		if details != "" {
			e.Details = json.RawMessage(details)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// CreateApproval implements [state.Identity].
func (d *DB) CreateApproval(ctx context.Context, a state.Approval) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO approvals (id, kind, target, params, reason, permission, requested_by,
		requested_at, expires_at, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, a.ID, a.Kind, a.Target, nullJSON(a.Params),
		a.Reason, a.Permission, a.RequestedBy, a.RequestedAt.UnixMicro(), a.ExpiresAt.UnixMicro(), a.Status)
	return err
}

const approvalCols = `id, kind, target, COALESCE(params, ''), reason, permission, requested_by, requested_at, expires_at, status,
	decided_by, decided_at, comment`

func scanApproval(sc interface{ Scan(...any) error }) (state.Approval, error) {
	var a state.Approval
	var params string
	var req, exp int64
	var dec sql.NullInt64
	err := sc.Scan(&a.ID, &a.Kind, &a.Target, &params, &a.Reason, &a.Permission, &a.RequestedBy, &req, &exp, &a.Status,
		&a.DecidedBy, &dec, &a.Comment)
	if errors.Is(err, sql.ErrNoRows) {
		return a, state.ErrNotFound
	}
	if params != "" {
		a.Params = json.RawMessage(params)
	}
	a.RequestedAt, a.ExpiresAt, a.DecidedAt = time.UnixMicro(req).UTC(), time.UnixMicro(exp).UTC(), timePtr(dec)
	return a, err
}

// Approval implements [state.Identity].
func (d *DB) Approval(ctx context.Context, id string) (state.Approval, error) {
	return scanApproval(d.db.QueryRowContext(ctx, `SELECT `+approvalCols+` FROM approvals WHERE id = ?`, id))
}

// Approvals implements [state.Identity]: newest first, of one status or all ("").
func (d *DB) Approvals(ctx context.Context, status string) ([]state.Approval, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT `+approvalCols+` FROM approvals WHERE ? = '' OR status = ?
		ORDER BY requested_at DESC LIMIT 1000`, status, status)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []state.Approval{}
	for rows.Next() {
		a, err := scanApproval(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// DecideApproval implements [state.Identity].
func (d *DB) DecideApproval(ctx context.Context, a state.Approval) error {
	res, err := d.db.ExecContext(ctx, `UPDATE approvals SET status = ?, decided_by = ?, decided_at = ?, comment = ?
		WHERE id = ? AND status = 'pending'`, a.Status, a.DecidedBy, unixPtr(a.DecidedAt), a.Comment, a.ID)
	if err := affected(res, err); errors.Is(err, state.ErrNotFound) {
		if _, gerr := d.Approval(ctx, a.ID); gerr != nil {
			return gerr
		}
		return fmt.Errorf("%w: approval %s is no longer pending", state.ErrConflict, a.ID)
	} else if err != nil {
		return err
	}
	return nil
}

// AuditMirrored implements [state.Identity].
func (d *DB) AuditMirrored(ctx context.Context) (int64, error) {
	var seq int64
	err := d.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM audit_mirror`).Scan(&seq)
	return seq, err
}

// SetAuditMirrored implements [state.Identity].
func (d *DB) SetAuditMirrored(ctx context.Context, seq int64) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO audit_mirror (id, seq) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq`, seq)
	return err
}
