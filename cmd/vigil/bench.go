package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/vigilsec/vigil/internal/bench"
	"github.com/vigilsec/vigil/internal/sigma"
	"github.com/vigilsec/vigil/internal/sigma/conformance"
)

func init() {
	register(&command{name: "bench", summary: "run a benchmark: ingest, sigma, syslog", run: runBench})
}

func runBench(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: vigil bench ingest [--events N] [--batch B] [--json]", errUsage)
	}
	switch args[0] {
	case "ingest":
		return benchIngest(ctx, args[1:], out)
	case "sigma":
		return benchSigma(args[1:], out)
	case "syslog":
		return benchSyslog(ctx, args[1:], out)
	}
	return fmt.Errorf("%w: unknown benchmark %q (ingest, sigma, syslog)", errUsage, args[0])
}

func benchIngest(ctx context.Context, args []string, out io.Writer) error {
	fs := flagSet("bench ingest", "[--events N] [--batch B] [--event-bytes N] [--clients C] [--no-detection] [--store-threads N] [--wal] [--checkpoint-rows N] [--max-lag N] [--json] [--cpuprofile FILE]")
	var o bench.IngestOptions
	fs.IntVar(&o.Events, "events", 1_000_000, "events to send")
	fs.IntVar(&o.Batch, "batch", 5000, "events per HTTP request")
	fs.IntVar(&o.EventBytes, "event-bytes", bench.DefaultEventBytes, "size of each event's NDJSON line (at least about 490: the command line is lengthened to fit)")
	fs.IntVar(&o.Clients, "clients", 4, "concurrent HTTP clients")
	fs.BoolVar(&o.NoDetection, "no-detection", false, "measure the ingest pipeline alone: no shipped rules, no NRT consumer")
	fs.IntVar(&o.StoreThreads, "store-threads", 0, "DuckDB threads of the server's store (store.threads; 0: the default, 1 on machines of 1-2 cores, else one per core)")
	fs.BoolVar(&o.WAL, "wal", false, "run the server's store with DuckDB's write-ahead log (store.wal)")
	fs.IntVar(&o.CheckpointRows, "checkpoint-rows", 0, "the writer's checkpoint interval in rows (store.checkpoint_rows; 0: the default; -1: only DuckDB's own at 512MB of log)")
	fs.Uint64Var(&o.MaxLag, "max-lag", 0, "ingest.max_lag for the run (0: the default)")
	fs.StringVar(&o.Dir, "dir", "", "work directory (default: a temporary one, removed afterwards)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	profile := profileFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	o.Log = os.Stderr
	stop, err := profile()
	if err != nil {
		return err
	}
	rep, err := bench.Ingest(ctx, o)
	stop()
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
	fmt.Fprintf(out, "CPU in the window:      %.1f s (%.1f µs per event, the whole process)\n", rep.CPUSeconds, rep.CPUMicrosPerEvent)
	fmt.Fprintf(out, "raw DuckDB appender:    %.0f events/s; end-to-end is %.2f of it\n", rep.RawAppenderPerSec, rep.RatioToRaw)
	fmt.Fprintf(out, "429 answers:            %d\n", rep.Throttled)
	return nil
}

func benchSigma(args []string, out io.Writer) error {
	fs := flagSet("bench sigma", "--rules DIR --events FILE|DIR [--product windows] [--plain] [--stream] [--json]")
	var o conformance.BenchOptions
	var rules, events stringList
	fs.Var(&rules, "rules", "rule directory (repeatable)")
	fs.Var(&events, "events", "JSONL file or directory of them (repeatable)")
	fs.StringVar(&o.Product, "product", "", "keep only rules of this logsource product (e.g. windows)")
	fs.IntVar(&o.Rounds, "rounds", 5, "times the events are streamed through the engine")
	fs.BoolVar(&o.Plain, "plain", false, "evaluate rule by rule, without the index (for comparison)")
	fs.BoolVar(&o.Stream, "stream", false, "evaluate through a correlation stream, as the server does (correlations, rule statistics)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if len(rules) == 0 || len(events) == 0 {
		return fmt.Errorf("%w: --rules and --events are required", errUsage)
	}
	o.RuleDirs, o.Events = rules, events
	rep, err := sigma.Bench(o)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(out).Encode(struct {
			*conformance.BenchReport
			PeakRSSBytes int64 `json:"peak_rss_bytes"`
		}{rep, bench.PeakRSS()})
	}
	fmt.Fprintf(out, "rules loaded:     %d\n", rep.RulesLoaded)
	fmt.Fprintf(out, "events:           %d x %d rounds (decoded once in %.2fs)\n", rep.Events, rep.Rounds, rep.DecodeSeconds)
	fmt.Fprintf(out, "evaluation:       %.0f events/s on one goroutine (%.0f per CPU-second)\n", rep.EventsPerSecond, rep.EventsPerCPUSecond)
	fmt.Fprintf(out, "matches per round: %d\n", rep.Matches)
	fmt.Fprintf(out, "peak RSS:         %.0f MiB\n", float64(bench.PeakRSS())/(1<<20))
	return nil
}

func benchSyslog(ctx context.Context, args []string, out io.Writer) error {
	fs := flagSet("bench syslog", "[--messages N] [--connections C] [--no-detection] [--store-threads N] [--wal] [--checkpoint-rows N] [--json] [--cpuprofile FILE]")
	var o bench.SyslogOptions
	fs.IntVar(&o.Messages, "messages", 1_000_000, "messages to send")
	fs.IntVar(&o.Connections, "connections", 4, "concurrent TCP connections")
	fs.BoolVar(&o.NoDetection, "no-detection", false, "measure the listener and pipeline alone: no shipped rules, no NRT consumer")
	fs.IntVar(&o.StoreThreads, "store-threads", 0, "DuckDB threads of the server's store (store.threads; 0: the default, 1 on machines of 1-2 cores, else one per core)")
	fs.BoolVar(&o.WAL, "wal", false, "run the server's store with DuckDB's write-ahead log (store.wal)")
	fs.IntVar(&o.CheckpointRows, "checkpoint-rows", 0, "the writer's checkpoint interval in rows (store.checkpoint_rows; 0: the default; -1: only DuckDB's own at 512MB of log)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	profile := profileFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	o.Log = os.Stderr
	stop, err := profile()
	if err != nil {
		return err
	}
	rep, err := bench.Syslog(ctx, o)
	stop()
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(out).Encode(rep)
	}
	fmt.Fprintf(out, "messages:  %d over %d TCP connections (sent in %.2fs)\n", rep.Messages, rep.Connections, rep.SendSeconds)
	fmt.Fprintf(out, "stored:    %d rows queryable in %.2fs: %.0f messages/s end-to-end\n", rep.StoredRows, rep.Seconds, rep.MessagesPerSecond)
	fmt.Fprintf(out, "peak RSS:  %.0f MiB\n", float64(rep.PeakRSSBytes)/(1<<20))
	return nil
}
