package kql

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/vigilsec/vigil/internal/kql/sema"
	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/store"
)

// Example is one documented example (shared/corpus/kql-docs/examples.jsonl).
type Example struct {
	ID       string `json:"id"`
	Query    string `json:"query"`
	Expected *struct {
		Columns []string   `json:"columns"`
		Rows    [][]string `json:"rows"`
	} `json:"expected"`
	Ordered            bool     `json:"ordered"`
	Partial            bool     `json:"partial"`
	Features           []string `json:"features"`
	ColumnNamesInQuery bool     `json:"column_names_in_query"`
	FunctionOrOperator string   `json:"function_or_operator"`
}

// ExampleResult is the outcome of one example.
type ExampleResult struct {
	ID     string `json:"id"`
	Status string `json:"status"` // passed, failed, errored
	Code   string `json:"code,omitempty"`
	Detail string `json:"detail,omitempty"` // the error, or the first difference
}

// ExamplesReport is the outcome of [RunExamples].
type ExamplesReport struct {
	Total   int             `json:"total"`
	Passed  int             `json:"passed"`
	Failed  int             `json:"failed"`
	Errored int             `json:"errored"`
	Results []ExampleResult `json:"results"`
}

// ErrorCodes counts the errored examples by code.
func (r *ExamplesReport) ErrorCodes() map[string]int {
	m := map[string]int{}
	for _, x := range r.Results {
		if x.Status == "errored" {
			m[x.Code]++
		}
	}
	return m
}

// String summarises the report.
func (r *ExamplesReport) String() string {
	pct := 0.0
	if r.Total > 0 {
		pct = 100 * float64(r.Passed) / float64(r.Total)
	}
	return fmt.Sprintf("examples: total %d, passed %d (%.1f%%), failed %d, errored %d", r.Total, r.Passed, pct, r.Failed, r.Errored)
}

// RunExamples runs every documented example of the JSONL file at path
// through Compile and exec, and compares the result with the documented
// output: values by type with the precision the docs show, JSON by value,
// row order only when the example is ordered, and only the shown rows when
// it is partial.
func RunExamples(ctx context.Context, path string, cat Catalog, exec Executor) (*ExamplesReport, error) {
	var exs []Example
	if err := readJSONL(path, func(b []byte) error {
		var e Example
		if err := json.Unmarshal(b, &e); err != nil {
			return err
		}
		exs = append(exs, e)
		return nil
	}); err != nil {
		return nil, err
	}
	rep := &ExamplesReport{}
	for _, ex := range exs {
		if ExampleTrace != nil {
			ExampleTrace(ex.ID)
		}
		res := RunExample(ctx, ex, cat, exec)
		rep.Total++
		switch res.Status {
		case "passed":
			rep.Passed++
		case "failed":
			rep.Failed++
		default:
			rep.Errored++
		}
		rep.Results = append(rep.Results, res)
	}
	return rep, nil
}

// ExampleTrace, when set, is called with each example's id before it runs.
var ExampleTrace func(id string)

// RunExample runs one example.
func RunExample(ctx context.Context, ex Example, cat Catalog, exec Executor) ExampleResult {
	r := ExampleResult{ID: ex.ID}
	q, errs := Compile(ex.Query, cat, WithNow(time.Now().UTC()))
	if len(errs) > 0 {
		r.Status, r.Code, r.Detail = "errored", errs[0].Code, firstLine(errs[0].Error())
		return r
	}
	sql, err := q.DuckDB()
	if err != nil {
		r.Status, r.Code, r.Detail = "errored", errCode(err), firstLine(err.Error())
		return r
	}
	qctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	got, err := exec.Query(qctx, sql, 10000)
	if err != nil {
		r.Status, r.Code, r.Detail = "errored", "sql_error", firstLine(err.Error())
		return r
	}
	if got, err = q.Finish(got); err != nil {
		r.Status, r.Code, r.Detail = "errored", errCode(err), firstLine(err.Error())
		return r
	}
	if ex.Expected == nil || ex.Expected.Columns == nil {
		r.Status, r.Code, r.Detail = "errored", "no_expected_table", "the docs show no table"
		return r
	}
	// The KQL types of the plan, and the types Finish gave the columns
	// it made from bags.
	planT := map[string]schema.Type{}
	for _, c := range q.Schema() {
		planT[c.Name] = c.Type
	}
	cols := make([]Column, len(got.Columns))
	for i, c := range got.Columns {
		cols[i] = Column{Name: c.Name, Type: c.Type}
		if t, ok := planT[c.Name]; ok {
			cols[i].Type = t
		}
	}
	if d := Compare(ex, cols, got); d != "" {
		r.Status, r.Detail = "failed", d
		return r
	}
	r.Status = "passed"
	return r
}

