package config

import (
	"fmt"

	"github.com/dustin/go-humanize"
)

// Memory bounds what the process keeps in memory (see docs/ingest-performance.md for what was measured).
type Memory struct {
	// GoLimit is the Go runtime's soft memory limit (runtime/debug.SetMemoryLimit), such as "448MiB": as the Go
	// heap nears it the garbage collector runs more often, instead of letting the heap grow to twice its live
	// size. "0" turns it off. The GOMEMLIMIT environment variable, when set, takes precedence.
	GoLimit string `yaml:"go_limit"`
}

// ParseBytes reads a size such as "512MiB", "1GB" or "1048576"; "" and "0" are 0.
func ParseBytes(s string) (int64, error) {
	if s == "" || s == "0" {
		return 0, nil
	}
	n, err := humanize.ParseBytes(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a size such as 512MiB or 2GB", s)
	}
	if n > 1<<50 {
		return 0, fmt.Errorf("%q is larger than 1 PiB", s)
	}
	return int64(n), nil
}

// validateMemory checks the memory settings: the Go limit and the event store's memory_limit.
func (c *Config) validateMemory() []string {
	var errs []string
	if n, err := ParseBytes(c.Memory.GoLimit); err != nil {
		errs = append(errs, "memory.go_limit: "+err.Error())
	} else if n != 0 && n < 64<<20 {
		errs = append(errs, "memory.go_limit: must be 0 (off) or at least 64MiB")
	}
	if n, err := ParseBytes(c.Store.MemoryLimit); err != nil {
		errs = append(errs, "store.memory_limit: "+err.Error())
	} else if n != 0 && n < 64<<20 {
		errs = append(errs, "store.memory_limit: must be empty (DuckDB's default, 80% of RAM) or at least 64MiB")
	}
	return errs
}

// The memory defaults: together with the stream's buffers they keep `vigil bench ingest` under 1 GiB of peak RSS
// (docs/ingest-performance.md).
const (
	DefaultStoreMemoryLimit = "384MiB"
	DefaultGoMemoryLimit    = "448MiB"
)
