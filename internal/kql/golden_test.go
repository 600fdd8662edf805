package kql_test

import (
	"flag"
	"strings"
	"testing"
	"time"

	"github.com/vigilsec/vigil/internal/kql"
	"github.com/vigilsec/vigil/internal/kql/asim"
	"github.com/vigilsec/vigil/internal/kql/kqltest"
	"github.com/vigilsec/vigil/internal/schema"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var goldenNow = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// TestGolden compiles every testdata/<area>/*.txtar "kql" section and
// compares the plan and DuckDB SQL, or the rendered errors. Queries see the
// built-in ASIM parsers, as the server's do.
func TestGolden(t *testing.T) {
	fns := kql.NewFunctions()
	if err := asim.Register(fns); err != nil {
		t.Fatal(err)
	}
	cat := kql.WithFunctions(schema.NewCatalog(), fns)
	for _, c := range kqltest.Load(t, "testdata") {
		name := strings.TrimSuffix(strings.TrimPrefix(c.Path, "testdata/"), ".txtar")
		t.Run(name, func(t *testing.T) {
			src := strings.TrimRight(c.Section("kql"), "\n")
			got := map[string]string{}
			q, errs := kql.Compile(src, cat, kql.WithNow(goldenNow))
			if errs != nil {
				got["error"] = errs.Render(src)
				kqltest.Check(t, c, got, *update, "plan", "sql.duckdb")
				return
			}
			got["plan"] = q.PlanText()
			sql, err := q.DuckDB()
			if err != nil {
				got["sql.duckdb"] = "error: " + err.Error()
			} else {
				got["sql.duckdb"] = sql
			}
			kqltest.Check(t, c, got, *update, "error")
		})
	}
}