// Compare returns the first difference between a result and the documented output, or "".
func Compare(ex Example, cols []Column, got *store.Result) string {
	exp := ex.Expected
	if len(exp.Columns) != len(got.Columns) {
		return fmt.Sprintf("columns: want %v, got %v", exp.Columns, colNames(cols))
	}
	if ex.ColumnNamesInQuery {
		for i, c := range exp.Columns {
			if strings.TrimSpace(c) != cols[i].Name {
				return fmt.Sprintf("column %d: want %q, got %q", i, c, cols[i].Name)
			}
		}
	}
	if !ex.Partial && len(exp.Rows) != len(got.Rows) {
		return fmt.Sprintf("rows: want %d, got %d", len(exp.Rows), len(got.Rows))
	}
	if ex.Partial && len(exp.Rows) > len(got.Rows) {
		return fmt.Sprintf("rows: want at least %d, got %d", len(exp.Rows), len(got.Rows))
	}
	if ex.Ordered && !ex.Partial {
		for i, row := range exp.Rows {
			if d := rowDiff(row, got.Rows[i], cols); d != "" {
				return fmt.Sprintf("row %d: %s", i, d)
			}
		}
		return ""
	}
	used := make([]bool, len(got.Rows))
	for i, row := range exp.Rows {
		found := false
		first := ""
		for j, g := range got.Rows {
			if used[j] {
				continue
			}
			d := rowDiff(row, g, cols)
			if d == "" {
				used[j], found = true, true
				break
			}
			if first == "" {
				first = d
			}
		}
		if !found {
			return fmt.Sprintf("row %d %v not found (e.g. %s)", i, row, first)
		}
	}
	return ""
}

func colNames(cols []Column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Name
	}
	return out
}

func rowDiff(want []string, got []any, cols []Column) string {
	if len(want) != len(got) {
		return fmt.Sprintf("want %d cells, got %d", len(want), len(got))
	}
	for i, w := range want {
		if !CellEqual(w, got[i]) {
			return fmt.Sprintf("column %s: want %q, got %s", cols[i].Name, w, showValue(got[i]))
		}
	}
	return ""
}

func showValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case time.Time:
		return x.Format(time.RFC3339Nano)
	case time.Duration:
		return sema.FormatTimespan(x)
	case map[string]any, []any:
		b, _ := json.Marshal(x)
		return string(b)
	}
	return fmt.Sprintf("%v", v)
}

