package conformance

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/vigilsec/vigil/internal/sigma/engine"
	"github.com/vigilsec/vigil/internal/sigma/event"
	"github.com/vigilsec/vigil/internal/sigma/rule"
)

// BenchOptions configures [Bench].
type BenchOptions struct {
	// RuleDirs are the rule directories to load.
	RuleDirs []string
	// Product, if set, keeps only detection rules of that logsource product.
	Product string
	// Events are JSONL files or directories searched for *.jsonl and *.json.
	Events []string
	// Rounds is how many times the events are streamed (default 5);
	// MinDuration keeps streaming whole rounds until it has passed.
	Rounds      int
	MinDuration time.Duration
	// Plain uses the rule-by-rule evaluator instead of the index.
	Plain bool
	// Stream runs the events through a correlation stream (engine.Stream.Process, what the server's stream
	// detection runs: correlations, per-rule counters, sampled timing) instead of Engine.Match.
	Stream bool
	// OneCore runs the evaluation with GOMAXPROCS=1 (GC included on the
	// same core), restoring the previous value afterwards.
	OneCore bool
	// EngineOptions are passed to engine.Compile.
	EngineOptions []engine.Option
}

// BenchReport is the result of [Bench].
type BenchReport struct {
	RulesLoaded     int     `json:"rules_loaded"`
	Events          int     `json:"events"`
	Rounds          int     `json:"rounds"`
	DecodeSeconds   float64 `json:"decode_seconds"`
	CompileSeconds  float64 `json:"compile_seconds"`
	EvalSeconds     float64 `json:"eval_seconds"`
	EventsPerSecond float64 `json:"events_per_second"`
	// CPUSeconds is the process CPU time of the evaluation (all threads,
	// GC included); EventsPerCPUSecond is throughput per core-second, which
	// is stable on a loaded machine. Zero where unavailable.
	CPUSeconds         float64 `json:"cpu_seconds"`
	EventsPerCPUSecond float64 `json:"events_per_cpu_second"`
	// Matches counts the matches of one round.
	Matches int          `json:"matches"`
	Index   engine.Stats `json:"index"`
	Plain   bool         `json:"plain"`
	Stream  bool         `json:"stream"`
}

// Bench loads the rules, decodes the events once (timed separately), then
// streams them through the engine on the calling goroutine, round after
// round, and reports the throughput.
func Bench(opts BenchOptions) (*BenchReport, error) {
	t0 := time.Now()
	var keep func(*rule.Rule) bool
	if opts.Product != "" {
		keep = Product(opts.Product)
	}
	eng, _, err := Load(opts.RuleDirs, keep, append([]engine.Option{engine.WithExplain(false)}, opts.EngineOptions...)...)
	if err != nil {
		return nil, err
	}
	rep := &BenchReport{RulesLoaded: len(eng.Rules()), CompileSeconds: time.Since(t0).Seconds(), Plain: opts.Plain, Index: eng.Stats()}
	t1 := time.Now()
	events, err := LoadEvents(opts.Events)
	if err != nil {
		return nil, err
	}
	rep.DecodeSeconds = time.Since(t1).Seconds()
	rep.Events = len(events)
	if len(events) == 0 {
		return nil, fmt.Errorf("bench: no events found in %v", opts.Events)
	}
	rounds := opts.Rounds
	if rounds <= 0 {
		rounds = 5
	}
	match := eng.Match
	if opts.Plain {
		match = eng.MatchPlain
	}
	if opts.Stream {
		match = eng.NewStream().Process
		rep.Stream = true
	}
	if opts.OneCore {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	}
	start, cpu0 := time.Now(), cpuTime()
	for r := 0; r < rounds || time.Since(start) < opts.MinDuration; r++ {
		n := 0
		for _, ev := range events {
			n += len(match(ev))
		}
		rep.Matches = n
		rep.Rounds++
	}
	rep.EvalSeconds = time.Since(start).Seconds()
	rep.EventsPerSecond = float64(rep.Events*rep.Rounds) / rep.EvalSeconds
	if cpu := cpuTime() - cpu0; cpu > 0 {
		rep.CPUSeconds = cpu.Seconds()
		rep.EventsPerCPUSecond = float64(rep.Events*rep.Rounds) / rep.CPUSeconds
	}
	return rep, nil
}

// LoadEvents decodes every JSONL/JSON file under the given paths, in lexical
// order.
func LoadEvents(paths []string) ([]event.Event, error) {
	var files []string
	for _, p := range paths {
		err := filepath.WalkDir(p, func(f string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && (strings.HasSuffix(f, ".jsonl") || strings.HasSuffix(f, ".json")) {
				files = append(files, f)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("find events: %w", err)
		}
	}
	sort.Strings(files)
	var out []event.Event
	for _, f := range files {
		evs, err := ReadEvents(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		out = append(out, evs...)
	}
	return out, nil
}
