// Package hunt runs KQL hunting queries on the event store: compile with the KQL engine, bound the time window,
// the rows and the run time, and return typed results. It also serves the editor: diagnostics with spans and the
// output schema (Check) and completions at a cursor (Complete).
package hunt

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/vigilsec/vigil/internal/kql"
	"github.com/vigilsec/vigil/internal/kql/sema"
	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/store"
)

// Store is what hunting needs of the event store.
type Store interface {
	Query(ctx context.Context, sql string, maxRows int) (*store.Result, error)
}

// Config limits hunting.
type Config struct {
	// DefaultLimit is the row cap when a request names none; MaxLimit the highest a request may ask for.
	DefaultLimit int           `yaml:"default_limit"`
	MaxLimit     int           `yaml:"max_limit"`
	Timeout      time.Duration `yaml:"timeout"`
}

// Service runs hunts.
type Service struct {
	cfg     Config
	catalog *schema.Catalog
	kcat    kql.Catalog
	fns     *kql.Functions
	store   Store
	now     func() time.Time
}

// New returns a Service.
func New(cfg Config, catalog *schema.Catalog, st Store) *Service {
	if cfg.DefaultLimit <= 0 {
		cfg.DefaultLimit = 10_000
	}
	if cfg.MaxLimit <= 0 {
		cfg.MaxLimit = 1_000_000
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 2 * time.Minute
	}
	fns := NewFunctions()
	return &Service{cfg: cfg, catalog: catalog, kcat: kql.WithFunctions(catalog, fns), fns: fns, store: st, now: time.Now}
}

// Functions returns the stored functions queries may call: Vigil's built-in ones (the ASIM parsers) and, once
// added (see [LoadFunctions]), the user's.
func (s *Service) Functions() *kql.Functions { return s.fns }

// Request is a hunt.
type Request struct {
	Query string `json:"query"`
	// Timespan limits every table the query reads to events whose time column is within this long before now
	// (KQL timespan or Go duration: "1d", "12h", "P1D" is not accepted); empty: no limit.
	Timespan string `json:"timespan,omitempty"`
	// Limit caps the rows returned (default 10,000).
	Limit int `json:"limit,omitempty"`
	// At is the query's "now" and the end of the timespan window (zero: the current time). The scheduler sets it
	// to a window's end.
	At time.Time `json:"-"`
	// Allow, when set, limits the tables the query may read: any other table is unknown to it (a custom role's
	// table groups).
	Allow func(*schema.Table) bool `json:"-"`
}

// Result is a hunt's answer.
type Result struct {
	Columns   []store.ResultColumn `json:"columns"`
	Rows      [][]any              `json:"rows"`
	Truncated bool                 `json:"truncated"`
	Stats     Stats                `json:"stats"`
	// Tables are the tables the query read (every table a name of the query resolved to), sorted.
	Tables []string `json:"-"`
}

// Stats describe a run.
type Stats struct {
	CompileMS float64 `json:"compileMs"`
	ExecuteMS float64 `json:"executeMs"`
	Rows      int     `json:"rows"`
	Now       string  `json:"now"`
}

// QueryError is a query that does not compile; Errors carry positions.
type QueryError struct {
	Errors kql.Errors
	Source string
}

func (e *QueryError) Error() string { return e.Errors.Render(e.Source) }

// ErrBadRequest marks a request that is wrong apart from its query (a bad timespan or limit).
var ErrBadRequest = errors.New("bad hunt request")

// Run compiles and executes a hunt.
func (s *Service) Run(ctx context.Context, req Request) (*Result, error) {
	limit := req.Limit
	if limit <= 0 {
		limit = s.cfg.DefaultLimit
	}
	if limit > s.cfg.MaxLimit {
		return nil, fmt.Errorf("%w: limit %d is above the maximum %d", ErrBadRequest, limit, s.cfg.MaxLimit)
	}
	now := s.now().UTC()
	if !req.At.IsZero() {
		now = req.At.UTC()
	}
	src := req.Query
	if strings.TrimSpace(src) == "" {
		return nil, fmt.Errorf("%w: query is empty", ErrBadRequest)
	}
	start := time.Now()
	cat := s.windowed(req.Timespan, now)
	if req.Allow != nil {
		cat = scoped{cat: s.catalog, fns: s.fns, allow: req.Allow}
	}
	rec := &recorder{cat: cat, seen: map[string]bool{}}
	q, errs := kql.Compile(src, rec, kql.WithNow(now))
	if errs != nil {
		return nil, &QueryError{Errors: errs, Source: src}
	}
	if req.Timespan != "" {
		if _, err := parseSpan(req.Timespan); err != nil {
			return nil, err
		}
	}
	sql, err := q.DuckDB()
	if err != nil {
		var ke *kql.Error
		if errors.As(err, &ke) {
			return nil, &QueryError{Errors: kql.Errors{ke}, Source: src}
		}
		return nil, &QueryError{Errors: kql.Errors{{Code: "kql_unsupported", Message: err.Error()}}, Source: src}
	}
	sql, err = s.applyWindow(sql, req.Timespan, now)
	if err != nil {
		return nil, err
	}
	compiled := time.Since(start)
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	res, err := s.store.Query(ctx, sql, limit)
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, fmt.Errorf("query ran longer than %s: %w", s.cfg.Timeout, context.DeadlineExceeded)
		}
		return nil, err
	}
	// The steps SQL cannot express (bags that bag_unpack or pivot leave
	// for the result) run in Go over the rows.
	if res, err = q.Finish(res); err != nil {
		var ke *kql.Error
		if errors.As(err, &ke) {
			return nil, &QueryError{Errors: kql.Errors{ke}, Source: src}
		}
		return nil, err
	}
	if res.Rows == nil {
		res.Rows = [][]any{}
	}
	return &Result{Columns: res.Columns, Rows: res.Rows, Truncated: res.Truncated, Stats: Stats{
		CompileMS: ms(compiled), ExecuteMS: ms(time.Since(start) - compiled), Rows: len(res.Rows), Now: now.Format(time.RFC3339Nano),
	}, Tables: rec.tables()}, nil
}

