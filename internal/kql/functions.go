package kql

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/vigilsec/vigil/internal/kql/sema"
	"github.com/vigilsec/vigil/internal/schema"
)

// Functions is a set of stored KQL functions, called from queries like tables (parameterless) or functions, as
// workspace functions are in public content. It has two layers: built-in functions (such as Vigil's ASIM parsers,
// see [Functions.AddBuiltin]) and the user's functions (files and the API, see [Functions.Add]); a user's function
// of the same name hides the built-in one. It is safe for concurrent use.
type Functions struct {
	mu      sync.RWMutex
	bodies  map[string]string
	builtin map[string]string
}

// NewFunctions returns an empty set.
func NewFunctions() *Functions {
	return &Functions{bodies: map[string]string{}, builtin: map[string]string{}}
}

// Add stores a function. body is either a function literal "(a:string, b:int=5) { ... }" or a query (let
// statements and a final tabular expression), which becomes a parameterless function. The body must parse.
func (f *Functions) Add(name, body string) error {
	body, err := NormalizeFunction(name, body)
	if err != nil {
		return err
	}
	f.mu.Lock()
	f.bodies[name] = body
	f.mu.Unlock()
	return nil
}

// AddBuiltin stores a built-in function, which a user's function of the same name hides. body is as for
// [Functions.Add].
func (f *Functions) AddBuiltin(name, body string) error {
	body, err := NormalizeFunction(name, body)
	if err != nil {
		return err
	}
	f.mu.Lock()
	f.builtin[name] = body
	f.mu.Unlock()
	return nil
}

// NormalizeFunction checks a function's name and body as [Functions.Add] does and returns the body as stored: a
// query becomes a parameterless function literal. A body that does not parse is an error with line:column.
func NormalizeFunction(name, body string) (string, error) {
	if !ValidFunctionName(name) {
		return "", fmt.Errorf("function name %q is not an identifier (letters, digits and _, not starting with a digit, at most 128)", name)
	}
	body = strings.TrimSpace(body)
	if !strings.HasPrefix(body, "(") {
		body = "() {\n" + strings.TrimRight(body, "; \n\t") + "\n}"
	}
	if _, errs := parseFuncBody(body); len(errs) > 0 {
		return "", fmt.Errorf("function %s: %s", name, errs.Render(body))
	}
	return body, nil
}

// ValidFunctionName reports whether name is a KQL identifier a stored function may have: letters, digits and
// underscores, not starting with a digit, at most 128 bytes (ASIM names start with an underscore: _Im_Dns).
func ValidFunctionName(name string) bool {
	if name == "" || len(name) > 128 {
		return false
	}
	for i, r := range name {
		switch {
		case r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z', r == '_':
		case i > 0 && r >= '0' && r <= '9':
		default:
			return false
		}
	}
	return true
}

// Remove deletes a user's function (a built-in one of the same name shows again). It reports whether there was one.
func (f *Functions) Remove(name string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, ok := f.bodies[name]
	delete(f.bodies, name)
	return ok
}

// Function returns the body of a stored function: the user's, else the built-in one.
func (f *Functions) Function(name string) (string, bool) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	if b, ok := f.bodies[name]; ok {
		return b, true
	}
	b, ok := f.builtin[name]
	return b, ok
}

// Builtin returns the body of a built-in function, whether or not a user's function hides it.
func (f *Functions) Builtin(name string) (string, bool) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	b, ok := f.builtin[name]
	return b, ok
}

// User returns the body of a user's function (not a built-in one).
func (f *Functions) User(name string) (string, bool) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	b, ok := f.bodies[name]
	return b, ok
}

// Names returns the names of every function queries can call (user and built-in), sorted.
func (f *Functions) Names() []string {
	f.mu.RLock()
	defer f.mu.RUnlock()
	out := make([]string, 0, len(f.bodies)+len(f.builtin))
	for n := range f.bodies {
		out = append(out, n)
	}
	for n := range f.builtin {
		if _, ok := f.bodies[n]; !ok {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// LoadDir adds every NAME.kql file of dir as function NAME. It returns the errors of the files that do not parse
// and keeps the others.
func (f *Functions) LoadDir(dir string) (int, []error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.kql"))
	if err != nil {
		return 0, []error{err}
	}
	n := 0
	var errs []error
	for _, p := range files {
		body, err := os.ReadFile(p)
		if err == nil {
			err = f.Add(strings.TrimSuffix(filepath.Base(p), ".kql"), string(body))
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p, err))
			continue
		}
		n++
	}
	return n, errs
}

// LoadJSONL adds the records of a JSONL file that carry a function_name and a query (the parser records of the
// public corpus). Records whose query does not parse are returned as errors and skipped.
func (f *Functions) LoadJSONL(path string) (int, []error) {
	fh, err := os.Open(path)
	if err != nil {
		return 0, []error{err}
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	n, line := 0, 0
	var errs []error
	for sc.Scan() {
		line++
		var rec struct {
			FunctionName string `json:"function_name"`
			Query        string `json:"query"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil || rec.FunctionName == "" || rec.Query == "" {
			continue
		}
		if err := f.Add(rec.FunctionName, rec.Query); err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: %w", path, line, err))
			continue
		}
		n++
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, err)
	}
	return n, errs
}

// WithFunctions returns a catalogue that resolves tables through cat and stored functions through fns.
func WithFunctions(cat *schema.Catalog, fns *Functions) Catalog {
	return &funcCatalog{Catalog: cat, fns: fns}
}

type funcCatalog struct {
	*schema.Catalog
	fns *Functions
}

func (c *funcCatalog) Function(name string) (string, bool) { return c.fns.Function(name) }

// parseFuncBody parses a stored function's body the way the checker will.
func parseFuncBody(body string) (any, Errors) {
	x, errs := sema.ParseFunctionBody(body)
	return x, errs
}
