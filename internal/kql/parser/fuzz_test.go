package parser_test

import (
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigilsec/vigil/internal/kql/parser"
	"github.com/vigilsec/vigil/internal/kql/token"
)

// FuzzParser checks that the parser never panics or reports an internal
// error, that every error has a position inside the input, and that a
// query that parses prints to a query that parses to an equal tree.
func FuzzParser(f *testing.F) {
	for _, s := range validQueries {
		f.Add(s)
	}
	for _, s := range invalidQueries {
		f.Add(s)
	}
	for i, q := range loadCorpus(f) {
		if i%4 == 0 { // a quarter of the corpus keeps the seed run fast
			f.Add(q.Query)
		}
	}
	f.Fuzz(func(t *testing.T, src string) {
		q, errs := parser.Parse(src)
		if q == nil {
			t.Fatal("nil query")
		}
		for _, e := range errs {
			if e.Is(token.ErrInternal) {
				t.Fatalf("internal error: %v", e)
			}
			if e.Line < 1 || e.Col < 1 || int(e.Span.Start) > len(src) || e.Span.End < e.Span.Start {
				t.Fatalf("bad error position: %+v", e)
			}
			_ = e.Render(src)
		}
		if errs != nil {
			return
		}
		printed := q.String()
		again, errs := parser.Parse(printed)
		if errs != nil {
			t.Fatalf("printed query does not re-parse:\n%s\n--- printed:\n%s", errs.Render(printed), printed)
		}
		clearLocs(reflect.ValueOf(q))
		clearLocs(reflect.ValueOf(again))
		if !reflect.DeepEqual(q, again) {
			t.Fatalf("round trip changed the tree (-parsed +reparsed):\n%s\n--- printed:\n%s", cmp.Diff(q, again), printed)
		}
	})
}
