package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vigilsec/vigil/internal/state"
)

// move is one alert moved between incidents by a grouping operation.
type move struct {
	Alert string `json:"alert"`
	From  string `json:"from"`
	To    string `json:"to"`
}

// prior is the part of an incident a grouping operation changed besides its alerts, so undo can restore it.
type prior struct {
	Status               string `json:"status"`
	MergedInto           string `json:"mergedInto"`
	Classification       string `json:"classification"`
	ClassificationReason string `json:"classificationReason"`
	Comment              string `json:"comment"`
	ResolvedAt           *int64 `json:"resolvedAt"`
}

// opPayload is what an undoable grouping operation did.
type opPayload struct {
	Moves   []move           `json:"moves"`
	Prior   map[string]prior `json:"prior,omitempty"`
	Created string           `json:"created,omitempty"`
}

func newIncidentID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "inc_" + hex.EncodeToString(b[:])
}

// createIncident inserts an empty incident and returns its id and number.
func createIncident(ctx context.Context, tx *sql.Tx, title, severity, actor string, at time.Time) (string, int64, error) {
	var n int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(number), 0) + 1 FROM incidents`).Scan(&n); err != nil {
		return "", 0, err
	}
	id := newIncidentID()
	_, err := tx.ExecContext(ctx, `INSERT INTO incidents (id, number, title, severity, severity_rank, status, created_at,
		updated_at, modified_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, n, title, severity, severityRank(severity),
		state.IncidentNew, at.UnixMicro(), at.UnixMicro(), actor)
	if err != nil {
		return "", 0, fmt.Errorf("create incident: %w", err)
	}
	return id, n, nil
}

func setAlertIncident(ctx context.Context, tx *sql.Tx, alertID, incidentID string) error {
	_, err := tx.ExecContext(ctx, `UPDATE alerts SET incident_id = ? WHERE id = ?`, incidentID, alertID)
	return err
}

func readPrior(r incidentRow) prior {
	p := prior{Status: r.Status, MergedInto: r.MergedInto, Classification: r.Classification,
		ClassificationReason: r.ClassificationReason, Comment: r.ClassificationComment}
	if r.ResolvedAt != nil {
		us := r.ResolvedAt.UnixMicro()
		p.ResolvedAt = &us
	}
	return p
}

func writePrior(ctx context.Context, tx *sql.Tx, id string, p prior) error {
	var resolved any
	if p.ResolvedAt != nil {
		resolved = *p.ResolvedAt
	}
	_, err := tx.ExecContext(ctx, `UPDATE incidents SET status = ?, merged_into = ?, classification = ?,
		classification_reason = ?, classification_comment = ?, resolved_at = ? WHERE id = ?`, p.Status, p.MergedInto,
		p.Classification, p.ClassificationReason, p.Comment, resolved, id)
	return err
}

// closeEmptied resolves an incident a grouping operation took every alert from.
func closeEmptied(ctx context.Context, tx *sql.Tx, r incidentRow, mergedInto, comment string, at time.Time) error {
	class, reason := r.Classification, r.ClassificationReason
	if class == "" {
		class = "Undetermined"
	}
	_, err := tx.ExecContext(ctx, `UPDATE incidents SET status = ?, merged_into = ?, classification = ?,
		classification_reason = ?, classification_comment = ?, resolved_at = ? WHERE id = ?`, state.IncidentResolved,
		mergedInto, class, reason, comment, at.UnixMicro(), r.ID)
	return err
}

func recordOp(ctx context.Context, tx *sql.Tx, kind, actor string, at time.Time, p opPayload, incidents ...string) error {
	body, err := json.Marshal(p)
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO incident_ops (kind, actor, at, payload) VALUES (?, ?, ?, ?)`, kind, actor,
		at.UnixMicro(), string(body))
	if err != nil {
		return err
	}
	op, _ := res.LastInsertId()
	for _, id := range incidents {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO incident_op_incidents (incident_id, op_id) VALUES (?, ?)`, id, op); err != nil {
			return err
		}
	}
	return nil
}

// finish recomputes and queues every incident an operation touched.
func finish(ctx context.Context, tx *sql.Tx, actor string, at time.Time, ids ...string) error {
	for _, id := range ids {
		if err := recompute(ctx, tx, id); err != nil {
			return err
		}
		if err := touch(ctx, tx, id, actor, at); err != nil {
			return err
		}
	}
	return nil
}

