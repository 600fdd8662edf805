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

// CorrelatorActor is the actor the timeline names for automatic grouping.
const CorrelatorActor = "correlator"

// IndexAlerts implements [state.Incidents].
func (d *DB) IndexAlerts(ctx context.Context, alerts []state.Alert, keys [][]state.EntityKey) error {
	if len(alerts) != len(keys) {
		return fmt.Errorf("index alerts: %d alerts but %d key lists", len(alerts), len(keys))
	}
	return d.inTx(ctx, func(tx *sql.Tx) error {
		return indexAlerts(ctx, tx, alerts, keys)
	})
}

func indexAlerts(ctx context.Context, tx *sql.Tx, alerts []state.Alert, keys [][]state.EntityKey) error {
	stmt, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO alert_entities (key, alert_id, type, value, at) VALUES (?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for i, a := range alerts {
		at := a.ActivityTime().UnixMicro()
		for _, k := range keys[i] {
			if _, err := stmt.ExecContext(ctx, k.Key, a.ID, k.Type, k.Value, at); err != nil {
				return fmt.Errorf("index alert %s: %w", a.ID, err)
			}
		}
	}
	return nil
}

// PendingAlerts implements [state.Incidents].
func (d *DB) PendingAlerts(ctx context.Context, limit int) ([]state.Alert, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT `+alertCols+` FROM alerts a WHERE a.incident_id = ''
		AND NOT EXISTS (SELECT 1 FROM incident_decisions d WHERE d.alert_id = a.id)
		ORDER BY a.detected_at, a.id LIMIT ?`, max(limit, 1))
	if err != nil {
		return nil, fmt.Errorf("pending alerts: %w", err)
	}
	defer rows.Close()
	var out []state.Alert
	for rows.Next() {
		a, err := scanAlert(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func placeholders(n int) string { return strings.TrimSuffix(strings.Repeat("?,", n), ",") }

// maxHits bounds the alerts EntityHits returns per call.
const maxHits = 5000

// EntityHits implements [state.Incidents].
func (d *DB) EntityHits(ctx context.Context, keys []string, since, until time.Time) ([]state.EntityHit, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	args := []any{}
	for _, k := range keys {
		args = append(args, k)
	}
	args = append(args, since.UnixMicro(), until.UnixMicro(), maxHits)
	rows, err := d.db.QueryContext(ctx, `SELECT e.key, e.alert_id, a.rule_id, a.rule_title, e.at, a.incident_id, i.number, i.status, i.alert_count
		FROM alert_entities e JOIN alerts a ON a.id = e.alert_id JOIN incidents i ON i.id = a.incident_id
		WHERE e.key IN (`+placeholders(len(keys))+`) AND e.at BETWEEN ? AND ? ORDER BY e.at DESC LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("entity hits: %w", err)
	}
	defer rows.Close()
	var out []state.EntityHit
	for rows.Next() {
		var h state.EntityHit
		var at int64
		if err := rows.Scan(&h.Key, &h.AlertID, &h.RuleID, &h.RuleTitle, &at, &h.IncidentID, &h.IncidentNumber, &h.IncidentStatus, &h.IncidentAlerts); err != nil {
			return nil, err
		}
		h.At = time.UnixMicro(at).UTC()
		out = append(out, h)
	}
	return out, rows.Err()
}

