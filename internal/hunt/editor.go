package hunt

import (
	"errors"
	"sort"
	"strings"

	"github.com/vigilsec/vigil/internal/kql"
	"github.com/vigilsec/vigil/internal/kql/sema"
	"github.com/vigilsec/vigil/internal/kql/token"
	"github.com/vigilsec/vigil/internal/schema"
)

// Diagnostic is a query error with what an editor needs to underline it.
type Diagnostic struct {
	token.Error
	// LineText is the source line the error is on.
	LineText string `json:"lineText"`
}

// CheckResult is the answer to Check.
type CheckResult struct {
	Valid       bool         `json:"valid"`
	Diagnostics []Diagnostic `json:"diagnostics"`
	Schema      []kql.Column `json:"schema,omitempty"`
}

// Check compiles a query and returns its diagnostics and, when it compiles, its output schema.
func (s *Service) Check(src string) CheckResult { return s.CheckScoped(src, nil) }

// CheckScoped is Check for a caller that may read only the tables allow accepts (nil: every table): other tables
// are unknown to the query, as in [Request.Allow].
func (s *Service) CheckScoped(src string, allow func(*schema.Table) bool) CheckResult {
	q, errs := kql.Compile(src, s.editorCatalog(allow))
	res := CheckResult{Valid: errs == nil, Diagnostics: []Diagnostic{}}
	for _, e := range errs {
		res.Diagnostics = append(res.Diagnostics, Diagnostic{Error: *e, LineText: lineText(src, e.Line)})
	}
	if q != nil && errs == nil {
		res.Schema = q.Schema()
		if _, err := q.DuckDB(); err != nil {
			res.Valid = false
			d := Diagnostic{Error: token.Error{Code: "kql_unsupported", Message: err.Error(), Line: 1, Col: 1}}
			var ke *kql.Error
			if errors.As(err, &ke) {
				// e.g. externaldata, refused with its position
				d = Diagnostic{Error: *ke, LineText: lineText(src, ke.Line)}
			}
			res.Diagnostics = append(res.Diagnostics, d)
		}
	}
	return res
}

func lineText(src string, line int) string {
	lines := strings.Split(src, "\n")
	if line >= 1 && line <= len(lines) {
		return lines[line-1]
	}
	return ""
}

// Completion is one suggestion.
type Completion struct {
	Label string `json:"label"`
	// Kind is table, column, operator, function or keyword.
	Kind string `json:"kind"`
	// Detail is the column's type or the table's source.
	Detail string `json:"detail,omitempty"`
}

// tabularOperators are offered after a pipe, in the order hunters use them most.
var tabularOperators = []string{
	"where", "extend", "project", "summarize", "join", "project-away", "project-rename", "project-reorder",
	"project-keep", "take", "limit", "sort by", "order by", "top", "distinct", "count", "union", "mv-expand",
	"mv-apply", "parse", "parse-kv", "parse-where", "make-series", "lookup", "evaluate", "as", "serialize",
	"getschema", "render", "sample", "search", "top-nested", "invoke", "facet", "fork", "scan",
}

// Complete suggests what may follow the cursor at byte offset pos: operators after a pipe, tables at the start
// of a statement, else the columns in scope (the output of the pipeline before the current operator) and
// functions. Suggestions start with the identifier being typed, case-insensitively.
func (s *Service) Complete(src string, pos int) []Completion { return s.CompleteScoped(src, pos, nil) }

// editorCatalog is the catalogue the editor checks against: every table, or those allow accepts.
func (s *Service) editorCatalog(allow func(*schema.Table) bool) kql.Catalog {
	if allow == nil {
		return s.kcat
	}
	return scoped{cat: s.catalog, fns: s.fns, allow: allow}
}

// CompleteScoped is Complete for a caller that may read only the tables allow accepts (nil: every table).
func (s *Service) CompleteScoped(src string, pos int, allow func(*schema.Table) bool) []Completion {
	cat := s.editorCatalog(allow)
	if pos < 0 || pos > len(src) {
		pos = len(src)
	}
	pre := src[:pos]
	start := len(pre)
	for start > 0 && isIdent(pre[start-1]) {
		start--
	}
	prefix := strings.ToLower(pre[start:])
	before := strings.TrimRight(pre[:start], " \t\r\n")
	var out []Completion
	add := func(label, kind, detail string) {
		if strings.HasPrefix(strings.ToLower(label), prefix) {
			out = append(out, Completion{Label: label, Kind: kind, Detail: detail})
		}
	}
	switch {
	case strings.HasSuffix(before, "|"):
		for _, op := range tabularOperators {
			add(op, "operator", "")
		}
	case before == "" || strings.HasSuffix(before, ";") || strings.HasSuffix(before, "(") && !strings.Contains(before, "|"):
		for _, t := range s.catalog.Tables() {
			if allow == nil || allow(t) {
				add(t.Name, "table", t.Source)
			}
		}
		for _, f := range s.fns.Names() {
			add(f, "function", "stored")
		}
	default:
		if pipe := strings.LastIndex(before, "|"); pipe > 0 {
			if q, errs := kql.Compile(before[:pipe], cat); errs == nil {
				for _, c := range q.Schema() {
					add(c.Name, "column", c.Type.String())
				}
			}
		}
		fns := sema.FuncNames()
		sort.Strings(fns)
		for _, f := range fns {
			add(f, "function", "")
		}
	}
	return out
}

func isIdent(c byte) bool {
	return c == '_' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
