package kql

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/vigilsec/vigil/internal/kql/parser"
	"github.com/vigilsec/vigil/internal/store"
)

// Executor runs SQL on a store. *duckdb.DB (internal/store/duckdb) satisfies it.
type Executor interface {
	Query(ctx context.Context, sql string, maxRows int) (*store.Result, error)
}

// CorpusRecord is the part of a corpus record (shared/corpus/kql/*.jsonl) the runner reads.
type CorpusRecord struct {
	Path           string   `json:"path"`
	Kind           string   `json:"kind"`
	FunctionName   string   `json:"function_name"`
	Query          string   `json:"query"`
	Tables         []string `json:"tables"`
	DupOf          string   `json:"dup_of"`
	OfficialParser *struct {
		Valid bool `json:"valid"`
	} `json:"official_parser"`
}

// CorpusStage counts how far the records of one population got.
type CorpusStage struct {
	Total    int `json:"total"`
	Parsed   int `json:"parsed"`
	Checked  int `json:"checked"`
	Compiled int `json:"compiled"`
	Executed int `json:"executed"`
}

// CorpusFailure groups the failures of one error code.
type CorpusFailure struct {
	Code     string   `json:"code"`
	Count    int      `json:"count"`
	Examples []string `json:"examples,omitempty"` // "path: message", the first few
}

// CorpusReport is the outcome of [RunCorpus].
type CorpusReport struct {
	// All counts every record the official parser accepts.
	All CorpusStage `json:"all"`
	// InCatalog counts the accepted records whose tables are all in the catalogue.
	InCatalog CorpusStage `json:"in_catalog"`
	// Invalid is the number of records the official parser rejects, and
	// Rejected how many of them our parser rejects too.
	Invalid  int `json:"invalid"`
	Rejected int `json:"rejected"`
	// InvalidAccepted lists the paths of invalid records we accepted.
	InvalidAccepted []string `json:"invalid_accepted,omitempty"`
	// Failures groups the first failure of each in-catalogue record by code.
	Failures []CorpusFailure `json:"failures"`
	// Log holds "code path: message" for every in-catalogue failure.
	Log []string `json:"-"`
	// CompileTimes are the compile durations of the in-catalogue records that compiled, sorted.
	CompileTimes []time.Duration `json:"-"`
}

// String summarises the report.
func (r *CorpusReport) String() string {
	var sb strings.Builder
	st := func(name string, s CorpusStage) {
		pct := func(n int) float64 {
			if s.Total == 0 {
				return 0
			}
			return 100 * float64(n) / float64(s.Total)
		}
		fmt.Fprintf(&sb, "%s: total %d, parsed %d (%.1f%%), checked %d (%.1f%%), compiled %d (%.1f%%), executed %d (%.1f%%)\n",
			name, s.Total, s.Parsed, pct(s.Parsed), s.Checked, pct(s.Checked), s.Compiled, pct(s.Compiled), s.Executed, pct(s.Executed))
	}
	st("all accepted", r.All)
	st("tables in catalogue", r.InCatalog)
	fmt.Fprintf(&sb, "invalid records: %d, rejected: %d\n", r.Invalid, r.Rejected)
	if n := len(r.CompileTimes); n > 0 {
		fmt.Fprintf(&sb, "compile time p50 %v, p90 %v, max %v\n", r.CompileTimes[n/2], r.CompileTimes[n*9/10], r.CompileTimes[n-1])
	}
	for _, f := range r.Failures {
		fmt.Fprintf(&sb, "  %-24s %4d", f.Code, f.Count)
		if len(f.Examples) > 0 {
			fmt.Fprintf(&sb, "  e.g. %s", f.Examples[0])
		}
		sb.WriteByte('\n')
	}
	return sb.String()
}

