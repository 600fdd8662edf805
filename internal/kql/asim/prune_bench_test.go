package asim_test

import (
	"context"
	"testing"

	"github.com/vigilsec/vigil/internal/kql"
	"github.com/vigilsec/vigil/internal/kql/asim"
	"github.com/vigilsec/vigil/internal/kql/kqltest"
	"github.com/vigilsec/vigil/internal/kql/plan"
	"github.com/vigilsec/vigil/internal/schema"
)

// BenchmarkParserQueriesEmptyStore compiles and runs parser queries on an empty store with every plan pass, and
// without fold-filters and prune-columns (the passes before column pruning), to show what pruning saves.
func BenchmarkParserQueriesEmptyStore(b *testing.B) {
	fns := kql.NewFunctions()
	if err := asim.Register(fns); err != nil {
		b.Fatal(err)
	}
	cat := schema.NewCatalog()
	kcat := kql.WithFunctions(cat, fns)
	db := kqltest.EmptyStore(b, cat)
	all := plan.Passes
	defer func() { plan.Passes = all }()
	var unpruned []plan.Pass
	for _, p := range all {
		if p.Name != "fold-filters" && p.Name != "prune-columns" {
			unpruned = append(unpruned, p)
		}
	}
	for _, q := range []struct{ name, kql string }{
		{"imAuthentication-count", "imAuthentication | count"},
		{"imProcessCreate-where-project", `imProcessCreate | where TargetProcessName has "whoami" | project TimeGenerated, DvcHostname`},
	} {
		for _, v := range []struct {
			name   string
			passes []plan.Pass
		}{{"pruned", all}, {"unpruned", unpruned}} {
			b.Run(q.name+"/"+v.name, func(b *testing.B) {
				plan.Passes = v.passes
				defer func() { plan.Passes = all }()
				var n int
				for i := 0; i < b.N; i++ {
					cq, errs := kql.Compile(q.kql, kcat)
					if errs != nil {
						b.Fatal(errs.Render(q.kql))
					}
					sql, err := cq.DuckDB()
					if err != nil {
						b.Fatal(err)
					}
					n = len(sql)
					if _, err := db.Query(context.Background(), sql, 10); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(n), "sql-bytes")
			})
		}
	}
}
