package plan

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/vigilsec/vigil/internal/schema"
)

// Format prints a plan as an indented tree, one node per line, used by golden tests.
func Format(n Node) string {
	var sb strings.Builder
	format(&sb, n, 0)
	return sb.String()
}

func format(sb *strings.Builder, n Node, depth int) {
	sb.WriteString(strings.Repeat("  ", depth))
	sb.WriteString(nodeLine(n))
	sb.WriteByte('\n')
	for _, in := range n.Inputs() {
		format(sb, in, depth+1)
	}
}

func items(its []NamedExpr) string {
	parts := make([]string, len(its))
	for i, it := range its {
		if c, ok := it.X.(*ColRef); ok && c.Name == it.Name {
			parts[i] = it.Name
			continue
		}
		parts[i] = it.Name + "=" + ExprString(it.X)
	}
	return strings.Join(parts, ", ")
}

func nodeLine(n Node) string {
	switch v := n.(type) {
	case *Scan:
		s := fmt.Sprintf("Scan %s (%d columns)", v.Table, len(v.Cols))
		if len(v.Cols) <= scanNamesMax {
			// A narrow scan (most are narrowed by prune-columns) names what it reads.
			s = fmt.Sprintf("Scan %s [%s]", v.Table, strings.Join(v.Cols.Names(), ", "))
		}
		if len(v.TimeRange) > 0 {
			parts := make([]string, len(v.TimeRange))
			for i, p := range v.TimeRange {
				parts[i] = ExprString(p)
			}
			s += " time: " + strings.Join(parts, " and ")
		}
		return s
	case *Values:
		return fmt.Sprintf("Values [%s] %d rows", schemaString(v.Cols), len(v.Rows))
	case *External:
		return fmt.Sprintf("External %s [%s]", v.What, schemaString(v.Cols))
	case *Range:
		return fmt.Sprintf("Range %s from %s to %s step %s", v.Col.Name, ExprString(v.From), ExprString(v.To), ExprString(v.Step))
	case *Filter:
		return "Filter " + ExprString(v.Pred)
	case *Project:
		return "Project " + items(v.Items)
	case *Window:
		return "Window " + items(v.Items)
	case *Aggregate:
		return "Aggregate keys=[" + items(v.Keys) + "] aggs=[" + items(v.Aggs) + "]"
	case *Sort:
		parts := make([]string, len(v.Keys))
		for i, k := range v.Keys {
			d := "asc"
			if k.Desc {
				d = "desc"
			}
			nl := "nulls last"
			if k.NullsFirst {
				nl = "nulls first"
			}
			parts[i] = ExprString(k.X) + " " + d + " " + nl
		}
		return "Sort " + strings.Join(parts, ", ")
	case *Limit:
		return "Limit " + ExprString(v.N)
	case *Distinct:
		return "Distinct"
	case *Join:
		keys := make([]string, len(v.On))
		for i, k := range v.On {
			keys[i] = k.Left + "=" + k.Right
			if v.IPv4Range {
				keys[i] = k.Left + " in ipv4 range " + k.Right
			}
		}
		if g := v.Geo; g != nil {
			keys = []string{fmt.Sprintf("(%s, %s) within %g m of %s", g.Lng, g.Lat, g.Radius, g.Shape)}
		}
		return fmt.Sprintf("Join kind=%s on %s -> [%s]", v.Kind, strings.Join(keys, ", "), strings.Join(v.Out.Names(), ", "))
	case *Union:
		return fmt.Sprintf("Union -> [%s]", schemaString(v.Out))
	case *MvExpand:
		return "MvExpand " + strings.Join(v.Cols, ", ")
	case *MvApply:
		return "MvApply keep=[" + strings.Join(v.Keep, ", ") + "]"
	case *ApplyRows:
		return "ApplyRows expand " + strings.Join(v.Items, ", ")
	case *TopNested:
		return v.line()
	case *MakeSeries:
		return "MakeSeries keys=[" + items(v.Keys) + "] aggs=[" + items(v.Aggs) + "] on " + ExprString(v.On) + " step " + ExprString(v.Step)
	case *SequenceDetect:
		return "SequenceDetect on " + ExprString(v.Time) + " step " + ExprString(v.Step) + " span " + ExprString(v.Span) +
			" steps=[" + items(v.Steps) + "] dims=[" + items(v.Dims) + "]"
	case *Patterns:
		return fmt.Sprintf("Patterns %s(%g, %d) weight=%q dims=[%s]", v.Algorithm, v.Param, v.Limit, v.Weight, schemaString(v.Dims))
	}
	return fmt.Sprintf("%T", n)
}

func schemaString(s Schema) string {
	parts := make([]string, len(s))
	for i, c := range s {
		parts[i] = c.Name + ":" + c.Type.String()
	}
	return strings.Join(parts, ", ")
}

// ExprString prints a scalar expression in a KQL-like form.
func ExprString(e Expr) string {
	switch v := e.(type) {
	case nil:
		return "<nil>"
	case *ColRef:
		if v.Side != "" {
			return "$" + v.Side + "." + v.Name
		}
		return v.Name
	case *Lit:
		return litString(v)
	case *Call:
		if len(v.Args) == 2 && isInfix(v.Fn) {
			return "(" + ExprString(v.Args[0]) + " " + v.Fn + " " + ExprString(v.Args[1]) + ")"
		}
		return v.Fn + "(" + exprList(v.Args) + ")"
	case *AggCall:
		return v.Fn + "(" + exprList(v.Args) + ")"
	case *Member:
		if v.Index == nil {
			return ExprString(v.X) + "[" + strconv.Quote(v.Key) + "]"
		}
		return ExprString(v.X) + "[" + ExprString(v.Index) + "]"
	case *InList:
		return "(" + ExprString(v.X) + " " + v.Op + " (" + exprList(v.List) + "))"
	case *InTable:
		return "(" + ExprString(v.X) + " " + v.Op + " (<table>))"
	case *Subquery:
		return "toscalar(<table>)"
	case *Case:
		return "case(...)"
	case *Star:
		return "*"
	}
	return fmt.Sprintf("%T", e)
}

func isInfix(fn string) bool {
	switch fn {
	case "and", "or", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%":
		return true
	}
	return strings.Contains(fn, "has") || strings.Contains(fn, "contains") || strings.Contains(fn, "with") ||
		strings.Contains(fn, "~") || fn == "matches regex" || strings.Contains(fn, "like")
}

func exprList(es []Expr) string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = ExprString(e)
	}
	return strings.Join(parts, ", ")
}

func litString(l *Lit) string {
	if l.V == nil {
		return l.T.String() + "(null)"
	}
	switch v := l.V.(type) {
	case string:
		if l.T == schema.TypeDynamic {
			return "dynamic(" + v + ")"
		}
		if l.T == schema.TypeGUID {
			return "guid(" + v + ")"
		}
		return strconv.Quote(v)
	case int64:
		if l.T == schema.TypeInt {
			return "int(" + strconv.FormatInt(v, 10) + ")"
		}
		return strconv.FormatInt(v, 10)
	case float64:
		return "real(" + strconv.FormatFloat(v, 'g', -1, 64) + ")"
	case bool:
		return strconv.FormatBool(v)
	case time.Time:
		return "datetime(" + v.Format("2006-01-02T15:04:05.9999999Z") + ")"
	case time.Duration:
		return "timespan(" + v.String() + ")"
	}
	return fmt.Sprint(l.V)
}

// scanNamesMax is the widest scan the printer lists column by column.
const scanNamesMax = 8
