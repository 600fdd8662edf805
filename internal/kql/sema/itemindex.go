package sema

import (
	"strings"

	"github.com/vigilsec/vigil/internal/kql/ast"
	"github.com/vigilsec/vigil/internal/kql/plan"
)

// itemIndex reads the parameters of mv-expand and mv-apply: kind and bagexpansion, and with_itemindex=Name, the
// column holding each element's 0-based index (returned, "" when absent).
func (b *binder) itemIndex(op ast.Operator, params []*ast.OpParam, in plan.Schema) (string, bool) {
	index := ""
	for _, p := range params {
		switch {
		case strings.EqualFold(p.Name, "kind"), strings.EqualFold(p.Name, "bagexpansion"):
		case strings.EqualFold(p.Name, "with_itemindex") && len(p.Values) == 1:
			index = paramText(p.Values[0])
			if in.Index(index) >= 0 {
				b.errorf(p, CodeTypeError, "with_itemindex names %q, which is already a column", index)
				return "", false
			}
		default:
			b.errorf(op, CodeUnsupported, "%s %s is not supported yet", op.Name(), p.Name)
			return "", false
		}
	}
	return index, true
}
