package parser_test

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/kql/ast"
	"github.com/vigilsec/vigil/internal/kql/parser"
	"github.com/vigilsec/vigil/internal/kql/token"
)

// corpusDir holds the shared KQL query corpus (see its SOURCES.md).
const corpusDir = "../../../../shared/corpus/kql"

type corpusQuery struct {
	Path   string `json:"path"`
	Query  string `json:"query"`
	Valid  bool   // the official Kusto parser accepts the query
	Errors []struct {
		Line int `json:"line"`
		Col  int `json:"col"`
	}
}

// loadCorpus reads every corpus record, or returns nil when the corpus is
// not present.
func loadCorpus(tb testing.TB) []corpusQuery {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join(corpusDir, "*.jsonl"))
	require.NoError(tb, err)
	if len(files) == 0 {
		return nil
	}
	sort.Strings(files)
	var out []corpusQuery
	for _, f := range files {
		fh, err := os.Open(f)
		require.NoError(tb, err)
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
		for sc.Scan() {
			var rec struct {
				Path           string `json:"path"`
				Query          string `json:"query"`
				OfficialParser struct {
					Valid  bool `json:"valid"`
					Errors []struct {
						Line int `json:"line"`
						Col  int `json:"col"`
					} `json:"errors"`
				} `json:"official_parser"`
			}
			require.NoError(tb, json.Unmarshal(sc.Bytes(), &rec), f)
			out = append(out, corpusQuery{Path: rec.Path, Query: rec.Query, Valid: rec.OfficialParser.Valid, Errors: rec.OfficialParser.Errors})
		}
		require.NoError(tb, sc.Err())
		require.NoError(tb, fh.Close())
	}
	return out
}

func requireCorpus(t *testing.T) []corpusQuery {
	t.Helper()
	qs := loadCorpus(t)
	if qs == nil {
		t.Skipf("KQL corpus not found at %s; skipping corpus tests", corpusDir)
	}
	return qs
}

// ignoreSpans compares trees without their positions.
var ignoreSpans = cmpopts.IgnoreTypes(ast.Loc{})

// equalIgnoringSpans reports whether a and b are equal trees, ignoring
// spans. go-cmp with [ignoreSpans] is authoritative but its slice diffing
// is superlinear on some deep trees (one 3.7 KB corpus query takes a
// minute), so it runs on queries under 2 KB; larger ones compare with
// reflect.DeepEqual after zeroing every [ast.Loc]. A difference is always
// reported with cmp.Diff.
func equalIgnoringSpans(tb testing.TB, a, b *ast.Query) bool {
	tb.Helper()
	if a.Range.End < 2048 {
		return cmp.Equal(a, b, ignoreSpans)
	}
	clearLocs(reflect.ValueOf(a))
	clearLocs(reflect.ValueOf(b))
	return reflect.DeepEqual(a, b)
}

var locType = reflect.TypeFor[ast.Loc]()

// clearLocs zeroes every ast.Loc reachable from v.
func clearLocs(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			clearLocs(v.Elem())
		}
	case reflect.Slice:
		for i := range v.Len() {
			clearLocs(v.Index(i))
		}
	case reflect.Struct:
		if v.Type() == locType {
			if v.CanSet() {
				v.Set(reflect.Zero(locType))
			}
			return
		}
		for i := range v.NumField() {
			clearLocs(v.Field(i))
		}
	}
}

func TestCorpus(t *testing.T) {
	qs := requireCorpus(t)
	var valid, validOK, invalid, invalidOK, samePos, rtOK int
	for _, q := range qs {
		tree, errs := parser.Parse(q.Query)
		if q.Valid {
			valid++
			if errs != nil {
				t.Errorf("%s: official parser accepts, we reject:\n%s", q.Path, errs.Render(q.Query))
				continue
			}
			validOK++
			printed := tree.String()
			again, errs := parser.Parse(printed)
			if errs != nil {
				t.Errorf("%s: printed query does not re-parse:\n%s\n--- printed:\n%s", q.Path, errs.Render(printed), printed)
				continue
			}
			if !equalIgnoringSpans(t, tree, again) {
				t.Errorf("%s: round trip changed the tree (-parsed +reparsed):\n%s", q.Path, cmp.Diff(tree, again, ignoreSpans))
				continue
			}
			rtOK++
			continue
		}
		invalid++
		if errs == nil {
			t.Errorf("%s: official parser rejects (%v), we accept", q.Path, q.Errors)
			continue
		}
		for _, e := range errs {
			require.Positive(t, e.Line, "%s: error without position: %v", q.Path, e)
			require.Positive(t, e.Col, "%s: error without position: %v", q.Path, e)
			require.False(t, e.Is(token.ErrInternal), "%s: internal error: %v", q.Path, e)
		}
		invalidOK++
		if len(q.Errors) > 0 && errs[0].Line == q.Errors[0].Line && errs[0].Col == q.Errors[0].Col {
			samePos++
		}
	}
	t.Logf("accepted by the official parser: %d/%d parse", validOK, valid)
	t.Logf("rejected by the official parser: %d/%d rejected with a position (%d at the official parser's first line:col)", invalidOK, invalid, samePos)
	t.Logf("round trip parse(print(parse(q))) == parse(q): %d/%d", rtOK, validOK)
}
