package sqlite

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigilsec/vigil/internal/state"
)

var _ state.Incidents = (*DB)(nil)

// severityRank orders severities for sorting and for the maximum over alerts.
func severityRank(s string) int {
	switch strings.ToLower(s) {
	case "informational":
		return 0
	case "low":
		return 1
	case "medium":
		return 2
	case "high":
		return 3
	case "critical":
		return 4
	}
	return 0
}

const incidentCols = `id, number, title, title_set, description, severity, severity_set, status, owner, tags,
	classification, classification_reason, classification_comment, merged_into, alert_count, rule_ids, tactics,
	created_at, updated_at, first_activity, last_activity, first_alert_at, acknowledged_at, resolved_at, modified_by`

// incidentRow is an incident with the fields the store keeps but does not show.
type incidentRow struct {
	state.Incident
	titleSet bool
}

func scanIncident(sc interface{ Scan(...any) error }) (incidentRow, error) {
	var r incidentRow
	i := &r.Incident
	var tags, rules, tactics string
	var created, updated, first, last, firstAlert int64
	var ack, resolved sql.NullInt64
	if err := sc.Scan(&i.ID, &i.Number, &i.Title, &r.titleSet, &i.Description, &i.Severity, &i.SeveritySet, &i.Status,
		&i.Owner, &tags, &i.Classification, &i.ClassificationReason, &i.ClassificationComment, &i.MergedInto,
		&i.AlertCount, &rules, &tactics, &created, &updated, &first, &last, &firstAlert, &ack, &resolved,
		&i.ModifiedBy); err != nil {
		return r, err
	}
	_ = json.Unmarshal([]byte(tags), &i.Tags)
	_ = json.Unmarshal([]byte(rules), &i.RuleIDs)
	_ = json.Unmarshal([]byte(tactics), &i.Tactics)
	for _, p := range []*[]string{&i.Tags, &i.RuleIDs, &i.Tactics} {
		if *p == nil {
			*p = []string{}
		}
	}
	i.CreatedAt, i.UpdatedAt = time.UnixMicro(created).UTC(), time.UnixMicro(updated).UTC()
	i.FirstActivity, i.LastActivity = microTime(first), microTime(last)
	i.FirstAlertAt = microTime(firstAlert)
	i.AcknowledgedAt, i.ResolvedAt = timePtr(ack), timePtr(resolved)
	i.Compute()
	return r, nil
}

func microTime(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}

type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

