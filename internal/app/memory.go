package app

import (
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"

	"github.com/vigilsec/vigil/internal/config"
	"github.com/vigilsec/vigil/internal/store/duckdb"
)

// storeOptions are the event store's options from the configuration (validated already).
func storeOptions(cfg config.Config) duckdb.Options {
	o := duckdb.Options{Threads: cfg.Store.Threads, WAL: cfg.Store.WAL}
	if o.Threads == 0 {
		o.Threads = defaultStoreThreads(runtime.NumCPU())
	}
	if n, _ := config.ParseBytes(cfg.Store.MemoryLimit); n > 0 {
		o.MemoryLimit = strconv.FormatInt(n, 10) + "b"
	}
	return o
}

// defaultStoreThreads is DuckDB's thread count when store.threads is 0: one per core, except on machines of one or
// two cores, where one thread lets the writer's statements run on the committing goroutine's own thread instead
// of a worker's while that goroutine waits polling: ingest then costs a quarter to a third less CPU per event
// (docs/ingest-performance.md), and on two cores busy ingesting queries gain nothing from a second thread.
func defaultStoreThreads(cores int) int {
	if cores <= 2 {
		return 1
	}
	return cores
}

// applyGoMemoryLimit sets the Go runtime's soft memory limit from memory.go_limit, unless the GOMEMLIMIT
// environment variable set one already. It returns the limit in force (math.MaxInt64: none).
func applyGoMemoryLimit(cfg config.Config, log *slog.Logger) int64 {
	if os.Getenv("GOMEMLIMIT") != "" {
		return debug.SetMemoryLimit(-1)
	}
	n, _ := config.ParseBytes(cfg.Memory.GoLimit)
	if n <= 0 {
		return debug.SetMemoryLimit(-1)
	}
	debug.SetMemoryLimit(n)
	log.Debug("go memory limit set", "bytes", n)
	return n
}