// ReadCorpus reads the records of a JSONL file, or of every *.jsonl file of a directory.
func ReadCorpus(path string) ([]CorpusRecord, error) {
	files := []string{path}
	if fi, err := os.Stat(path); err != nil {
		return nil, err
	} else if fi.IsDir() {
		files, err = filepath.Glob(filepath.Join(path, "*.jsonl"))
		if err != nil {
			return nil, err
		}
		sort.Strings(files)
	}
	var out []CorpusRecord
	for _, f := range files {
		if err := readJSONL(f, func(b []byte) error {
			var r CorpusRecord
			if err := json.Unmarshal(b, &r); err != nil {
				return err
			}
			out = append(out, r)
			return nil
		}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func readJSONL(path string, f func([]byte) error) error {
	fh, err := os.Open(path)
	if err != nil {
		return err
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	line := 0
	for sc.Scan() {
		line++
		if len(strings.TrimSpace(sc.Text())) == 0 {
			continue
		}
		if err := f(sc.Bytes()); err != nil {
			return fmt.Errorf("%s:%d: %w", path, line, err)
		}
	}
	return sc.Err()
}

// RunCorpus compiles every query of the corpus at path (a JSONL file or a
// directory of them) against cat and, when exec is not nil, runs the SQL
// on it (normally an empty store holding every catalogue table). Records
// the official parser rejects must be rejected by ours.
func RunCorpus(ctx context.Context, path string, cat Catalog, exec Executor, opts ...Option) (*CorpusReport, error) {
	recs, err := ReadCorpus(path)
	if err != nil {
		return nil, err
	}
	rep := &CorpusReport{}
	fails := map[string]*CorpusFailure{}
	fail := func(code, where, msg string) {
		f := fails[code]
		if f == nil {
			f = &CorpusFailure{Code: code}
			fails[code] = f
		}
		f.Count++
		rep.Log = append(rep.Log, code+" "+where+": "+firstLine(msg))
		if len(f.Examples) < 5 {
			f.Examples = append(f.Examples, where+": "+firstLine(msg))
		}
	}
	opts = append([]Option{WithNow(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))}, opts...)
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	for _, r := range recs {
		if r.OfficialParser != nil && !r.OfficialParser.Valid {
			rep.Invalid++
			if _, errs := parser.Parse(r.Query); len(errs) > 0 {
				rep.Rejected++
			} else {
				rep.InvalidAccepted = append(rep.InvalidAccepted, r.Path)
			}
			continue
		}
		inCat := true
		for _, t := range r.Tables {
			if _, ok := cat.Table(t); !ok {
				inCat = false
			}
		}
		stages := []*CorpusStage{&rep.All}
		if inCat {
			stages = append(stages, &rep.InCatalog)
		}
		bump := func(f func(*CorpusStage)) {
			for _, s := range stages {
				f(s)
			}
		}
		bump(func(s *CorpusStage) { s.Total++ })
		parsed, errs := parser.Parse(r.Query)
		if len(errs) > 0 {
			if inCat {
				fail(errs[0].Code, r.Path, errs[0].Error())
			}
			continue
		}
		bump(func(s *CorpusStage) { s.Parsed++ })
		query := r.Query
		if r.Kind == "parser" {
			// On the first line, so that line numbers of errors stay those of the record.
			lets := passThroughLets(parsed)
			if cfg.parserParams != nil {
				lets = cfg.parserParams(r.FunctionName) + lets
			}
			query = lets + query
		}
		start := time.Now()
		q, errs := Compile(query, cat, opts...)
		if len(errs) > 0 {
			if inCat {
				fail(errs[0].Code, r.Path, errs[0].Error())
			}
			continue
		}
		bump(func(s *CorpusStage) { s.Checked++ })
		sql, err := q.DuckDB()
		if inCat {
			rep.CompileTimes = append(rep.CompileTimes, time.Since(start))
		}
		if err != nil {
			if inCat {
				fail(errCode(err), r.Path, err.Error()) // kql_unsupported, or kql_refused (externaldata)
			}
			continue
		}
		bump(func(s *CorpusStage) { s.Compiled++ })
		if exec == nil {
			continue
		}
		qctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		_, err = exec.Query(qctx, sql, 10)
		cancel()
		if err != nil {
			if inCat {
				fail("sql_error", r.Path, err.Error())
			}
			continue
		}
		bump(func(s *CorpusStage) { s.Executed++ })
	}
	for _, f := range fails {
		rep.Failures = append(rep.Failures, *f)
	}
	sort.Slice(rep.Failures, func(i, j int) bool {
		if rep.Failures[i].Count != rep.Failures[j].Count {
			return rep.Failures[i].Count > rep.Failures[j].Count
		}
		return rep.Failures[i].Code < rep.Failures[j].Code
	})
	sort.Slice(rep.CompileTimes, func(i, j int) bool { return rep.CompileTimes[i] < rep.CompileTimes[j] })
	return rep, nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

// errCode returns the diagnostic code of err, or "sql_error".
func errCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return "sql_error"
}
