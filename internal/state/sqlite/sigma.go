package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vigilsec/vigil/internal/state"
)

var _ state.SigmaState = (*DB)(nil)

// appliedKeep is how long committed batch ids are remembered; a redelivery comes within seconds or minutes.
const appliedKeep = 7 * 24 * time.Hour

// SigmaGroups implements [state.SigmaState].
func (d *DB) SigmaGroups(ctx context.Context, fn func(g state.SigmaGroup) error) error {
	rows, err := d.db.QueryContext(ctx, `SELECT rule_key, group_key, data, last_at FROM sigma_groups ORDER BY rule_key, group_key`)
	if err != nil {
		return fmt.Errorf("read sigma groups: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var g state.SigmaGroup
		var data string
		var last int64
		if err := rows.Scan(&g.Rule, &g.Key, &data, &last); err != nil {
			return fmt.Errorf("read sigma groups: %w", err)
		}
		g.Data, g.Last = []byte(data), time.UnixMicro(last).UTC()
		if err := fn(g); err != nil {
			return err
		}
	}
	return rows.Err()
}

// SigmaApplied implements [state.SigmaState].
func (d *DB) SigmaApplied(ctx context.Context, batchIDs []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(batchIDs) == 0 {
		return out, nil
	}
	args := make([]any, len(batchIDs))
	for i, id := range batchIDs {
		args[i] = id
	}
	q := `SELECT batch_id FROM sigma_applied WHERE batch_id IN (?` + strings.Repeat(",?", len(batchIDs)-1) + `)`
	rows, err := d.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read applied batches: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}

// CommitSigma implements [state.SigmaState].
func (d *DB) CommitSigma(ctx context.Context, c state.SigmaCommit) (int, error) {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer func() { _ = tx.Rollback() }()
	added, err := addAlerts(ctx, tx, c.Alerts)
	if err != nil {
		return 0, err
	}
	for _, g := range c.Groups {
		if g.Data == nil {
			_, err = tx.ExecContext(ctx, `DELETE FROM sigma_groups WHERE rule_key = ? AND group_key = ?`, g.Rule, g.Key)
		} else {
			_, err = tx.ExecContext(ctx, `INSERT INTO sigma_groups (rule_key, group_key, data, last_at) VALUES (?, ?, ?, ?)
				ON CONFLICT (rule_key, group_key) DO UPDATE SET data = excluded.data, last_at = excluded.last_at`,
				g.Rule, g.Key, string(g.Data), g.Last.UnixMicro())
		}
		if err != nil {
			return 0, fmt.Errorf("save sigma group %s: %w", g.Rule, err)
		}
	}
	for _, id := range c.Batches {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO sigma_applied (batch_id, applied_at) VALUES (?, ?)`, id, c.At.UnixMicro()); err != nil {
			return 0, fmt.Errorf("record applied batch %s: %w", id, err)
		}
	}
	if err := addSigmaStats(ctx, tx, c.Stats); err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM sigma_applied WHERE applied_at < ?`, c.At.Add(-appliedKeep).UnixMicro()); err != nil {
		return 0, fmt.Errorf("prune applied batches: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("commit sigma state: %w", err)
	}
	return added, nil
}

// addSigmaStats adds a delivery's statistics increments to the totals.
func addSigmaStats(ctx context.Context, tx *sql.Tx, s state.SigmaStats) error {
	for _, r := range s.Rules {
		var last int64
		if !r.LastMatch.IsZero() {
			last = r.LastMatch.UnixMicro()
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO sigma_rule_stats (rule_key, matches, alerts, last_match, sampled_evals, sampled_nanos)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (rule_key) DO UPDATE SET matches = matches + excluded.matches, alerts = alerts + excluded.alerts,
				last_match = max(last_match, excluded.last_match), sampled_evals = sampled_evals + excluded.sampled_evals,
				sampled_nanos = sampled_nanos + excluded.sampled_nanos`,
			r.Rule, r.Matches, r.Alerts, last, r.SampledEvals, r.SampledNanos); err != nil {
			return fmt.Errorf("save sigma rule statistics %s: %w", r.Rule, err)
		}
	}
	if s.Events == 0 && s.Sampled == 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO sigma_stats_totals (id, events, sampled) VALUES (1, ?, ?)
		ON CONFLICT (id) DO UPDATE SET events = events + excluded.events, sampled = sampled + excluded.sampled`,
		s.Events, s.Sampled); err != nil {
		return fmt.Errorf("save sigma statistics totals: %w", err)
	}
	return nil
}

// SigmaStats implements [state.SigmaState].
func (d *DB) SigmaStats(ctx context.Context) (state.SigmaStats, error) {
	out := state.SigmaStats{Rules: map[string]state.SigmaRuleStat{}}
	rows, err := d.db.QueryContext(ctx, `SELECT rule_key, matches, alerts, last_match, sampled_evals, sampled_nanos FROM sigma_rule_stats`)
	if err != nil {
		return out, fmt.Errorf("read sigma rule statistics: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r state.SigmaRuleStat
		var last int64
		if err := rows.Scan(&r.Rule, &r.Matches, &r.Alerts, &last, &r.SampledEvals, &r.SampledNanos); err != nil {
			return out, fmt.Errorf("read sigma rule statistics: %w", err)
		}
		if last != 0 {
			r.LastMatch = time.UnixMicro(last).UTC()
		}
		out.Rules[r.Rule] = r
	}
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("read sigma rule statistics: %w", err)
	}
	err = d.db.QueryRowContext(ctx, `SELECT events, sampled FROM sigma_stats_totals WHERE id = 1`).Scan(&out.Events, &out.Sampled)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return out, fmt.Errorf("read sigma statistics totals: %w", err)
	}
	return out, nil
}
