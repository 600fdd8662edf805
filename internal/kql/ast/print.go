package ast

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Format prints n as KQL. The output re-parses to a tree equal to n,
// ignoring spans; it is not meant to preserve the original layout.
func Format(n Node) string {
	var p printer
	p.node(n)
	return p.b.String()
}

type printer struct {
	b    strings.Builder
	nest int // pipelines being printed; nested ones go on one line
}

func (p *printer) str(ss ...string) {
	for _, s := range ss {
		p.b.WriteString(s)
	}
}

func list[T Node](p *printer, ns []T, sep string) {
	for i, n := range ns {
		if i > 0 {
			p.str(sep)
		}
		p.node(n)
	}
}

func (p *printer) params(ps []*OpParam) {
	for _, x := range ps {
		p.str(" ")
		p.node(x)
	}
}

func (p *printer) opt(prefix string, n Node) {
	if n != nil && !isNil(n) {
		p.str(prefix)
		p.node(n)
	}
}

// QuoteString returns s as a double-quoted KQL string literal.
func QuoteString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	b.WriteByte('"')
	return b.String()
}

func (p *printer) node(n Node) {
	if n == nil || isNil(n) {
		return
	}
	switch x := n.(type) {
	case *Query:
		for i, s := range x.Stmts {
			if i > 0 {
				p.str(";\n")
			}
			p.node(s)
		}
	case *LetStmt:
		p.str("let ")
		p.node(x.Name)
		p.str(" = ")
		p.node(x.Value)
	case *SetStmt:
		p.str("set ", x.Name)
		p.opt(" = ", x.Value)
	case *DeclareStmt:
		p.str("declare query_parameters(")
		list(p, x.Params, ", ")
		p.str(")")
	case *AliasStmt:
		p.str("alias database ")
		p.node(x.Name)
		p.str(" = ")
		p.node(x.Value)
	case *RestrictStmt:
		p.str("restrict access to (")
		list(p, x.Entities, ", ")
		p.str(")")
	case *ExprStmt:
		p.node(x.X)

	case *Ident:
		if x.Bracketed {
			p.str("[", QuoteString(x.Name), "]")
		} else {
			p.str(x.Name)
		}
	case *Wildcard:
		p.str(x.Pattern)
	case *Literal:
		p.str(x.Raw)
	case *Dynamic:
		p.str("dynamic(")
		p.node(x.Value)
		p.str(")")
	case *ArrayLit:
		p.str("[")
		list(p, x.Elems, ", ")
		p.str("]")
	case *BagLit:
		p.str("{")
		list(p, x.Entries, ", ")
		p.str("}")
	case *BagEntry:
		p.node(x.Key)
		p.str(": ")
		p.node(x.Value)
	case *Star:
		p.str("*")
	case *Unary:
		p.str(x.Op)
		if _, ok := x.X.(*Unary); ok {
			p.str(" ")
		}
		p.node(x.X)
	case *Binary:
		p.node(x.X)
		p.str(" ", x.Op, " ")
		p.node(x.Y)
	case *InExpr:
		p.node(x.X)
		p.str(" ", x.Op, " ")
		if x.Parens {
			p.str("(")
			list(p, x.List, ", ")
			p.str(")")
		} else {
			list(p, x.List, ", ")
		}
	case *BetweenExpr:
		p.node(x.X)
		if x.Not {
			p.str(" !between (")
		} else {
			p.str(" between (")
		}
		p.node(x.Low)
		p.str(" .. ")
		p.node(x.High)
		p.str(")")
	case *Call:
		p.node(x.Func)
		p.str("(")
		list(p, x.Args, ", ")
		p.str(")")
	case *Typeof:
		p.str("typeof(")
		p.node(x.Type)
		p.str(")")
	case *Member:
		p.node(x.X)
		if l, ok := x.X.(*Literal); ok && (l.Kind == LitInt || l.Kind == LitReal) {
			p.str(" ") // 0 .a, not the number 0.
		}
		p.str(".")
		p.node(x.Name)
	case *Index:
		p.node(x.X)
		p.str("[")
		p.node(x.Index)
		p.str("]")
	case *Paren:
		p.str("(")
		p.node(x.X)
		p.str(")")
	case *Assign:
		if x.Tuple {
			p.str("(")
			list(p, x.Names, ", ")
			p.str(")")
		} else {
			list(p, x.Names, ", ")
		}
		p.str(" = ")
		p.node(x.Value)
	case *SortKey:
		p.node(x.X)
		if x.Dir != "" {
			p.str(" ", x.Dir)
		}
		if x.Nulls != "" {
			p.str(" nulls ", x.Nulls)
		}
	case *TypeRef:
		if !x.Tabular {
			p.str(x.Name)
			break
		}
		p.str("(")
		list(p, x.Columns, ", ")
		if x.Star {
			if len(x.Columns) > 0 {
				p.str(", ")
			}
			p.str("*")
		}
		p.str(")")
	case *ColumnDecl:
		p.node(x.Name)
		p.opt(":", x.Type)
		p.opt(" = ", x.Default)
	case *FuncDef:
		if x.View {
			p.str("view ")
		}
		p.str("(")
		list(p, x.Params, ", ")
		p.str(") ")
		p.node(x.Body)
	case *Block:
		nest := p.nest
		p.nest = 0
		defer func() { p.nest = nest }()
		p.str("{\n")
		for i, s := range x.Stmts {
			if i > 0 {
				p.str(";\n")
			}
			p.node(s)
		}
		p.str("\n}")
	case *Pipeline:
		sep := " | "
		if p.nest == 0 && x.Source != nil {
			sep = "\n| "
		}
		p.nest++
		if x.Source != nil {
			p.node(x.Source)
			for _, op := range x.Ops {
				p.str(sep)
				p.node(op)
			}
		} else {
			list(p, x.Ops, sep)
		}
		p.nest--
	case *OpParam:
		p.str(x.Name, "=")
		list(p, x.Values, ", ")

	case *FilterOp:
		p.str(x.Keyword, " ")
		p.node(x.Pred)
	case *ExtendOp:
		p.str("extend ")
		list(p, x.Exprs, ", ")
	case *ProjectOp:
		p.str(x.Keyword)
		if len(x.Exprs) > 0 {
			p.str(" ")
			list(p, x.Exprs, ", ")
		}
	case *SummarizeOp:
		p.str("summarize")
		p.params(x.Params)
		if len(x.Aggs) > 0 {
			p.str(" ")
			list(p, x.Aggs, ", ")
		}
		if x.HasBy {
			p.str(" by ")
			list(p, x.By, ", ")
		}
	case *JoinOp:
		p.str(x.Keyword)
		p.params(x.Params)
		p.str(" ")
		p.node(x.Right)
		if x.On != nil {
			p.str(" on ")
			list(p, x.On, ", ")
		}
	case *UnionOp:
		p.str("union")
		p.params(x.Params)
		p.str(" ")
		list(p, x.Tables, ", ")
	case *DistinctOp:
		p.str("distinct")
		p.params(x.Params)
		p.str(" ")
		list(p, x.Exprs, ", ")
	case *SortOp:
		p.str(x.Keyword)
		p.params(x.Params)
		p.str(" by ")
		list(p, x.Keys, ", ")
	case *TopOp:
		p.str("top")
		p.params(x.Params)
		p.str(" ")
		p.node(x.N)
		p.str(" by ")
		list(p, x.Keys, ", ")
	case *TopNestedOp:
		list(p, x.Clauses, ", ")
	case *TopNestedClause:
		p.str("top-nested")
		p.opt(" ", x.N)
		p.str(" of ")
		p.node(x.Of)
		p.opt(" with others = ", x.Others)
		p.str(" by ")
		p.node(x.By)
		if x.Dir != "" {
			p.str(" ", x.Dir)
		}
	case *TopHittersOp:
		p.str("top-hitters ")
		p.node(x.N)
		p.str(" of ")
		p.node(x.Of)
		p.opt(" by ", x.By)
	case *TakeOp:
		p.str(x.Keyword, " ")
		p.node(x.N)
	case *CountOp:
		p.str("count")
	case *MvExpandItem:
		p.node(x.X)
		p.opt(" to typeof(", x.To)
		if x.To != nil {
			p.str(")")
		}
	case *MvExpandOp:
		p.str(x.Keyword)
		p.params(x.Params)
		p.str(" ")
		list(p, x.Items, ", ")
		p.opt(" limit ", x.Limit)
	case *MvApplyOp:
		p.str(x.Keyword)
		p.params(x.Params)
		p.str(" ")
		list(p, x.Items, ", ")
		p.opt(" limit ", x.Limit)
		p.str(" on ")
		p.node(x.Body)
	case *ParseOp:
		p.str(x.Keyword)
		p.params(x.Params)
		p.str(" ")
		p.node(x.X)
		p.str(" with ")
		list(p, x.Pattern, " ")
	case *ParseKVOp:
		p.str("parse-kv ")
		p.node(x.X)
		p.str(" as (")
		list(p, x.Columns, ", ")
		p.str(")")
		if x.With != nil {
			p.str(" with (")
			list(p, x.With, ", ")
			p.str(")")
		}
	case *MakeSeriesAgg:
		p.node(x.X)
		p.opt(" default = ", x.Default)
	case *MakeSeriesOp:
		p.str("make-series")
		p.params(x.Params)
		p.str(" ")
		list(p, x.Aggs, ", ")
		p.str(" on ")
		p.node(x.On)
		if x.InRange {
			p.str(" in range(")
			p.node(x.From)
			p.str(", ")
			p.node(x.To)
			p.str(", ")
			p.node(x.Step)
			p.str(")")
		} else {
			p.opt(" from ", x.From)
			p.opt(" to ", x.To)
			p.opt(" step ", x.Step)
		}
		if len(x.By) > 0 {
			p.str(" by ")
			list(p, x.By, ", ")
		}
	case *RangeOp:
		p.str("range ")
		p.node(x.Column)
		p.str(" from ")
		p.node(x.From)
		p.str(" to ")
		p.node(x.To)
		p.str(" step ")
		p.node(x.Step)
	case *DatatableOp:
		p.str("datatable(")
		list(p, x.Columns, ", ")
		p.str(") [")
		list(p, x.Values, ", ")
		p.str("]")
	case *PrintOp:
		p.str("print ")
		list(p, x.Exprs, ", ")
	case *SearchOp:
		p.str("search")
		p.params(x.Params)
		if x.Tables != nil {
			p.str(" in (")
			list(p, x.Tables, ", ")
			p.str(")")
		}
		p.str(" ")
		p.node(x.Pred)
	case *FindOp:
		p.str("find")
		p.params(x.Params)
		if x.Tables != nil {
			p.str(" in (")
			list(p, x.Tables, ", ")
			p.str(")")
		}
		p.str(" where ")
		p.node(x.Pred)
		if x.ProjectKind != "" {
			p.str(" ", x.ProjectKind)
			if len(x.Project) > 0 {
				p.str(" ")
				list(p, x.Project, ", ")
			}
		}
	case *EvaluateOp:
		p.str("evaluate")
		p.params(x.Params)
		p.str(" ")
		p.node(x.Call)
		p.opt(" : ", x.Schema)
	case *AsOp:
		p.str("as")
		p.params(x.Params)
		p.str(" ")
		p.node(x.Table)
	case *SerializeOp:
		p.str("serialize")
		if len(x.Exprs) > 0 {
			p.str(" ")
			list(p, x.Exprs, ", ")
		}
	case *GetSchemaOp:
		p.str("getschema")
	case *RenderOp:
		p.str("render ")
		p.node(x.Chart)
		if x.With != nil {
			p.str(" with (")
			list(p, x.With, ", ")
			p.str(")")
		}
	case *SampleOp:
		p.str("sample ")
		p.node(x.N)
	case *SampleDistinctOp:
		p.str("sample-distinct ")
		p.node(x.N)
		p.str(" of ")
		p.node(x.Of)
	case *InvokeOp:
		p.str("invoke ")
		p.node(x.Call)
	case *ExternalDataOp:
		p.str("externaldata(")
		list(p, x.Columns, ", ")
		p.str(") [")
		list(p, x.URIs, ", ")
		p.str("]")
		if x.With != nil {
			p.str(" with (")
			list(p, x.With, ", ")
			p.str(")")
		}
	case *ForkOp:
		p.str("fork")
		for _, b := range x.Branches {
			p.str(" ")
			p.node(b)
		}
	case *ForkBranch:
		p.opt("", x.Name)
		if x.Name != nil {
			p.str(" = ")
		}
		p.str("(")
		p.node(x.Body)
		p.str(")")
	case *FacetOp:
		p.str("facet by ")
		list(p, x.Columns, ", ")
		if x.With != nil {
			p.str(" with (")
			p.node(x.With)
			p.str(")")
		}
	case *ScanOp:
		p.str("scan")
		p.params(x.Params)
		if len(x.OrderBy) > 0 {
			p.str(" order by ")
			list(p, x.OrderBy, ", ")
		}
		if len(x.PartitionBy) > 0 {
			p.str(" partition by ")
			list(p, x.PartitionBy, ", ")
		}
		if x.Declare != nil {
			p.str(" declare (")
			list(p, x.Declare, ", ")
			p.str(")")
		}
		p.str(" with (\n")
		for _, s := range x.Steps {
			p.node(s)
			p.str(";\n")
		}
		p.str(")")
	case *ScanStep:
		p.str("step ")
		p.node(x.Name)
		if x.Output != "" {
			p.str(" output=", x.Output)
		}
		p.str(": ")
		p.node(x.Cond)
		if x.Assigns != nil {
			p.str(" => ")
			list(p, x.Assigns, ", ")
		}
	case *ConsumeOp:
		p.str("consume")
		p.params(x.Params)
	case *ReduceOp:
		p.str("reduce")
		p.params(x.Params)
		p.str(" by ")
		p.node(x.By)
		if x.With != nil {
			p.str(" with ")
			list(p, x.With, ", ")
		}
	case *PartitionOp:
		p.str("partition")
		p.params(x.Params)
		p.str(" by ")
		p.node(x.By)
		if x.Braces {
			p.str(" {\n")
			p.node(x.Body)
			p.str("\n}")
		} else {
			p.str(" (")
			p.node(x.Body)
			p.str(")")
		}
	default:
		if !p.graph(n) {
			fmt.Fprintf(&p.b, "<unknown node %T>", n)
		}
	}
}
