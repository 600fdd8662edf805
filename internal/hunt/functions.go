package hunt

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/vigilsec/vigil/internal/kql"
	"github.com/vigilsec/vigil/internal/kql/asim"
	"github.com/vigilsec/vigil/internal/kql/ast"
	"github.com/vigilsec/vigil/internal/kql/sema"
	"github.com/vigilsec/vigil/internal/state"
	"github.com/vigilsec/vigil/internal/state/sqlite"
)

// FunctionStore keeps the stored functions saved through the API (*sqlite.DB).
type FunctionStore interface {
	Functions(ctx context.Context) ([]sqlite.Function, error)
	Function(ctx context.Context, name string) (sqlite.Function, error)
	PutFunction(ctx context.Context, f sqlite.Function, by string) (sqlite.Function, error)
	DeleteFunction(ctx context.Context, name, by string) error
	FunctionVersions(ctx context.Context, name string) ([]sqlite.FunctionVersion, error)
}

// Function sources, in the order a name is resolved: a stored function hides a file, which hides a built-in one.
const (
	SourceStored  = "stored"  // saved through the API
	SourceFile    = "file"    // a NAME.kql file of kql.functions_dir
	SourceBuiltin = "builtin" // Vigil's own (the ASIM parsers)
)

// FunctionInfo is a function queries can call, as the API lists it.
type FunctionInfo struct {
	sqlite.Function
	// Source is stored, file or builtin; Hides names the source of a function of the same name this one hides.
	Source string `json:"source"`
	Hides  string `json:"hides,omitempty"`
}

// ErrInvalidFunction marks a function the service refuses (a bad name, or a body that does not parse or check).
var ErrInvalidFunction = errors.New("invalid function")

// NewFunctions returns a function set holding Vigil's built-in functions (the ASIM parsers).
func NewFunctions() *kql.Functions {
	fns := kql.NewFunctions()
	if err := asim.Register(fns); err != nil {
		// The parsers are embedded in the binary and a test compiles each one: this is a build defect.
		panic(fmt.Sprintf("built-in ASIM parsers: %v", err))
	}
	return fns
}

// LoadFunctions adds the user's functions to fns: the NAME.kql files of dir (when set), then the functions stored
// through the API (when st is set), which hide files of the same name. It returns how many loaded and the errors
// of those refused; the others load.
func LoadFunctions(ctx context.Context, fns *kql.Functions, dir string, st FunctionStore) (int, []error) {
	n := 0
	var errs []error
	if dir != "" {
		k, e := fns.LoadDir(dir)
		n += k
		errs = append(errs, e...)
	}
	if st != nil {
		stored, err := st.Functions(ctx)
		if err != nil {
			return n, append(errs, err)
		}
		for _, f := range stored {
			if err := fns.Add(f.Name, f.Body); err != nil {
				errs = append(errs, fmt.Errorf("stored function %s: %w", f.Name, err))
				continue
			}
			n++
		}
	}
	return n, errs
}

// FunctionService lists, saves and deletes stored functions; each change is stored as a version and takes effect at
// once in hunting, analytics rules and completion, which read the same function set.
type FunctionService struct {
	Hunt *Service
	DB   FunctionStore
	// Dir is kql.functions_dir: a deleted stored function that hid a file of the same name gives way to the file.
	Dir string
}

// List returns every function queries can call: stored, file and built-in, by name.
func (f *FunctionService) List(ctx context.Context) ([]FunctionInfo, error) {
	stored, err := f.DB.Functions(ctx)
	if err != nil {
		return nil, err
	}
	byName := map[string]sqlite.Function{}
	for _, s := range stored {
		byName[s.Name] = s
	}
	var out []FunctionInfo
	for _, name := range f.Hunt.fns.Names() {
		info, ok := f.info(name, byName)
		if ok {
			out = append(out, info)
		}
	}
	return out, nil
}

// Get returns one function, or state.ErrNotFound.
func (f *FunctionService) Get(ctx context.Context, name string) (FunctionInfo, error) {
	byName := map[string]sqlite.Function{}
	s, err := f.DB.Function(ctx, name)
	switch {
	case err == nil:
		byName[name] = s
	case !errors.Is(err, state.ErrNotFound):
		return FunctionInfo{}, err
	}
	info, ok := f.info(name, byName)
	if !ok {
		return FunctionInfo{}, state.ErrNotFound
	}
	return info, nil
}

