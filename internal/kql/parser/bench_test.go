package parser_test

import (
	"slices"
	"testing"
	"time"

	"github.com/vigilsec/vigil/internal/kql/parser"
)

// BenchmarkParseCorpus parses every corpus query once per iteration and
// reports the per-query latency percentiles (p50, p90, p99, max) measured
// before the timed loop.
func BenchmarkParseCorpus(b *testing.B) {
	qs := loadCorpus(b)
	if qs == nil {
		b.Skipf("KQL corpus not found at %s", corpusDir)
	}
	var srcs []string
	var bytes int64
	for _, q := range qs {
		srcs = append(srcs, q.Query)
		bytes += int64(len(q.Query))
	}
	for _, s := range srcs { // warm up
		parser.Parse(s)
	}
	lat := make([]time.Duration, len(srcs))
	for i, s := range srcs {
		best := time.Duration(1 << 62)
		for range 3 {
			st := time.Now()
			parser.Parse(s)
			best = min(best, time.Since(st))
		}
		lat[i] = best
	}
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Nanoseconds()) }
	b.SetBytes(bytes)
	b.ResetTimer()
	for b.Loop() {
		for _, s := range srcs {
			parser.Parse(s)
		}
	}
	b.ReportMetric(pct(0.50), "p50-ns/query")
	b.ReportMetric(pct(0.90), "p90-ns/query")
	b.ReportMetric(pct(0.99), "p99-ns/query")
	b.ReportMetric(pct(1), "max-ns/query")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(srcs)), "ns/query")
}