// RuleAlerts implements [state.Incidents].
func (d *DB) RuleAlerts(ctx context.Context, ruleID string, since, until time.Time, limit int) ([]state.Alert, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT `+alertCols+` FROM alerts WHERE rule_id = ? AND incident_id != ''
		AND event_time BETWEEN ? AND ? ORDER BY event_time DESC, id LIMIT ?`, ruleID, since.UnixMicro(), until.UnixMicro(), max(limit, 1))
	if err != nil {
		return nil, fmt.Errorf("rule alerts: %w", err)
	}
	defer rows.Close()
	var out []state.Alert
	for rows.Next() {
		a, err := scanAlert(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// EntityPrevalence implements [state.Incidents].
func (d *DB) EntityPrevalence(ctx context.Context, keys []string, since, until time.Time) (map[string]state.Prevalence, error) {
	out := map[string]state.Prevalence{}
	for _, k := range keys {
		var p state.Prevalence
		err := d.db.QueryRowContext(ctx, `SELECT
				count(DISTINCT CASE WHEN o.type = 'host' AND o.key != e.key THEN o.value END),
				count(DISTINCT CASE WHEN o.type = 'account' AND o.key != e.key THEN o.value END),
				count(DISTINCT e.alert_id),
				count(DISTINCT NULLIF(a.incident_id, ''))
			FROM alert_entities e JOIN alert_entities o ON o.alert_id = e.alert_id JOIN alerts a ON a.id = e.alert_id
			WHERE e.key = ? AND e.at BETWEEN ? AND ?`, k, since.UnixMicro(), until.UnixMicro()).
			Scan(&p.Hosts, &p.Accounts, &p.Alerts, &p.Incidents)
		if err != nil {
			return nil, fmt.Errorf("prevalence of %s: %w", k, err)
		}
		out[k] = p
	}
	return out, nil
}

// PlaceAlert implements [state.Incidents].
func (d *DB) PlaceAlert(ctx context.Context, a state.Alert, keys []state.EntityKey, p state.Placement) (state.Incident, error) {
	var out state.Incident
	at := p.At
	if at.IsZero() {
		at = time.Now()
	}
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		var cur string
		err := tx.QueryRowContext(ctx, `SELECT incident_id FROM alerts WHERE id = ?`, a.ID).Scan(&cur)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("alert %s: %w", a.ID, state.ErrNotFound)
		}
		if err != nil {
			return err
		}
		var decided int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM incident_decisions WHERE alert_id = ?`, a.ID).Scan(&decided); err != nil {
			return err
		}
		if cur != "" || decided > 0 { // placed already (a second correlator, or a replay): keep the first decision
			if cur != "" {
				r, err := getIncident(ctx, tx, cur)
				out = r.Incident
				return err
			}
			return nil
		}
		if err := indexAlerts(ctx, tx, []state.Alert{a}, [][]state.EntityKey{keys}); err != nil {
			return err
		}
		shared, _ := json.Marshal(p.Shared)
		if p.NoIncident {
			_, err := tx.ExecContext(ctx, `INSERT INTO incident_decisions (alert_id, incident_id, at, score, matched_alert, shared, reason)
				VALUES (?, '', ?, ?, ?, ?, ?)`, a.ID, at.UnixMicro(), p.Score, p.MatchedAlert, string(shared), p.Reason)
			return err
		}
		reason, target := p.Reason, p.IncidentID
		var reopened bool
		var reopenedFrom string
		if target != "" {
			r, err := getIncident(ctx, tx, target)
			switch {
			case errors.Is(err, state.ErrNotFound):
				reason, target = fmt.Sprintf("new incident: the matched incident %s no longer exists", target), ""
			case err != nil:
				return err
			case p.SizeCap > 0 && r.AlertCount >= p.SizeCap:
				reason, target = fmt.Sprintf("new incident: incident #%d matched (%s) but holds %d alerts, the size cap", r.Number, p.Reason, r.AlertCount), ""
			case r.Status == state.IncidentResolved && !p.Reopen:
				reason, target = fmt.Sprintf("new incident: incident #%d matched (%s) but is resolved and the rule does not reopen", r.Number, p.Reason), ""
			case r.Status == state.IncidentResolved:
				reopened, reopenedFrom = true, r.Status
			}
		}
		if target == "" {
			var num int64
			target, num, err = createIncident(ctx, tx, a.RuleTitle, a.Severity, CorrelatorActor, at)
			if err != nil {
				return err
			}
			if err := appendTimeline(ctx, tx, target, CorrelatorActor, at, event{action: "created",
				detail: fmt.Sprintf("incident #%d created for alert %q: %s", num, a.RuleTitle, reason), alertID: a.ID}); err != nil {
				return err
			}
		}
		if reopened {
			if _, err := tx.ExecContext(ctx, `UPDATE incidents SET status = ?, resolved_at = NULL, merged_into = '' WHERE id = ?`,
				state.IncidentActive, target); err != nil {
				return err
			}
			if err := appendTimeline(ctx, tx, target, CorrelatorActor, at, event{action: "reopened", field: "status",
				before: reopenedFrom, after: state.IncidentActive, detail: "a new matching alert reopened the incident", alertID: a.ID}); err != nil {
				return err
			}
		}
		if err := setAlertIncident(ctx, tx, a.ID, target); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO incident_decisions (alert_id, incident_id, at, score, matched_alert, shared, reason)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, a.ID, target, at.UnixMicro(), p.Score, p.MatchedAlert, string(shared), reason); err != nil {
			return err
		}
		if err := appendTimeline(ctx, tx, target, CorrelatorActor, at, event{action: "alert_added", alertID: a.ID,
			after: a.RuleTitle, detail: reason}); err != nil {
			return err
		}
		if err := finish(ctx, tx, CorrelatorActor, at, target); err != nil {
			return err
		}
		r, err := getIncident(ctx, tx, target)
		out = r.Incident
		return err
	})
	return out, err
}

// NextIncidentChanges implements [state.Incidents].
func (d *DB) NextIncidentChanges(ctx context.Context, limit int) (string, []state.IncidentChange, error) {
	var id string
	var out []state.IncidentChange
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		var first, last int64
		err := tx.QueryRowContext(ctx, `SELECT first_seq, last_seq FROM incident_outbox_batch`).Scan(&first, &last)
		if errors.Is(err, sql.ErrNoRows) {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MIN(seq), 0), COALESCE(MAX(seq), 0), count(*) FROM
				(SELECT seq FROM incident_outbox ORDER BY seq LIMIT ?)`, max(limit, 1)).Scan(&first, &last, &n); err != nil {
				return err
			}
			if n == 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO incident_outbox_batch (first_seq, last_seq) VALUES (?, ?)`, first, last); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		id = fmt.Sprintf("incidents-%d-%d", first, last)
		rows, err := tx.QueryContext(ctx, `SELECT seq, snapshot FROM incident_outbox WHERE seq BETWEEN ? AND ? ORDER BY seq`, first, last)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var seq int64
			var body string
			if err := rows.Scan(&seq, &body); err != nil {
				return err
			}
			var ch state.IncidentChange
			if err := json.Unmarshal([]byte(body), &ch); err != nil {
				return fmt.Errorf("incident change %d: %w", seq, err)
			}
			ch.Seq = seq
			out = append(out, ch)
		}
		return rows.Err()
	})
	return id, out, err
}

// AckIncidentChanges implements [state.Incidents].
func (d *DB) AckIncidentChanges(ctx context.Context, batchID string) error {
	return d.inTx(ctx, func(tx *sql.Tx) error {
		var first, last int64
		if err := tx.QueryRowContext(ctx, `SELECT first_seq, last_seq FROM incident_outbox_batch`).Scan(&first, &last); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("acknowledge %s: no batch is pending", batchID)
			}
			return err
		}
		if want := fmt.Sprintf("incidents-%d-%d", first, last); want != batchID {
			return fmt.Errorf("acknowledge %s: the pending batch is %s", batchID, want)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM incident_outbox WHERE seq BETWEEN ? AND ?`, first, last); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM incident_outbox_batch`)
		return err
	})
}