func (f *FunctionService) info(name string, stored map[string]sqlite.Function) (FunctionInfo, bool) {
	_, builtin := f.Hunt.fns.Builtin(name)
	if s, ok := stored[name]; ok {
		info := FunctionInfo{Function: s, Source: SourceStored}
		if f.fileBody(name) != "" {
			info.Hides = SourceFile
		} else if builtin {
			info.Hides = SourceBuiltin
		}
		return info, true
	}
	if body, ok := f.Hunt.fns.User(name); ok {
		info := FunctionInfo{Function: sqlite.Function{Name: name, Body: body}, Source: SourceFile}
		if builtin {
			info.Hides = SourceBuiltin
		}
		return info, true
	}
	if body, ok := f.Hunt.fns.Builtin(name); ok {
		return FunctionInfo{Function: sqlite.Function{Name: name, Body: body, Category: "ASIM"}, Source: SourceBuiltin}, true
	}
	return FunctionInfo{}, false
}

// Put creates or replaces a stored function. The body must parse; a query body, or a function literal whose
// parameters all have defaults, must also pass the semantic check against the tables and the other functions.
func (f *FunctionService) Put(ctx context.Context, fn sqlite.Function, by string) (FunctionInfo, error) {
	body, err := kql.NormalizeFunction(fn.Name, fn.Body)
	if err != nil {
		return FunctionInfo{}, fmt.Errorf("%w: %w", ErrInvalidFunction, err)
	}
	if _, ok := f.Hunt.catalog.Table(fn.Name); ok {
		// Queries resolve a table before a function: this one could never be called.
		return FunctionInfo{}, fmt.Errorf("%w: %s is a table", ErrInvalidFunction, fn.Name)
	}
	if err := f.check(fn.Name, fn.Body, body); err != nil {
		return FunctionInfo{}, err
	}
	fn.Body = strings.TrimSpace(fn.Body)
	saved, err := f.DB.PutFunction(ctx, fn, by)
	if err != nil {
		return FunctionInfo{}, err
	}
	if err := f.Hunt.fns.Add(saved.Name, saved.Body); err != nil {
		return FunctionInfo{}, err
	}
	return f.Get(ctx, saved.Name)
}

// check compiles the function against the catalogue and the current functions, with this one in place: a query
// body as written (so errors point into it), a function literal by calling it when every parameter has a default.
// A literal with required parameters is checked where it is called.
func (f *FunctionService) check(name, src, body string) error {
	query := strings.TrimSpace(src)
	if strings.HasPrefix(query, "(") {
		x, _ := sema.ParseFunctionBody(body)
		fd, ok := x.(*ast.FuncDef)
		if !ok {
			return nil
		}
		for _, p := range fd.Params {
			if p.Default == nil {
				return nil
			}
		}
		query = name
	}
	trial := kql.NewFunctions()
	for _, n := range f.Hunt.fns.Names() {
		if b, ok := f.Hunt.fns.Function(n); ok && n != name {
			_ = trial.AddBuiltin(n, b)
		}
	}
	if err := trial.Add(name, body); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidFunction, err)
	}
	if _, errs := kql.Compile(query, kql.WithFunctions(f.Hunt.catalog, trial)); errs != nil {
		return fmt.Errorf("%w: %s", ErrInvalidFunction, errs.Render(query))
	}
	return nil
}

// Delete removes a stored function; a file or built-in function of the same name shows again.
func (f *FunctionService) Delete(ctx context.Context, name, by string) error {
	if err := f.DB.DeleteFunction(ctx, name, by); err != nil {
		return err
	}
	f.Hunt.fns.Remove(name)
	if body := f.fileBody(name); body != "" {
		_ = f.Hunt.fns.Add(name, body)
	}
	return nil
}

// Versions returns every version of a stored function, oldest first.
func (f *FunctionService) Versions(ctx context.Context, name string) ([]sqlite.FunctionVersion, error) {
	return f.DB.FunctionVersions(ctx, name)
}

func (f *FunctionService) fileBody(name string) string {
	if f.Dir == "" || !kql.ValidFunctionName(name) {
		return ""
	}
	b, err := os.ReadFile(filepath.Join(f.Dir, name+".kql"))
	if err != nil {
		return ""
	}
	return string(b)
}
