package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/vigilsec/vigil/internal/bench"
)

func init() {
	register(&command{name: "bench", summary: "run a benchmark: ingest", run: runBench})
}

func runBench(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: vigil bench ingest [--events N] [--batch B] [--json]", errUsage)
	}
	switch args[0] {
	case "ingest":
		return benchIngest(ctx, args[1:], out)
	}
	return fmt.Errorf("%w: unknown benchmark %q (ingest)", errUsage, args[0])
}

func benchIngest(ctx context.Context, args []string, out io.Writer) error {
	fs := flagSet("bench ingest", "[--events N] [--batch B] [--clients C] [--json]")
	var o bench.IngestOptions
	fs.IntVar(&o.Events, "events", 1_000_000, "events to send")
	fs.IntVar(&o.Batch, "batch", 5000, "events per HTTP request")
	fs.IntVar(&o.Clients, "clients", 4, "concurrent HTTP clients")
	fs.StringVar(&o.Dir, "dir", "", "work directory (default: a temporary one, removed afterwards)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := fs.Parse(args); err != nil {
		return err
	}
	o.Log = os.Stderr
	rep, err := bench.Ingest(ctx, o)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(out).Encode(rep)
	}
	fmt.Fprintf(out, "events:                 %d (%d-byte average, %d per request, %d clients)\n", rep.Events, rep.AvgEventBytes, rep.BatchSize, rep.Clients)
	fmt.Fprintf(out, "end-to-end:             %.0f events/s (%.1f MB/s) in %.2fs, %d rows queryable\n", rep.EventsPerSecond, rep.MBPerSecond, rep.Seconds, rep.StoredRows)
	fmt.Fprintf(out, "ingest-to-queryable:    p50 %.0f ms, p99 %.0f ms\n", rep.P50QueryableMS, rep.P99QueryableMS)
	fmt.Fprintf(out, "peak RSS:               %.0f MiB\n", float64(rep.PeakRSSBytes)/(1<<20))
	fmt.Fprintf(out, "raw DuckDB appender:    %.0f events/s; end-to-end is %.2f of it\n", rep.RawAppenderPerSec, rep.RatioToRaw)
	fmt.Fprintf(out, "429 answers:            %d\n", rep.Throttled)
	return nil
}
