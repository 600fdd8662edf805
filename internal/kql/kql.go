// Package kql is the façade of Vigil's KQL compiler: Compile parses a query,
// binds it against the table catalogue, plans it and returns a reusable
// [Query] from which SQL for a store dialect is generated.
//
//	q, errs := kql.Compile(src, schema.NewCatalog(), kql.WithNow(now))
//	if errs != nil { fmt.Println(errs.Render(src)) }
//	sql, err := q.DuckDB()
//
// Diagnostics are data ([Error]: code, message, span, line, col) and render
// with the source line and a caret.
package kql

import (
	"errors"
	"time"

	"github.com/vigilsec/vigil/internal/kql/parser"
	"github.com/vigilsec/vigil/internal/kql/plan"
	"github.com/vigilsec/vigil/internal/kql/sema"
	"github.com/vigilsec/vigil/internal/kql/sqlgen"
	"github.com/vigilsec/vigil/internal/kql/sqlgen/duckdb"
	"github.com/vigilsec/vigil/internal/kql/token"
	"github.com/vigilsec/vigil/internal/schema"
)

// Catalog is the table catalogue a query is compiled against.
// *schema.Catalog satisfies it. A Catalog may also implement
// sema.TableLister (union wildcards, suggestions) and sema.FunctionCatalog
// (stored functions).
type Catalog = sema.Catalog

// Error is one diagnostic: Code, Message, Span, Line, Col, Detail.
type Error = token.Error

// Errors is a list of diagnostics sorted by position; Render shows each
// with its source line and a caret.
type Errors = token.ErrorList

// Diagnostic codes of the compiler, besides the parser's token.Code* codes.
const (
	CodeUnknownTable    = sema.CodeUnknownTable
	CodeUnknownColumn   = sema.CodeUnknownColumn
	CodeUnknownFunction = sema.CodeUnknownFunction
	CodeTypeError       = sema.CodeTypeError
	CodeArgCount        = sema.CodeArgCount
	CodeUnsupported     = sema.CodeUnsupported
	CodeRefused         = sema.CodeRefused
)

// Dialect names a SQL dialect.
type Dialect string

// The SQL dialects.
const (
	DuckDB Dialect = "duckdb"
)

// Column is one output column of a query.
type Column struct {
	Name string      `json:"name"`
	Type schema.Type `json:"type"`
}

type config struct {
	now     time.Time
	maxRows int64
	noOpt   bool
	// parserParams gives the parameter declarations of a corpus parser record (RunCorpus only).
	parserParams func(functionName string) string
}

// Option configures Compile.
type Option func(*config)

// WithNow fixes the value of now() (and the base of ago()) for the query.
// The default is the time of the call to Compile.
func WithNow(t time.Time) Option { return func(c *config) { c.now = t.UTC() } }

// WithMaxRows caps the number of rows the query returns (0: no cap).
func WithMaxRows(n int64) Option { return func(c *config) { c.maxRows = n } }

// WithoutOptimization skips the rewrite passes (for debugging and tests).
func WithoutOptimization() Option { return func(c *config) { c.noOpt = true } }

// WithParserParams tells [RunCorpus] the parameters of parser records: a corpus parser record holds a function's
// body without the parameter list its deployment declares (Sentinel keeps that list beside the query), so f returns,
// for a function name, "let" statements binding each parameter to its default ("" when it knows none); the body is
// checked as the function called with its defaults. internal/kql/asim provides f for ASIM parsers.
func WithParserParams(f func(functionName string) string) Option {
	return func(c *config) { c.parserParams = f }
}

// Query is a compiled query. It is immutable and safe for concurrent use.
type Query struct {
	src    string
	plan   plan.Node
	now    time.Time
	passes []plan.PassStat
	bags   map[string]*sema.BagOptions
}

// Compile parses, checks and plans src against cat. On failure it returns
// a nil Query and the diagnostics, sorted by position, with Line and Col set.
func Compile(src string, cat Catalog, opts ...Option) (*Query, Errors) {
	cfg := config{now: time.Now().UTC()}
	for _, o := range opts {
		o(&cfg)
	}
	q, errs := parser.Parse(src)
	if len(errs) > 0 {
		errs.Resolve(src)
		return nil, errs
	}
	res, errs := sema.Bind(q, cat, sema.Options{Now: cfg.now})
	if len(errs) > 0 {
		errs.Resolve(src)
		return nil, errs
	}
	n := res.Plan
	if cfg.maxRows > 0 {
		n = &plan.Limit{Input: n, N: plan.Long(cfg.maxRows)}
	}
	var stats []plan.PassStat
	if !cfg.noOpt {
		n, stats = plan.Optimize(n)
	}
	return &Query{src: src, plan: n, now: cfg.now, passes: stats, bags: res.Bags}, nil
}

// Check reports the diagnostics of src against cat without keeping the plan.
func Check(src string, cat Catalog, opts ...Option) Errors {
	_, errs := Compile(src, cat, opts...)
	return errs
}

// Source returns the query text.
func (q *Query) Source() string { return q.src }

// Now returns the value now() has in the query.
func (q *Query) Now() time.Time { return q.now }

// Schema returns the output columns with their KQL types.
func (q *Query) Schema() []Column {
	s := q.plan.Schema()
	out := make([]Column, len(s))
	for i, c := range s {
		out[i] = Column{Name: c.Name, Type: c.Type}
	}
	return out
}

// Plan returns the optimised logical plan.
func (q *Query) Plan() plan.Node { return q.plan }

// PlanText returns the plan printed as an indented tree.
func (q *Query) PlanText() string { return plan.Format(q.plan) }

// Passes reports what each rewrite pass changed.
func (q *Query) Passes() []plan.PassStat { return q.passes }

// SQL returns the query in dialect d. A construct the dialect cannot express
// is reported as an *Error with code kql_unsupported.
func (q *Query) SQL(d Dialect) (string, error) {
	switch d {
	case DuckDB:
		s, err := duckdb.Generate(q.plan)
		if err != nil {
			var ref *sqlgen.RefusedError
			if errors.As(err, &ref) {
				errs := Errors{{Code: sqlgen.CodeRefused, Message: ref.Error(), Span: ref.Span}}
				errs.Resolve(q.src)
				return "", errs[0]
			}
			code := sqlgen.CodeUnsupported
			var ie *sqlgen.InternalError
			if errors.As(err, &ie) {
				code = sqlgen.CodeInternal
			}
			return "", &Error{Code: code, Message: err.Error(), Span: token.Span{Start: 0, End: token.Pos(len(q.src))}, Line: 1, Col: 1}
		}
		return s, nil
	}
	return "", &Error{Code: sqlgen.CodeUnsupported, Message: "unknown SQL dialect " + string(d), Line: 1, Col: 1}
}

// DuckDB returns the query as DuckDB SQL.
func (q *Query) DuckDB() (string, error) { return q.SQL(DuckDB) }
