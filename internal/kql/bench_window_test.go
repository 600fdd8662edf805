package kql_test

import (
	"context"
	"testing"

	"github.com/vigilsec/vigil/internal/kql"
	"github.com/vigilsec/vigil/internal/kql/kqltest"
	"github.com/vigilsec/vigil/internal/schema"
)

// BenchmarkRowWindowSession runs row_window_session over 1,000,000 generated rows (one every 7 s, a new account
// every 1,000 rows, sessions of at most 1 h) next to the same query with a plain row_number() in its place (the
// cost of generating and serializing the rows), and top-nested over the same rows; ns/op is per query.
func BenchmarkRowWindowSession(b *testing.B) {
	const rows = `range i from 1 to 1000000 step 1 | extend a = i / 1000, t = datetime(2024-01-01) + i * 7s | serialize`
	for _, c := range []struct{ name, kql string }{
		{"session", rows + ` | extend s = row_window_session(t, 1h, 5m, a != prev(a)) | summarize dcount(s)`},
		{"row_number", rows + ` | extend s = row_number() | summarize dcount(s)`},
		{"top-nested", rows + ` | top-nested 10 of a by sum(i), top-nested 3 of b = i % 7 by count()`},
	} {
		b.Run(c.name, func(b *testing.B) {
			db := kqltest.OpenStore(b)
			q, errs := kql.Compile(c.kql, schema.NewCatalog())
			if errs != nil {
				b.Fatal(errs)
			}
			sql, err := q.DuckDB()
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for range b.N {
				if _, err := db.Query(context.Background(), sql, 100); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