// CellEqual reports whether a documented cell (text) matches a result value.
func CellEqual(want string, got any) bool {
	w := strings.TrimSpace(want)
	if strings.Contains(w, "...") || strings.Contains(w, "…") {
		return true
	}
	switch g := got.(type) {
	case nil:
		return w == "" || strings.EqualFold(w, "null") || w == "(null)"
	case string:
		if w == g || w == strings.TrimSpace(g) {
			return true
		}
		if strings.EqualFold(w, g) && looksGUID(g) {
			return true
		}
		// A string holding JSON, or a datetime/timespan rendered by the docs.
		if jsonEqualText(w, g) {
			return true
		}
		return strings.ReplaceAll(w, `\\`, `\`) == g
	case bool:
		return strings.EqualFold(w, strconv.FormatBool(g)) || (g && w == "1") || (!g && w == "0")
	case int64:
		return numEqual(w, float64(g))
	case int32:
		return numEqual(w, float64(g))
	case int:
		return numEqual(w, float64(g))
	case float64:
		return numEqual(w, g)
	case time.Time:
		return timeEqual(w, g)
	case time.Duration:
		d, null, ok := sema.ParseTimespan(w)
		if ok && !null {
			return d == g || absDur(d-g) < time.Microsecond
		}
		return w == sema.FormatTimespan(g)
	case map[string]any, []any:
		return jsonEqual(w, g)
	}
	return w == fmt.Sprint(got)
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

func looksGUID(s string) bool { return len(s) == 36 && strings.Count(s, "-") == 4 }

func numEqual(w string, g float64) bool {
	w = strings.ReplaceAll(w, ",", "")
	switch strings.ToLower(w) {
	case "nan":
		return math.IsNaN(g)
	case "infinity", "∞", "inf", "+inf":
		return math.IsInf(g, 1)
	case "-infinity", "-∞", "-inf":
		return math.IsInf(g, -1)
	case "true":
		return g == 1
	case "false":
		return g == 0
	}
	f, err := strconv.ParseFloat(w, 64)
	if err != nil {
		return false
	}
	if f == g {
		return true
	}
	// Tolerance set by the digits shown.
	dec := 0
	if i := strings.IndexAny(w, ".eE"); i >= 0 && w[i] == '.' {
		j := i + 1
		for j < len(w) && w[j] >= '0' && w[j] <= '9' {
			j++
		}
		dec = j - i - 1
	}
	tol := 0.5*math.Pow(10, -float64(dec)) + 1e-9*math.Abs(f)
	if strings.ContainsAny(w, "eE") {
		tol = 1e-6 * math.Abs(f)
	}
	return math.Abs(f-g) <= tol
}

var expTimeLayouts = []string{
	"2006-01-02 15:04:05.0000000", "2006-01-02T15:04:05.0000000Z", "2006-01-02T15:04:05Z", "2006-01-02 15:04:05",
	"2006-01-02T15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04", "2006-01-02", "1/2/2006 3:04:05 PM", "1/2/2006 15:04", "1/2/2006", "2006-01-02T15:04:05.999999999Z",
}

func timeEqual(w string, g time.Time) bool {
	for _, l := range expTimeLayouts {
		if t, err := time.Parse(l, w); err == nil {
			if t.Equal(g) {
				return true
			}
			// The store keeps microseconds; the docs may show 100ns ticks or fewer digits.
			d := g.Sub(t)
			if d < 0 {
				d = -d
			}
			return d < time.Microsecond || (d < time.Second && !strings.Contains(w, "."))
		}
	}
	if t, null, ok := sema.ParseDatetime(w); ok && !null {
		return t.Equal(g)
	}
	return false
}

func jsonEqualText(w, g string) bool {
	if len(w) == 0 || (w[0] != '{' && w[0] != '[') {
		return false
	}
	var a, b any
	if json.Unmarshal([]byte(w), &a) != nil || json.Unmarshal([]byte(g), &b) != nil {
		return false
	}
	return valueEqual(a, b)
}

func jsonEqual(w string, g any) bool {
	var a any
	if err := json.Unmarshal([]byte(w), &a); err != nil {
		if err := json.Unmarshal([]byte(strings.ReplaceAll(w, "'", `"`)), &a); err != nil {
			return false
		}
	}
	return valueEqual(a, g)
}

func valueEqual(a, b any) bool {
	switch x := a.(type) {
	case float64:
		switch y := b.(type) {
		case float64:
			return x == y || math.Abs(x-y) <= 1e-6*math.Max(1, math.Abs(x))
		case int64:
			return x == float64(y)
		case json.Number:
			f, _ := y.Float64()
			return x == f
		case string:
			return strconv.FormatFloat(x, 'g', -1, 64) == y
		}
		return false
	case string:
		switch y := b.(type) {
		case string:
			return x == y || timeStringEqual(x, y)
		case float64:
			return x == strconv.FormatFloat(y, 'g', -1, 64)
		}
		return false
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !valueEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			if !valueEqual(v, y[k]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

func timeStringEqual(a, b string) bool {
	ta, na, oka := sema.ParseDatetime(a)
	tb, nb, okb := sema.ParseDatetime(b)
	return oka && okb && !na && !nb && ta.Equal(tb)
}

// SortedCodes returns the keys of m by descending count.
func SortedCodes(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	return keys
}
