package kql_test

import (
	"os"
	"slices"
	"testing"
	"time"

	"github.com/vigilsec/vigil/internal/kql"
	"github.com/vigilsec/vigil/internal/schema"
)

// BenchmarkCompileCorpus compiles (parse, check, plan, DuckDB SQL) every
// accepted corpus query whose tables are in the catalogue; ns/op is per query.
func BenchmarkCompileCorpus(b *testing.B) {
	if _, err := os.Stat(corpusDir); err != nil {
		b.Skipf("corpus not available: %v", err)
	}
	recs, err := kql.ReadCorpus(corpusDir)
	if err != nil {
		b.Fatal(err)
	}
	cat := schema.NewCatalog()
	var queries []string
	for _, r := range recs {
		if r.OfficialParser != nil && !r.OfficialParser.Valid {
			continue
		}
		ok := true
		for _, t := range r.Tables {
			if _, found := cat.Table(t); !found {
				ok = false
			}
		}
		if ok {
			queries = append(queries, r.Query)
		}
	}
	compile := func(src string) {
		q, errs := kql.Compile(src, cat)
		if errs == nil {
			_, _ = q.DuckDB()
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		compile(queries[i%len(queries)])
	}
	b.StopTimer()
	// The distribution over the corpus: one timed compile per query.
	ds := make([]time.Duration, len(queries))
	for i, q := range queries {
		start := time.Now()
		compile(q)
		ds[i] = time.Since(start)
	}
	slices.Sort(ds)
	b.ReportMetric(float64(ds[len(ds)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(ds[len(ds)*9/10].Nanoseconds()), "p90-ns")
	b.ReportMetric(float64(ds[len(ds)*99/100].Nanoseconds()), "p99-ns")
}
