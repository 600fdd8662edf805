package config

import (
	"fmt"
	"time"
)

// DefaultCheckpointRows is one DuckDB row group (122,880 rows): a checkpoint then compresses about one full row
// group, so the writer waits a fraction of a second for it, and a row group is rarely rewritten half full.
const DefaultCheckpointRows = 122_880

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
