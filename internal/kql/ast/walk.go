package ast

// Visitor is called by [Walk] for each node. If Visit returns a non-nil
// visitor w, Walk visits each child of the node with w, then calls
// w.Visit(nil).
type Visitor interface {
	Visit(n Node) (w Visitor)
}

// Walk traverses the tree rooted at n in depth-first order, children in
// source order.
func Walk(v Visitor, n Node) {
	if v = v.Visit(n); v == nil {
		return
	}
	for _, c := range Children(n) {
		Walk(v, c)
	}
	v.Visit(nil)
}

type inspector func(Node) bool

func (f inspector) Visit(n Node) Visitor {
	if n != nil && f(n) {
		return f
	}
	return nil
}

// Inspect traverses the tree rooted at n, calling f for each node; it
// descends into a node's children only when f returns true.
func Inspect(n Node, f func(Node) bool) {
	Walk(inspector(f), n)
}

// kids collects non-nil child nodes.
type kids []Node

func (k *kids) add(ns ...Node) {
	for _, n := range ns {
		if n != nil && !isNil(n) {
			*k = append(*k, n)
		}
	}
}

// isNil reports whether n is a typed nil pointer.
func isNil(n Node) bool {
	switch x := n.(type) {
	case *Ident:
		return x == nil
	case *TypeRef:
		return x == nil
	case *Literal:
		return x == nil
	case *Block:
		return x == nil
	}
	return false
}

func addAll[T Node](k *kids, ns []T) {
	for _, n := range ns {
		k.add(n)
	}
}

func addParams(k *kids, ps []*OpParam) { addAll(k, ps) }

// Children returns the direct children of n in source order.
func Children(n Node) []Node {
	var k kids
	switch x := n.(type) {
	case *Query:
		addAll(&k, x.Stmts)
	case *LetStmt:
		k.add(x.Name, x.Value)
	case *SetStmt:
		k.add(x.Value)
	case *DeclareStmt:
		addAll(&k, x.Params)
	case *AliasStmt:
		k.add(x.Name, x.Value)
	case *RestrictStmt:
		addAll(&k, x.Entities)
	case *ExprStmt:
		k.add(x.X)
	case *Dynamic:
		k.add(x.Value)
	case *ArrayLit:
		addAll(&k, x.Elems)
	case *BagLit:
		addAll(&k, x.Entries)
	case *BagEntry:
		k.add(x.Key, x.Value)
	case *Unary:
		k.add(x.X)
	case *Binary:
		k.add(x.X, x.Y)
	case *InExpr:
		k.add(x.X)
		addAll(&k, x.List)
	case *BetweenExpr:
		k.add(x.X, x.Low, x.High)
	case *Call:
		k.add(x.Func)
		addAll(&k, x.Args)
	case *Typeof:
		k.add(x.Type)
	case *Member:
		k.add(x.X, x.Name)
	case *Index:
		k.add(x.X, x.Index)
	case *Paren:
		k.add(x.X)
	case *Assign:
		addAll(&k, x.Names)
		k.add(x.Value)
	case *SortKey:
		k.add(x.X)
	case *TypeRef:
		addAll(&k, x.Columns)
	case *ColumnDecl:
		k.add(x.Name, x.Type, x.Default)
	case *FuncDef:
		addAll(&k, x.Params)
		k.add(x.Body)
	case *Block:
		addAll(&k, x.Stmts)
	case *Pipeline:
		k.add(x.Source)
		addAll(&k, x.Ops)
	case *OpParam:
		addAll(&k, x.Values)
	case *FilterOp:
		k.add(x.Pred)
	case *ExtendOp:
		addAll(&k, x.Exprs)
	case *ProjectOp:
		addAll(&k, x.Exprs)
	case *SummarizeOp:
		addParams(&k, x.Params)
		addAll(&k, x.Aggs)
		addAll(&k, x.By)
	case *JoinOp:
		addParams(&k, x.Params)
		k.add(x.Right)
		addAll(&k, x.On)
	case *UnionOp:
		addParams(&k, x.Params)
		addAll(&k, x.Tables)
	case *DistinctOp:
		addParams(&k, x.Params)
		addAll(&k, x.Exprs)
	case *SortOp:
		addParams(&k, x.Params)
		addAll(&k, x.Keys)
	case *TopOp:
		addParams(&k, x.Params)
		k.add(x.N)
		addAll(&k, x.Keys)
	case *TopNestedOp:
		addAll(&k, x.Clauses)
	case *TopNestedClause:
		k.add(x.N, x.Of, x.Others, x.By)
	case *TopHittersOp:
		k.add(x.N, x.Of, x.By)
	case *TakeOp:
		k.add(x.N)
	case *MvExpandItem:
		k.add(x.X, x.To)
	case *MvExpandOp:
		addParams(&k, x.Params)
		addAll(&k, x.Items)
		k.add(x.Limit)
	case *MvApplyOp:
		addParams(&k, x.Params)
		addAll(&k, x.Items)
		k.add(x.Limit, x.Body)
	case *ParseOp:
		addParams(&k, x.Params)
		k.add(x.X)
		addAll(&k, x.Pattern)
	case *ParseKVOp:
		k.add(x.X)
		addAll(&k, x.Columns)
		addParams(&k, x.With)
	case *MakeSeriesAgg:
		k.add(x.X, x.Default)
	case *MakeSeriesOp:
		addParams(&k, x.Params)
		addAll(&k, x.Aggs)
		k.add(x.On, x.From, x.To, x.Step)
		addAll(&k, x.By)
	case *RangeOp:
		k.add(x.Column, x.From, x.To, x.Step)
	case *DatatableOp:
		addAll(&k, x.Columns)
		addAll(&k, x.Values)
	case *PrintOp:
		addAll(&k, x.Exprs)
	case *SearchOp:
		addParams(&k, x.Params)
		addAll(&k, x.Tables)
		k.add(x.Pred)
	case *FindOp:
		addParams(&k, x.Params)
		addAll(&k, x.Tables)
		k.add(x.Pred)
		addAll(&k, x.Project)
	case *EvaluateOp:
		addParams(&k, x.Params)
		k.add(x.Call, x.Schema)
	case *AsOp:
		addParams(&k, x.Params)
		k.add(x.Table)
	case *SerializeOp:
		addAll(&k, x.Exprs)
	case *RenderOp:
		k.add(x.Chart)
		addParams(&k, x.With)
	case *SampleOp:
		k.add(x.N)
	case *SampleDistinctOp:
		k.add(x.N, x.Of)
	case *InvokeOp:
		k.add(x.Call)
	case *ExternalDataOp:
		addAll(&k, x.Columns)
		addAll(&k, x.URIs)
		addParams(&k, x.With)
	case *ForkOp:
		addAll(&k, x.Branches)
	case *ForkBranch:
		k.add(x.Name, x.Body)
	case *FacetOp:
		addAll(&k, x.Columns)
		k.add(x.With)
	case *ScanOp:
		addParams(&k, x.Params)
		addAll(&k, x.OrderBy)
		addAll(&k, x.PartitionBy)
		addAll(&k, x.Declare)
		addAll(&k, x.Steps)
	case *ScanStep:
		k.add(x.Name, x.Cond)
		addAll(&k, x.Assigns)
	case *ConsumeOp:
		addParams(&k, x.Params)
	case *ReduceOp:
		addParams(&k, x.Params)
		k.add(x.By)
		addParams(&k, x.With)
	case *PartitionOp:
		addParams(&k, x.Params)
		k.add(x.By, x.Body)
	default:
		graphKids(n, &k)
	}
	return k
}
