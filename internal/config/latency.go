package config

import (
	"fmt"
	"time"
)

// DefaultCheckpointRows is one DuckDB row group (122,880 rows): the writer checkpoints just after a table's row
// group filled up, so a checkpoint rarely compresses a row group again half full.
const DefaultCheckpointRows = 122_880

// DefaultCheckpointBytes is the least the writer commits (in batch bytes on the stream) between two of its
// checkpoints. A checkpoint holds back the insert that meets it for about as long as it takes, which grows with the
// data it compresses: one per row group of 5,000-event DeviceProcessEvents batches (about 27 MB) keeps that wait
// near 0.4 s, where one per two row groups waited about 0.7 s. But each checkpoint also costs a part that does not
// shrink with the data, so for narrow rows one per row group is too often: syslog batches carry about 16 MB per
// Syslog row group, and checkpointing at each cost the syslog benchmark a sixth of its rate
// (docs/ingest-performance.md, "Checkpoint interval, session 7").
const DefaultCheckpointBytes = 20 << 20

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
	if c.Store.CheckpointBytes < 0 {
		errs = append(errs, fmt.Sprintf("store.checkpoint_bytes: %d must not be negative", c.Store.CheckpointBytes))
	}
	// Up to 10s: the stream delivers a batch again when it is not acknowledged within 15s (its AckWait).
	if iv := time.Duration(c.Store.CheckpointInterval); iv < 0 || iv > 10*time.Second {
		errs = append(errs, fmt.Sprintf("store.checkpoint_interval: %s is not between 0 and 10s", iv))
	}
	return errs
}
