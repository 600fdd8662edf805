package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/vigilsec/vigil/internal/app"
	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/ingest/file"
	"github.com/vigilsec/vigil/internal/ingest/normalize/tables"
	"github.com/vigilsec/vigil/internal/pipeline"
)

func init() {
	register(&command{name: "ingest", summary: "import log files (EVTX, Windows event JSON, cloud audit records, audit.log, syslog, CEF, LEEF, NDJSON)", run: runIngest})
}

// ingestSummary is what `vigil ingest --json` prints.
type ingestSummary struct {
	Files    int            `json:"files"`
	Read     int            `json:"read"`
	Accepted int            `json:"accepted"`
	Rejected int            `json:"rejected"`
	ByTable  map[string]int `json:"by_table"`
	Rejects  []fileReject   `json:"rejects,omitempty"`
	Seconds  float64        `json:"seconds"`
}

type fileReject struct {
	File  string `json:"file"`
	Line  int    `json:"line"`
	Error string `json:"error"`
}

func runIngest(ctx context.Context, args []string, out io.Writer) error {
	var format string
	var asJSON, deviceTables bool
	cfg, files, err := parseConfigArgs("ingest", "--data DIR [--format "+strings.Join(file.Formats(), "|")+"] [--json] FILE...", args, func(fs *flag.FlagSet) {
		fs.StringVar(&format, "format", "", "input format (default: detected per file); ndjson:<Table> for table-shaped NDJSON")
		fs.BoolVar(&asJSON, "json", false, "print the summary as one JSON object")
		fs.BoolVar(&deviceTables, "device-tables", false, "also fill DeviceProcessEvents/DeviceLogonEvents from Security 4688/4624/4625")
	})
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("%w: no files given", errUsage)
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
	start := time.Now()
	sum := ingestSummary{ByTable: map[string]int{}}
	var records, done atomic.Int64
	var total int64
	for _, path := range files {
		if st, err := os.Stat(path); err == nil {
			total += st.Size()
		}
	}
	stopProgress := progress(os.Stderr, &records, &done, total)
	// One set of table builders for all the files, so that many small files (a .evtx file often holds a handful of
	// events) make full batches instead of a store transaction each; it is handed on whenever it holds a batch's
	// worth of rows, and once after the last file.
	set := tables.NewSet(a.Catalog)
	emit := func(b *batch.Batch) error {
		records.Add(int64(b.Len))
		for {
			err := a.Receiver.PublishBatch(ctx, b)
			if !errors.Is(err, pipeline.ErrBackpressure) || ctx.Err() != nil {
				return err
			}
			time.Sleep(100 * time.Millisecond) // the writer is behind: wait, then retry the same batch
		}
	}
	var firstErr error
	for _, path := range files {
		s, err := importFile(ctx, a, path, file.Options{Format: format, DeviceTables: deviceTables, Set: set}, emit, &done)
		if err == nil && set.Rows() >= ingestBatchRows {
			err = set.Flush(emit, sum.ByTable)
		}
		sum.Files++
		sum.Read += s.Read
		sum.Accepted += s.Accepted
		sum.Rejected += s.Rejected
		for t, n := range s.ByTable {
			sum.ByTable[t] += n
		}
		for _, r := range s.Rejects {
			if len(sum.Rejects) < 100 {
				sum.Rejects = append(sum.Rejects, fileReject{File: path, Line: r.Line, Error: r.Error})
			}
		}
		a.Receiver.CountRejected("file:"+s.Format, s.Rejected)
		if len(s.Rejects) > 0 {
			kept := make([]pipeline.RejectedRecord, len(s.Rejects))
			for i, r := range s.Rejects {
				kept[i] = pipeline.RejectedRecord{Line: r.Line, Reason: path + ": " + r.Error}
			}
			a.Receiver.KeepRejects(ctx, "file:"+s.Format, "", kept)
		}
		if err != nil {
			firstErr = fmt.Errorf("%s: %w", path, err)
			break
		}
	}
	if err := set.Flush(emit, sum.ByTable); err != nil && firstErr == nil {
		firstErr = err
	}
	stopProgress()
	wctx, cancel := context.WithTimeout(ctx, 30*time.Minute)
	werr := a.WaitWritten(wctx)
	cancel()
	sum.Seconds = time.Since(start).Seconds()
	if err := errors.Join(firstErr, werr, a.Close(time.Minute)); err != nil {
		return err
	}
	if asJSON {
		return json.NewEncoder(out).Encode(sum)
	}
	fmt.Fprintf(out, "%d files: %d records read, %d accepted, %d rejected in %.1fs\n", sum.Files, sum.Read, sum.Accepted, sum.Rejected, sum.Seconds)
	tables := make([]string, 0, len(sum.ByTable))
	for t := range sum.ByTable {
		tables = append(tables, t)
	}
	sort.Strings(tables)
	for _, t := range tables {
		fmt.Fprintf(out, "  %-28s %d\n", t, sum.ByTable[t])
	}
	for _, r := range sum.Rejects {
		fmt.Fprintf(out, "  rejected %s:%d: %s\n", r.File, r.Line, r.Error)
	}
	return nil
}

// ingestBatchRows is how many gathered rows vigil ingest hands on as batches between files.
const ingestBatchRows = 4096

func importFile(ctx context.Context, a *app.App, path string, opts file.Options, emit func(*batch.Batch) error, done *atomic.Int64) (file.Summary, error) {
	f, err := os.Open(path)
	if err != nil {
		return file.Summary{}, err
	}
	defer f.Close()
	return file.ImportWith(ctx, &countingReader{r: f, n: done}, opts, a.Catalog, emit)
}

// countingReader adds the bytes read to n (the progress bar's measure).
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	k, err := c.r.Read(p)
	c.n.Add(int64(k))
	return k, err
}

// progress draws a progress bar on a terminal (the share of the files' bytes read, the records imported and their
// rate) until the returned function is called; elsewhere it draws nothing.
func progress(w *os.File, n, done *atomic.Int64, total int64) func() {
	st, err := w.Stat()
	if err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return func() {}
	}
	stop := make(chan struct{})
	finished := make(chan struct{})
	draw := func(start time.Time, final bool) {
		frac := 1.0
		if total > 0 && !final {
			frac = min(float64(done.Load())/float64(total), 1)
		}
		const width = 30
		filled := int(frac * width)
		bar := strings.Repeat("█", filled) + strings.Repeat("░", width-filled)
		v := n.Load()
		fmt.Fprintf(w, "\r%s %3.0f%% %d records (%.0f/s)   ", bar, frac*100, v, float64(v)/max(time.Since(start).Seconds(), 0.001))
	}
	go func() {
		defer close(finished)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		start := time.Now()
		for {
			select {
			case <-stop:
				draw(start, true)
				fmt.Fprintln(w)
				return
			case <-t.C:
				draw(start, false)
			}
		}
	}()
	return func() { close(stop); <-finished }
}
