package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/vigilsec/vigil/internal/app"
	"github.com/vigilsec/vigil/internal/demo"
	"github.com/vigilsec/vigil/internal/pipeline"
)

func init() {
	register(&command{name: "demo", summary: "generate the demo environment into a data directory", run: runDemo})
}

// truthFile is where the demo's ground truth is written, under the data directory.
const truthFile = "demo-truth.json"

func runDemo(ctx context.Context, args []string, out io.Writer) error {
	var seed int64
	var events int
	cfg, err := parseConfig("demo", "--data DIR [--seed N] [--events N]", args, func(fs *flag.FlagSet) {
		fs.Int64Var(&seed, "seed", 1, "random seed (same seed and end time: same data)")
		fs.IntVar(&events, "events", 0, "approximate number of events (0: about 1,000,000)")
	})
	if err != nil {
		return err
	}
	log := newLogger(cfg.Log.Level, cfg.Log.Format, os.Stderr)
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	if err := a.Start(ctx, false); err != nil {
		_ = a.Close(0)
		return err
	}
	genErr := generateDemo(ctx, a, out, demo.Options{End: time.Now().UTC(), Seed: seed, TargetEvents: events})
	return errors.Join(genErr, a.Close(10*time.Minute))
}

// loadDemo generates the demo into a running server unless its data directory already has one.
func loadDemo(ctx context.Context, a *app.App, out io.Writer) error {
	if _, err := os.Stat(filepath.Join(a.Config.DataDir, truthFile)); err == nil {
		fmt.Fprintln(out, "Demo data already loaded (remove the data directory to generate it anew).")
		return nil
	}
	return generateDemo(ctx, a, out, demo.Options{End: time.Now().UTC(), Seed: 1})
}

type demoSink struct {
	ctx    context.Context
	a      *app.App
	events int
}

func (s *demoSink) Write(table string, ndjson []byte) error {
	for {
		res, err := s.a.Receiver.IngestNDJSON(s.ctx, table, bytes.NewReader(ndjson))
		s.events += res.Accepted
		if err == nil {
			if res.Rejected > 0 {
				return fmt.Errorf("demo data rejected by %s: line %d: %s", table, res.Rejects[0].Line, res.Rejects[0].Error)
			}
			return nil
		}
		if !errors.Is(err, pipeline.ErrBackpressure) || s.ctx.Err() != nil {
			return err
		}
		// The writer is behind: wait, then send what was not accepted yet.
		ndjson = skipLines(ndjson, res.Accepted) // demo lines are all valid, so the accepted ones are the leading ones
		time.Sleep(200 * time.Millisecond)
	}
}

func generateDemo(ctx context.Context, a *app.App, out io.Writer, opts demo.Options) error {
	start := time.Now()
	fmt.Fprintln(out, "Generating the demo environment (7 days, ~50 devices, ~100 users, one attack)...")
	sink := &demoSink{ctx: ctx, a: a}
	truth, err := demo.Generate(ctx, opts, sink)
	if err != nil {
		return fmt.Errorf("generate demo: %w", err)
	}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	if err := a.WaitWritten(wctx); err != nil {
		return fmt.Errorf("waiting for the demo to be written: %w", err)
	}
	path := filepath.Join(a.Config.DataDir, truthFile)
	if err := truth.WriteFile(path); err != nil {
		return err
	}
	fmt.Fprintf(out, "Demo loaded: %d events in %s; the attack's ground truth is in %s\n", sink.events, time.Since(start).Round(time.Millisecond), path)
	// The demo's week is already in the store: the scheduled rules evaluate its windows now.
	bstart := time.Now()
	n, err := a.Rules.Backfill(ctx, truth.Start)
	if err != nil {
		return fmt.Errorf("evaluating the scheduled rules over the demo: %w", err)
	}
	fmt.Fprintf(out, "Scheduled rules evaluated over the demo week: %d windows in %s\n", n, time.Since(bstart).Round(time.Millisecond))
	return nil
}

// skipLines drops the first n non-empty lines of b.
func skipLines(b []byte, n int) []byte {
	for n > 0 && len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return nil
		}
		if len(bytes.TrimSpace(b[:i])) > 0 {
			n--
		}
		b = b[i+1:]
	}
	return b
}