func getIncident(ctx context.Context, q querier, id string) (incidentRow, error) {
	r, err := scanIncident(q.QueryRowContext(ctx, `SELECT `+incidentCols+` FROM incidents WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("incident %s: %w", id, state.ErrNotFound)
	}
	return r, err
}

// sortColumns maps a sort name to its column.
var sortColumns = map[string]string{"created": "created_at", "updated": "updated_at", "severity": "severity_rank", "number": "number"}

// selectiveRows is the number of matches below which a list query finds its rows through the filter's own index
// and sorts them, rather than walking the sort order and testing each incident.
const selectiveRows = 2000

var statuses = []string{state.IncidentNew, state.IncidentActive, state.IncidentResolved}

// listWhere builds the filter of a list query. With selective set, filters are written to be answered from their
// own indexes (best when they match few incidents); otherwise as tests on each row (a unary + keeps SQLite from
// using a column's index), so the query walks the sort index and stops after one page (best when they match many).
func listWhere(f state.IncidentFilter, selective bool) (string, []any, error) {
	var where []string
	var args []any
	col := func(c string) string {
		if selective {
			return c
		}
		return "+" + c
	}
	if len(f.Status) > 0 {
		for _, v := range f.Status {
			if !slices.Contains(statuses, v) {
				return "", nil, invalid("status %q is not one of New, Active, Resolved", v)
			}
			args = append(args, v)
		}
		where = append(where, col("status")+" IN ("+placeholders(len(f.Status))+")")
	}
	if len(f.Severity) > 0 {
		for _, v := range f.Severity {
			if !slices.Contains(severities, v) {
				return "", nil, invalid("severity %q is not one of %s", v, strings.Join(severities, ", "))
			}
			args = append(args, severityRank(v))
		}
		where = append(where, col("severity_rank")+" IN ("+placeholders(len(f.Severity))+")")
	}
	if f.Owner != "" {
		where = append(where, col("owner")+" = ?")
		args = append(args, f.Owner)
	}
	if f.Tag != "" {
		if selective {
			where = append(where, "id IN (SELECT incident_id FROM incident_tags WHERE tag = ?)")
		} else {
			where = append(where, "EXISTS (SELECT 1 FROM incident_tags t WHERE t.tag = ? AND t.incident_id = incidents.id)")
		}
		args = append(args, f.Tag)
	}
	if s := strings.TrimSpace(f.Search); s != "" {
		like := "title LIKE ? ESCAPE '\\'"
		if selective {
			like = "title IN (SELECT title FROM incident_titles WHERE title LIKE ? ESCAPE '\\')"
		}
		pattern := "%" + likeEscape(s) + "%"
		if n, err := strconv.ParseInt(strings.TrimPrefix(s, "#"), 10, 64); err == nil && strings.HasPrefix(s, "#") {
			where = append(where, "number = ?")
			args = append(args, n)
		} else if err == nil {
			where = append(where, "(number = ? OR "+like+")")
			args = append(args, n, pattern)
		} else {
			where = append(where, like)
			args = append(args, pattern)
		}
	}
	if len(where) == 0 {
		return "", args, nil
	}
	return " WHERE " + strings.Join(where, " AND "), args, nil
}

// ListIncidents implements [state.Incidents].
func (d *DB) ListIncidents(ctx context.Context, f state.IncidentFilter) (state.IncidentPage, error) {
	var page state.IncidentPage
	cond, args, err := listWhere(f, true)
	if err != nil {
		return page, err
	}
	countQuery, countArgs := `SELECT count(*) FROM incidents`+cond, args
	if f.Tag != "" && len(f.Status)+len(f.Severity) == 0 && f.Owner == "" && strings.TrimSpace(f.Search) == "" {
		countQuery, countArgs = `SELECT count(*) FROM incident_tags WHERE tag = ?`, []any{f.Tag} // from its index alone
	}
	if err := d.db.QueryRowContext(ctx, countQuery, countArgs...).Scan(&page.Total); err != nil {
		return page, fmt.Errorf("count incidents: %w", err)
	}
	if page.Total > selectiveRows && cond != "" {
		cond, args, _ = listWhere(f, false)
	}
	sortName := f.Sort
	if sortName == "" {
		sortName = "updated"
	}
	col, ok := sortColumns[sortName]
	if !ok {
		return page, fmt.Errorf("%w: sort %q is not one of created, updated, severity, number", state.ErrInvalidChange, f.Sort)
	}
	dir, cmp := "ASC", ">"
	if f.Desc {
		dir, cmp = "DESC", "<"
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 1000)
	offset := max(f.Offset, 0)
	if f.Cursor != "" {
		v, n, err := decodeCursor(f.Cursor)
		if err != nil {
			return page, err
		}
		kw := "WHERE"
		if cond != "" {
			kw = "AND"
		}
		if col == "number" {
			cond += " " + kw + " number " + cmp + " ?"
			args = append(args, n)
		} else {
			cond += " " + kw + " (" + col + ", number) " + cmp + " (?, ?)"
			args = append(args, v, n)
		}
		offset = 0
	}
	order := col + " " + dir
	if col != "number" {
		order += ", number " + dir
	}
	rows, err := d.db.QueryContext(ctx, `SELECT `+incidentCols+`, `+col+` FROM incidents`+cond+` ORDER BY `+order+
		` LIMIT ? OFFSET ?`, append(args, limit, offset)...)
	if err != nil {
		return page, fmt.Errorf("list incidents: %w", err)
	}
	defer rows.Close()
	page.Incidents = []state.Incident{}
	var lastKey, lastNum int64
	for rows.Next() {
		var key int64
		r, err := scanIncident(scanExtra{rows, &key})
		if err != nil {
			return page, err
		}
		page.Incidents = append(page.Incidents, r.Incident)
		lastKey, lastNum = key, r.Number
	}
	if err := rows.Err(); err != nil {
		return page, err
	}
	if len(page.Incidents) == limit {
		page.NextCursor = encodeCursor(lastKey, lastNum)
	}
	return page, nil
}

// scanExtra scans a row whose last column is an extra value after the incident's columns.
type scanExtra struct {
	rows  *sql.Rows
	extra *int64
}

func (s scanExtra) Scan(dst ...any) error { return s.rows.Scan(append(dst, s.extra)...) }

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func encodeCursor(v, n int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(v, 10) + ":" + strconv.FormatInt(n, 10)))
}

func decodeCursor(c string) (int64, int64, error) {
	bad := fmt.Errorf("%w: cursor %q is not one this server returned", state.ErrInvalidChange, c)
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, 0, bad
	}
	a, b, ok := strings.Cut(string(raw), ":")
	if !ok {
		return 0, 0, bad
	}
	v, err1 := strconv.ParseInt(a, 10, 64)
	n, err2 := strconv.ParseInt(b, 10, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, bad
	}
	return v, n, nil
}

// maxEvidence caps the evidence rows returned with an incident.
const maxEvidence = 200

// Incident implements [state.Incidents].
func (d *DB) Incident(ctx context.Context, id string) (state.IncidentDetail, error) {
	var out state.IncidentDetail
	r, err := getIncident(ctx, d.db, id)
	if err != nil {
		return out, err
	}
	out.Incident = r.Incident
	out.Alerts, out.Entities, out.Evidence = []state.Alert{}, []state.IncidentEntity{}, []map[string]any{}
	rows, err := d.db.QueryContext(ctx, `SELECT `+alertCols+` FROM alerts WHERE incident_id = ? ORDER BY event_time, id`, id)
	if err != nil {
		return out, err
	}
	entities := map[string]*state.IncidentEntity{}
	var order []string
	for rows.Next() {
		a, err := scanAlert(rows)
		if err != nil {
			rows.Close()
			return out, err
		}
		for _, e := range a.Entities {
			k := strings.ToLower(e.Type) + "\x00" + strings.ToLower(e.Value)
			if entities[k] == nil {
				entities[k] = &state.IncidentEntity{Type: e.Type, Value: e.Value}
				order = append(order, k)
			}
			entities[k].Alerts++
		}
		if a.Event != nil && len(out.Evidence) < maxEvidence {
			out.Evidence = append(out.Evidence, map[string]any{"alertId": a.ID, "table": a.EventTable, "row": a.Event})
		}
		for _, ev := range a.Evidence {
			if len(out.Evidence) >= maxEvidence {
				break
			}
			out.Evidence = append(out.Evidence, map[string]any{"alertId": a.ID, "row": ev})
		}
		out.Alerts = append(out.Alerts, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return out, err
	}
	for _, k := range order {
		out.Entities = append(out.Entities, *entities[k])
	}
	if out.Timeline, err = d.timeline(ctx, id); err != nil {
		return out, err
	}
	if out.Comments, err = comments(ctx, d.db, id, 0); err != nil {
		return out, err
	}
	if out.Tasks, err = tasks(ctx, d.db, id); err != nil {
		return out, err
	}
	return out, nil
}

func (d *DB) timeline(ctx context.Context, id string) ([]state.TimelineEntry, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT id, at, actor, action, field, before, after, detail, alert_id
		FROM incident_timeline WHERE incident_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []state.TimelineEntry{}
	for rows.Next() {
		var e state.TimelineEntry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Field, &e.Before, &e.After, &e.Detail, &e.AlertID); err != nil {
			return nil, err
		}
		e.At = time.UnixMicro(at).UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

func comments(ctx context.Context, q querier, id string, limit int) ([]state.Comment, error) {
	query := `SELECT id, author, text, created_at FROM incident_comments WHERE incident_id = ? ORDER BY id`
	args := []any{id}
	if limit > 0 {
		query = `SELECT * FROM (SELECT id, author, text, created_at FROM incident_comments WHERE incident_id = ?
			ORDER BY id DESC LIMIT ?) ORDER BY id`
		args = append(args, limit)
	}
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []state.Comment{}
	for rows.Next() {
		var c state.Comment
		var at int64
		if err := rows.Scan(&c.ID, &c.Author, &c.Text, &at); err != nil {
			return nil, err
		}
		c.CreatedAt = time.UnixMicro(at).UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}

const taskCols = `id, title, description, status, created_by, created_at, completed_by, completed_at`

func scanTask(sc interface{ Scan(...any) error }) (state.Task, error) {
	var t state.Task
	var created int64
	var done sql.NullInt64
	if err := sc.Scan(&t.ID, &t.Title, &t.Description, &t.Status, &t.CreatedBy, &created, &t.CompletedBy, &done); err != nil {
		return t, err
	}
	t.CreatedAt, t.CompletedAt = time.UnixMicro(created).UTC(), timePtr(done)
	return t, nil
}

func tasks(ctx context.Context, q querier, id string) ([]state.Task, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+taskCols+` FROM incident_tasks WHERE incident_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []state.Task{}
	for rows.Next() {
		t, err := scanTask(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// IncidentBrief implements [state.Incidents].
func (d *DB) IncidentBrief(ctx context.Context, id string) (string, int, error) {
	var status string
	var n int
	err := d.db.QueryRowContext(ctx, `SELECT status, alert_count FROM incidents WHERE id = ?`, id).Scan(&status, &n)
	if errors.Is(err, sql.ErrNoRows) {
		return "", 0, fmt.Errorf("incident %s: %w", id, state.ErrNotFound)
	}
	return status, n, err
}
