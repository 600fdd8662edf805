package state

import (
	"context"
	"time"
)

// SigmaGroup is the persisted state of one Sigma correlation group: the correlation rule's key, the group key and
// the engine's encoding of the group (Data nil in a commit: the group is gone).
type SigmaGroup struct {
	Rule string
	Key  string
	Data []byte
	Last time.Time
}

// SigmaCommit is what stream detection records for one delivery of batches, atomically: the alerts, the changed
// correlation groups and the ids of the batches whose events they reflect.
type SigmaCommit struct {
	Alerts  []Alert
	Groups  []SigmaGroup
	Batches []string
	At      time.Time
	// Stats are the statistics increments of the delivery (added to the persisted totals).
	Stats SigmaStats
}

// SigmaState is the stream detection's durable state. All methods are safe for concurrent use.
type SigmaState interface {
	// SigmaGroups calls fn for every persisted correlation group.
	SigmaGroups(ctx context.Context, fn func(g SigmaGroup) error) error
	// SigmaApplied returns which of the batch ids a commit has recorded.
	SigmaApplied(ctx context.Context, batchIDs []string) (map[string]bool, error)
	// CommitSigma records c in one transaction (alerts with ids already recorded are skipped) and returns how many
	// alerts were new. Batch ids older than a week are forgotten.
	CommitSigma(ctx context.Context, c SigmaCommit) (int, error)
	// SigmaStats returns the statistics totals of every commit so far.
	SigmaStats(ctx context.Context) (SigmaStats, error)
}

// SigmaRuleStat is what stream detection counted for one rule (by the rule key: its id, else its title): in a
// commit the increments of one delivery, read back the totals.
type SigmaRuleStat struct {
	Rule    string
	Matches int64
	Alerts  int64
	// LastMatch is the event time of the latest match (zero: none, or unchanged in a commit).
	LastMatch    time.Time
	SampledEvals int64
	SampledNanos int64
}

// SigmaStats are the persisted statistics of stream detection.
type SigmaStats struct {
	Rules   map[string]SigmaRuleStat
	Events  int64 // events evaluated
	Sampled int64 // events timed rule by rule
}
