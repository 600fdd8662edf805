package config

import (
	"fmt"
	"time"
)

// DefaultCheckpointRows is two DuckDB row groups (245,760 rows): a checkpoint then compresses about two full row
// groups, so the writer waits well under a second for it, and a row group is rarely rewritten half full. Each
// checkpoint also costs a part that does not shrink with the rows it writes, so one per row group cost the syslog
// benchmark a fifth of its rate (docs/ingest-performance.md, "Checkpoint interval, session 6").
const DefaultCheckpointRows = 2 * 122_880

// validateLatency checks the settings of ingest admission and of the writer's checkpoints.
func (c *Config) validateLatency() []string {
	var errs []string
	if w := time.Duration(c.Ingest.AdmitWait); w < 0 || w > 10*time.Minute {
		errs = append(errs, fmt.Sprintf("ingest.admit_wait: %s is not between 0 and 10m", w))
	}
	if c.Ingest.AdmitQueue < 0 || c.Ingest.AdmitQueue > 100_000 {
		errs = append(errs, fmt.Sprintf("ingest.admit_queue: %d is not between 0 and 100000", c.Ingest.AdmitQueue))
	}
	if c.Store.CheckpointRows < 0 {
		errs = append(errs, fmt.Sprintf("store.checkpoint_rows: %d must not be negative", c.Store.CheckpointRows))
	}
	return errs
}
