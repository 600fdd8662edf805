package sema

import (
	"strings"

	"github.com/vigilsec/vigil/internal/kql/ast"
	"github.com/vigilsec/vigil/internal/kql/plan"
	"github.com/vigilsec/vigil/internal/schema"
)

// openTables are the tables in Azure Diagnostics mode: each Azure service adds its own fields as columns whose name
// ends in a type suffix (_s string, _d real, _g guid, _b bool, _t datetime), so the set of columns is open. A query
// may name any such column; Vigil keeps the fields it has no column for in the table's bag column (named here), and
// reads them from it.
var openTables = map[string]string{"AzureDiagnostics": "AdditionalFields"}

var suffixTypes = map[string]schema.Type{"_s": schema.TypeString, "_d": schema.TypeReal, "_g": schema.TypeGUID,
	"_b": schema.TypeBool, "_t": schema.TypeDatetime}

// suffixType is the type a resource-specific column name declares by its suffix.
func suffixType(name string) (schema.Type, bool) {
	if len(name) < 3 {
		return 0, false
	}
	t, ok := suffixTypes[name[len(name)-2:]]
	return t, ok
}

// openColumns adds to a scan of an open table the suffixed columns the query names that the table does not list,
// each read from the bag column.
func (b *binder) openColumns(s *plan.Scan) {
	bag, ok := openTables[s.Table]
	if !ok || b.query == nil {
		return
	}
	bi := s.Cols.Index(bag)
	if bi < 0 {
		return
	}
	if b.idents == nil {
		b.idents = map[string]bool{}
		ast.Inspect(b.query, func(n ast.Node) bool {
			switch v := n.(type) {
			case *ast.Ident:
				b.idents[v.Name] = true
			case *ast.Literal:
				// column_ifexists("x_s", ...) and ['x_s'] name columns in strings.
				if v.Kind == ast.LitString {
					b.idents[v.Value] = true
				}
			}
			return true
		})
	}
	for name := range b.idents {
		t, ok := suffixType(name)
		if !ok || s.Cols.Index(name) >= 0 || strings.ContainsAny(name, " .\"'") {
			continue
		}
		var x plan.Expr = &plan.Member{X: &plan.ColRef{Name: bag, T: schema.TypeDynamic}, Key: name}
		x = &plan.Call{Fn: convFunc[t], Args: []plan.Expr{x}, T: t}
		if s.Virtual == nil {
			s.Virtual = map[string]plan.Expr{}
		}
		s.Virtual[name] = x
		s.Cols = append(s.Cols, plan.Column{Name: name, Type: t})
	}
}

var convFunc = map[schema.Type]string{schema.TypeString: "tostring", schema.TypeReal: "toreal", schema.TypeGUID: "toguid",
	schema.TypeBool: "tobool", schema.TypeDatetime: "todatetime"}
