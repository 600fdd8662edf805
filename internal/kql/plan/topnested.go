package plan

import "strings"

// TopNested is the top-nested operator: a hierarchy of aggregations. Level i groups the rows of each group of the
// levels before it by Key, computes Agg over each group, and keeps the N groups with the greatest Agg (the least
// when Desc is false), or every group when N is nil. With Others, the rows of the groups not kept form one more
// group whose key is Others. The output has two columns per level, Key then Agg.
type TopNested struct {
	Input  Node
	Levels []TopNestedLevel
}

// TopNestedLevel is one top-nested clause.
type TopNestedLevel struct {
	Key NamedExpr
	// Agg contains [AggCall] expressions.
	Agg    NamedExpr
	N      Expr // nil: all groups
	Others Expr // nil: no others group
	Desc   bool
}

// Schema returns Key and Agg of each level.
func (n *TopNested) Schema() Schema {
	var s Schema
	for _, l := range n.Levels {
		s = append(s, Column{Name: l.Key.Name, Type: l.Key.X.Type()}, Column{Name: l.Agg.Name, Type: l.Agg.X.Type()})
	}
	return s
}

// Inputs returns the input.
func (n *TopNested) Inputs() []Node { return []Node{n.Input} }

func (n *TopNested) line() string {
	parts := make([]string, len(n.Levels))
	for i, l := range n.Levels {
		s := "top"
		if l.N != nil {
			s += " " + ExprString(l.N)
		}
		s += " of " + items([]NamedExpr{l.Key})
		if l.Others != nil {
			s += " others=" + ExprString(l.Others)
		}
		s += " by " + items([]NamedExpr{l.Agg})
		if !l.Desc {
			s += " asc"
		}
		parts[i] = s
	}
	return "TopNested " + strings.Join(parts, ", ")
}
