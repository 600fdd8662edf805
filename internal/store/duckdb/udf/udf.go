// Package udf holds the scalar functions Vigil adds to DuckDB so that the KQL back end can compile functions that
// DuckDB has no equivalent for (XML parsing, geospatial cells, hashes with Kusto's exact algorithm, ...).
//
// Each function is written in Go, registered on the store's database when it opens, and called from the SQL the
// KQL compiler generates under a "kql_" name. Functions are registered by files of this package from init, one
// file per family; RegisterAll installs them all.
package udf

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"sort"
	"sync"

	duck "github.com/duckdb/duckdb-go/v2"
)

// Type is a DuckDB type a function takes or returns.
type Type int

// The types functions use. Dynamic values travel as JSON text (VARCHAR); the compiler casts the result to JSON.
const (
	String Type = iota
	Long
	Real
	Bool
	Timestamp
	JSON
	Any
)

// Func is one overload of a scalar function.
type Func struct {
	// Name is the DuckDB name, "kql_" and the KQL function name by convention.
	Name string
	// Args are the argument types; Variadic, when set, is the type of any further arguments.
	Args     []Type
	Variadic *Type
	Result   Type
	// Nulls makes the function see NULL arguments (as nil); otherwise any NULL argument gives NULL without a call.
	Nulls bool
	// Fn computes one row. Returning nil gives NULL. An error fails the query, so functions that follow Kusto's
	// semantics return nil for bad input instead.
	Fn func(args []driver.Value) (any, error)
}

var (
	mu     sync.Mutex
	funcs  = map[string][]Func{}
	tables []func(*sql.Conn) error
)

// RegisterTable adds a table function, installed by RegisterAll with its own registration call. It is called from
// init functions of this package.
func RegisterTable(reg func(*sql.Conn) error) {
	mu.Lock()
	defer mu.Unlock()
	tables = append(tables, reg)
}

// Register adds an overload. It is called from init functions of this package.
func Register(f Func) {
	mu.Lock()
	defer mu.Unlock()
	funcs[f.Name] = append(funcs[f.Name], f)
}

// Names returns the registered function names, sorted.
func Names() []string {
	mu.Lock()
	defer mu.Unlock()
	out := make([]string, 0, len(funcs))
	for n := range funcs {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// RegisterAll installs every function on the database of conn. DuckDB keeps them in the database's catalogue, so
// one registration serves every connection of the database.
func RegisterAll(ctx context.Context, conn *sql.Conn) error {
	for _, name := range Names() {
		mu.Lock()
		overloads := funcs[name]
		mu.Unlock()
		set := make([]duck.ScalarFunc, 0, len(overloads))
		for _, f := range overloads {
			sf, err := f.scalar()
			if err != nil {
				return fmt.Errorf("function %s: %w", name, err)
			}
			set = append(set, sf)
		}
		var err error
		if len(set) == 1 {
			err = duck.RegisterScalarUDF(conn, name, set[0])
		} else {
			err = duck.RegisterScalarUDFSet(conn, name, set...)
		}
		if err != nil {
			return fmt.Errorf("register function %s: %w", name, err)
		}
	}
	mu.Lock()
	regs := append([]func(*sql.Conn) error(nil), tables...)
	mu.Unlock()
	for _, reg := range regs {
		if err := reg(conn); err != nil {
			return fmt.Errorf("register table function: %w", err)
		}
	}
	return nil
}

type scalar struct {
	cfg duck.ScalarFuncConfig
	fn  duck.RowExecutorFn
}

func (s scalar) Config() duck.ScalarFuncConfig     { return s.cfg }
func (s scalar) Executor() duck.ScalarFuncExecutor { return duck.ScalarFuncExecutor{RowExecutor: s.fn} }

func (f Func) scalar() (duck.ScalarFunc, error) {
	var cfg duck.ScalarFuncConfig
	for _, t := range f.Args {
		ti, err := typeInfo(t)
		if err != nil {
			return nil, err
		}
		cfg.InputTypeInfos = append(cfg.InputTypeInfos, ti)
	}
	if f.Variadic != nil {
		ti, err := typeInfo(*f.Variadic)
		if err != nil {
			return nil, err
		}
		cfg.VariadicTypeInfo = ti
	}
	ti, err := typeInfo(f.Result)
	if err != nil {
		return nil, err
	}
	cfg.ResultTypeInfo = ti
	cfg.SpecialNullHandling = f.Nulls
	fn := f.Fn
	return scalar{cfg: cfg, fn: func(values []driver.Value) (out any, err error) {
		// A panic in a function must fail the query, not the process.
		defer func() {
			if r := recover(); r != nil {
				out, err = nil, fmt.Errorf("%s: internal error: %v", f.Name, r)
			}
		}()
		return fn(values)
	}}, nil
}

func typeInfo(t Type) (duck.TypeInfo, error) {
	switch t {
	case String, JSON:
		return duck.NewTypeInfo(duck.TYPE_VARCHAR)
	case Long:
		return duck.NewTypeInfo(duck.TYPE_BIGINT)
	case Real:
		return duck.NewTypeInfo(duck.TYPE_DOUBLE)
	case Bool:
		return duck.NewTypeInfo(duck.TYPE_BOOLEAN)
	case Timestamp:
		return duck.NewTypeInfo(duck.TYPE_TIMESTAMP)
	case Any:
		return duck.NewTypeInfo(duck.TYPE_ANY)
	}
	return nil, fmt.Errorf("unknown type %d", t)
}