func alertIDsOf(ctx context.Context, tx *sql.Tx, incident string) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id FROM alerts WHERE incident_id = ? ORDER BY event_time, id`, incident)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// MergeIncidents implements [state.Incidents].
func (d *DB) MergeIncidents(ctx context.Context, target string, sources []string, actor string, at time.Time) (state.Incident, error) {
	var out state.Incident
	if len(sources) == 0 || len(sources) > 100 {
		return out, invalid("merge takes 1 to 100 source incidents")
	}
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		t, err := getIncident(ctx, tx, target)
		if err != nil {
			return err
		}
		p := opPayload{Prior: map[string]prior{}}
		var numbers []string
		for _, s := range sources {
			if s == target {
				return invalid("cannot merge incident #%d into itself", t.Number)
			}
			if _, dup := p.Prior[s]; dup {
				return invalid("incident %s is listed twice", s)
			}
			src, err := getIncident(ctx, tx, s)
			if err != nil {
				return err
			}
			p.Prior[s] = readPrior(src)
			ids, err := alertIDsOf(ctx, tx, s)
			if err != nil {
				return err
			}
			for _, a := range ids {
				if err := setAlertIncident(ctx, tx, a, target); err != nil {
					return err
				}
				p.Moves = append(p.Moves, move{Alert: a, From: s, To: target})
			}
			if err := closeEmptied(ctx, tx, src, target, fmt.Sprintf("merged into incident #%d", t.Number), at); err != nil {
				return err
			}
			if err := appendTimeline(ctx, tx, s, actor, at, event{action: "merge", field: "status", before: src.Status,
				after: state.IncidentResolved, detail: fmt.Sprintf("merged into incident #%d (%d alerts moved)", t.Number, len(ids))}); err != nil {
				return err
			}
			numbers = append(numbers, fmt.Sprintf("#%d", src.Number))
		}
		if err := appendTimeline(ctx, tx, target, actor, at, event{action: "merge",
			detail: fmt.Sprintf("merged %s into this incident (%d alerts moved)", strings.Join(numbers, ", "), len(p.Moves))}); err != nil {
			return err
		}
		if err := recordOp(ctx, tx, "merge", actor, at, p, append([]string{target}, sources...)...); err != nil {
			return err
		}
		if err := finish(ctx, tx, actor, at, append([]string{target}, sources...)...); err != nil {
			return err
		}
		r, err := getIncident(ctx, tx, target)
		out = r.Incident
		return err
	})
	return out, err
}

// SplitIncident implements [state.Incidents].
func (d *DB) SplitIncident(ctx context.Context, id string, alertIDs []string, actor string, at time.Time) (state.Incident, error) {
	var out state.Incident
	if len(alertIDs) == 0 {
		return out, invalid("split needs at least one alert id")
	}
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		src, err := getIncident(ctx, tx, id)
		if err != nil {
			return err
		}
		have, err := alertIDsOf(ctx, tx, id)
		if err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, a := range alertIDs {
			if !slices.Contains(have, a) {
				return invalid("alert %s is not in incident #%d", a, src.Number)
			}
			seen[a] = true
		}
		if len(seen) == len(have) {
			return invalid("a split must leave at least one alert in incident #%d", src.Number)
		}
		newID, num, err := createIncident(ctx, tx, src.Title, src.Severity, actor, at)
		if err != nil {
			return err
		}
		p := opPayload{Created: newID}
		for _, a := range have {
			if seen[a] {
				if err := setAlertIncident(ctx, tx, a, newID); err != nil {
					return err
				}
				p.Moves = append(p.Moves, move{Alert: a, From: id, To: newID})
			}
		}
		if err := appendTimeline(ctx, tx, id, actor, at, event{action: "split",
			detail: fmt.Sprintf("%d alerts split out into incident #%d", len(p.Moves), num)}); err != nil {
			return err
		}
		if err := appendTimeline(ctx, tx, newID, actor, at, event{action: "created",
			detail: fmt.Sprintf("split out of incident #%d with %d alerts", src.Number, len(p.Moves))}); err != nil {
			return err
		}
		if err := recordOp(ctx, tx, "split", actor, at, p, id, newID); err != nil {
			return err
		}
		if err := finish(ctx, tx, actor, at, id, newID); err != nil {
			return err
		}
		r, err := getIncident(ctx, tx, newID)
		out = r.Incident
		return err
	})
	return out, err
}

// MoveAlert implements [state.Incidents].
func (d *DB) MoveAlert(ctx context.Context, alertID, to, actor string, at time.Time) (state.Incident, error) {
	var out state.Incident
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		var from string
		err := tx.QueryRowContext(ctx, `SELECT incident_id FROM alerts WHERE id = ?`, alertID).Scan(&from)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("alert %s: %w", alertID, state.ErrNotFound)
		}
		if err != nil {
			return err
		}
		dst, err := getIncident(ctx, tx, to)
		if err != nil {
			return err
		}
		if from == to {
			return invalid("alert %s is already in incident #%d", alertID, dst.Number)
		}
		p := opPayload{Moves: []move{{Alert: alertID, From: from, To: to}}, Prior: map[string]prior{}}
		if err := setAlertIncident(ctx, tx, alertID, to); err != nil {
			return err
		}
		touched := []string{to}
		if from != "" {
			src, err := getIncident(ctx, tx, from)
			if err != nil {
				return err
			}
			p.Prior[from] = readPrior(src)
			left, err := alertIDsOf(ctx, tx, from)
			if err != nil {
				return err
			}
			detail := fmt.Sprintf("alert moved to incident #%d", dst.Number)
			if len(left) == 0 {
				if err := closeEmptied(ctx, tx, src, "", fmt.Sprintf("its last alert moved to incident #%d", dst.Number), at); err != nil {
					return err
				}
				detail += "; no alerts left, resolved"
			}
			if err := appendTimeline(ctx, tx, from, actor, at, event{action: "move", alertID: alertID, detail: detail}); err != nil {
				return err
			}
			touched = append(touched, from)
		}
		detail := "alert moved here"
		if from != "" {
			detail = fmt.Sprintf("alert moved here from incident #%d", incidentNumber(ctx, tx, from))
		}
		if err := appendTimeline(ctx, tx, to, actor, at, event{action: "move", alertID: alertID, detail: detail}); err != nil {
			return err
		}
		if err := recordOp(ctx, tx, "move", actor, at, p, touched...); err != nil {
			return err
		}
		if err := finish(ctx, tx, actor, at, touched...); err != nil {
			return err
		}
		r, err := getIncident(ctx, tx, to)
		out = r.Incident
		return err
	})
	return out, err
}

func incidentNumber(ctx context.Context, tx *sql.Tx, id string) int64 {
	var n int64
	_ = tx.QueryRowContext(ctx, `SELECT number FROM incidents WHERE id = ?`, id).Scan(&n)
	return n
}

// UndoGrouping implements [state.Incidents].
func (d *DB) UndoGrouping(ctx context.Context, id, actor string, at time.Time) (state.Incident, error) {
	var out state.Incident
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := getIncident(ctx, tx, id); err != nil {
			return err
		}
		var opID int64
		var kind, body string
		err := tx.QueryRowContext(ctx, `SELECT o.id, o.kind, o.payload FROM incident_ops o
			JOIN incident_op_incidents x ON x.op_id = o.id WHERE x.incident_id = ? AND o.undone = 0
			ORDER BY o.id DESC LIMIT 1`, id).Scan(&opID, &kind, &body)
		if errors.Is(err, sql.ErrNoRows) {
			return state.ErrNothingToUndo
		}
		if err != nil {
			return err
		}
		var p opPayload
		if err := json.Unmarshal([]byte(body), &p); err != nil {
			return fmt.Errorf("grouping operation %d: %w", opID, err)
		}
		touched := []string{}
		add := func(s string) {
			if s != "" && !slices.Contains(touched, s) {
				touched = append(touched, s)
			}
		}
		for _, m := range p.Moves {
			var cur string
			if err := tx.QueryRowContext(ctx, `SELECT incident_id FROM alerts WHERE id = ?`, m.Alert).Scan(&cur); err != nil {
				return fmt.Errorf("alert %s: %w", m.Alert, err)
			}
			if cur != m.To {
				return invalid("alert %s has been moved again since this %s; undo that change first", m.Alert, kind)
			}
		}
		for _, m := range p.Moves {
			if err := setAlertIncident(ctx, tx, m.Alert, m.From); err != nil {
				return err
			}
			add(m.From)
			add(m.To)
		}
		for inc, pr := range p.Prior {
			if err := writePrior(ctx, tx, inc, pr); err != nil {
				return err
			}
			add(inc)
		}
		if p.Created != "" {
			created, err := getIncident(ctx, tx, p.Created)
			if err != nil {
				return err
			}
			if err := closeEmptied(ctx, tx, created, "", "its alerts returned by undo", at); err != nil {
				return err
			}
			add(p.Created)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE incident_ops SET undone = 1 WHERE id = ?`, opID); err != nil {
			return err
		}
		for _, inc := range touched {
			if err := appendTimeline(ctx, tx, inc, actor, at, event{action: "undo",
				detail: fmt.Sprintf("undid the %s (%d alerts returned)", kind, len(p.Moves))}); err != nil {
				return err
			}
		}
		if err := finish(ctx, tx, actor, at, touched...); err != nil {
			return err
		}
		r, err := getIncident(ctx, tx, id)
		out = r.Incident
		return err
	})
	return out, err
}