// recorder notes every table the compiler resolves, so a result can say which tables its rows came from (an
// alert's evidence is shown only to callers who may read them). It may name more tables than the plan reads (a
// union wildcard resolves them all), never fewer.
type recorder struct {
	cat  kql.Catalog
	seen map[string]bool
}

func (r *recorder) Table(name string) (*schema.Table, bool) {
	t, ok := r.cat.Table(name)
	if ok {
		r.seen[t.Name] = true
	}
	return t, ok
}

func (r *recorder) Tables() []*schema.Table {
	l, ok := r.cat.(sema.TableLister)
	if !ok {
		return nil
	}
	ts := l.Tables()
	for _, t := range ts {
		r.seen[t.Name] = true
	}
	return ts
}

func (r *recorder) Function(name string) (string, bool) {
	if f, ok := r.cat.(sema.FunctionCatalog); ok {
		return f.Function(name)
	}
	return "", false
}

func (r *recorder) tables() []string {
	out := make([]string, 0, len(r.seen))
	for n := range r.seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// scoped is the catalogue as a query limited to some tables sees it.
type scoped struct {
	cat   *schema.Catalog
	fns   *kql.Functions
	allow func(*schema.Table) bool
}

func (c scoped) Table(name string) (*schema.Table, bool) {
	t, ok := c.cat.Table(name)
	if !ok || !c.allow(t) {
		return nil, false
	}
	return t, true
}

func (c scoped) Tables() []*schema.Table {
	var out []*schema.Table
	for _, t := range c.cat.Tables() {
		if c.allow(t) {
			out = append(out, t)
		}
	}
	return out
}

func (c scoped) Function(name string) (string, bool) { return c.fns.Function(name) }

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// windowed returns the catalogue the query is checked against (tables and stored functions; the window is
// applied in SQL).
func (s *Service) windowed(string, time.Time) kql.Catalog { return s.kcat }

// parseSpan reads a timespan.
func parseSpan(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if d, err := time.ParseDuration(v); err == nil && d > 0 {
		return d, nil
	}
	units := map[byte]time.Duration{'d': 24 * time.Hour, 'h': time.Hour, 'm': time.Minute, 's': time.Second}
	if n := len(v); n > 1 {
		if u, ok := units[v[n-1]]; ok {
			var f float64
			if _, err := fmt.Sscanf(v[:n-1], "%g", &f); err == nil && f > 0 {
				return time.Duration(f * float64(u)), nil
			}
		}
	}
	return 0, fmt.Errorf("%w: timespan %q is not a positive duration such as 1d, 12h or 30m", ErrBadRequest, v)
}

// applyWindow limits every catalogue table the SQL reads to the time window: each quoted table reference is
// replaced by a subquery over the same view with a time predicate. The compiler quotes every identifier, so a
// table reference is exactly its quoted name after FROM or JOIN.
func (s *Service) applyWindow(sql, timespan string, now time.Time) (string, error) {
	if timespan == "" {
		return sql, nil
	}
	d, err := parseSpan(timespan)
	if err != nil {
		return "", err
	}
	const layout = "2006-01-02 15:04:05.000000"
	from, to := now.Add(-d).Format(layout), now.Format(layout)
	for _, t := range s.catalog.Tables() {
		quoted := `"` + strings.ReplaceAll(t.Name, `"`, `""`) + `"`
		for _, kw := range []string{"FROM ", "JOIN "} {
			needle := kw + quoted
			if !strings.Contains(sql, needle) {
				continue
			}
			tc := `"` + t.TimeColumn + `"`
			win := kw + "(SELECT * FROM " + quoted + " WHERE " + tc + " >= TIMESTAMP '" + from + "' AND " + tc + " < TIMESTAMP '" + to + "') AS " + quoted
			sql = replaceRef(sql, needle, win)
		}
	}
	return sql, nil
}

// replaceRef replaces needle outside string literals (single-quoted, a quote inside written twice, so an even count of quotes
// before a position means it is outside), where it is not the start of a qualified name.
func replaceRef(sql, needle, with string) string {
	var b strings.Builder
	quotes := 0
	for {
		i := strings.Index(sql, needle)
		if i < 0 {
			b.WriteString(sql)
			return b.String()
		}
		quotes += strings.Count(sql[:i], "'")
		j := i + len(needle)
		b.WriteString(sql[:i])
		if quotes%2 == 1 || (j < len(sql) && sql[j] == '.') {
			b.WriteString(needle)
		} else {
			b.WriteString(with)
		}
		quotes += strings.Count(needle, "'")
		sql = sql[j:]
	}
}
