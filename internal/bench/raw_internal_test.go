package bench

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
)

func BenchmarkRaw(b *testing.B) {
	pool := bodies(4, 5000)
	for _, g := range []int{1, 8, 32} {
		b.Run(fmt.Sprint(g), func(b *testing.B) {
			rawGroup = g
			for i := 0; i < b.N; i++ {
				r, err := rawAppender(context.Background(), filepath.Join(b.TempDir(), "x.db"), pool, 200000, 5000)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(r, "ev/s")
			}
		})
	}
}
