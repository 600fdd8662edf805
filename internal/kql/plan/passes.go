package plan

import "github.com/vigilsec/vigil/internal/schema"

// PassStat reports what one rewrite pass did.
type PassStat struct {
	Name     string
	Rewrites int
}

// Pass is a named plan rewrite.
type Pass struct {
	Name string
	Run  func(n Node, count *int) Node
}

// Passes are the rewrite passes Optimize runs, in order.
var Passes = []Pass{
	{"fold-filters", foldFilters},
	{"merge-filters", mergeFilters},
	{"predicate-pushdown", pushDown},
	{"time-range", timeRange},
	{"narrow-sort", narrowSort},
	{"prune-columns", pruneColumns},
}

// Optimize runs every pass over n and reports what each changed.
func Optimize(n Node) (Node, []PassStat) {
	stats := make([]PassStat, len(Passes))
	for i, p := range Passes {
		stats[i].Name = p.Name
		n = p.Run(n, &stats[i].Rewrites)
	}
	return n, stats
}

// rewrite rebuilds n bottom-up with f applied to every node.
func rewrite(n Node, f func(Node) Node) Node {
	switch v := n.(type) {
	case *Filter:
		c := *v
		c.Input = rewrite(v.Input, f)
		return f(&c)
	case *Project:
		c := *v
		c.Input = rewrite(v.Input, f)
		return f(&c)
	case *Window:
		c := *v
		c.Input = rewrite(v.Input, f)
		return f(&c)
	case *Aggregate:
		c := *v
		c.Input = rewrite(v.Input, f)
		return f(&c)
	case *Sort:
		c := *v
		c.Input = rewrite(v.Input, f)
		return f(&c)
	case *Limit:
		c := *v
		c.Input = rewrite(v.Input, f)
		return f(&c)
	case *Distinct:
		c := *v
		c.Input = rewrite(v.Input, f)
		return f(&c)
	case *MvExpand:
		c := *v
		c.Input = rewrite(v.Input, f)
		return f(&c)
	case *MvApply:
		c := *v
		c.Input = rewrite(v.Input, f)
		c.Body = rewrite(v.Body, f)
		return f(&c)
	case *MakeSeries:
		c := *v
		c.Input = rewrite(v.Input, f)
		return f(&c)
	case *TopNested:
		c := *v
		c.Input = rewrite(v.Input, f)
		return f(&c)
	case *SequenceDetect:
		c := *v
		c.Input = rewrite(v.Input, f)
		return f(&c)
	case *Patterns:
		c := *v
		c.Input = rewrite(v.Input, f)
		return f(&c)
	case *Join:
		c := *v
		c.Left, c.Right = rewrite(v.Left, f), rewrite(v.Right, f)
		return f(&c)
	case *Union:
		c := *v
		c.Branches = make([]Node, len(v.Branches))
		for i, b := range v.Branches {
			c.Branches[i] = rewrite(b, f)
		}
		return f(&c)
	case *Scan:
		c := *v
		return f(&c)
	}
	return f(n)
}

func mergeFilters(n Node, count *int) Node {
	return rewrite(n, func(n Node) Node {
		if f, ok := n.(*Filter); ok {
			if g, ok := f.Input.(*Filter); ok {
				*count++
				return &Filter{Input: g.Input, Pred: &Call{Fn: "and", Args: []Expr{g.Pred, f.Pred}, T: schema.TypeBool}}
			}
		}
		return n
	})
}

// columns returns the names of the columns e reads, and whether it is safe to move (no window functions or subqueries).
func columns(e Expr) (map[string]bool, bool) {
	cols := map[string]bool{}
	safe := true
	WalkExpr(e, func(x Expr) bool {
		switch v := x.(type) {
		case *ColRef:
			cols[v.Name] = true
		case *Call:
			switch v.Fn {
			case "row_number", "prev", "next", "row_cumsum", "rand", "new_guid", "row_rank_dense", "row_rank_min", "row_window_session":
				safe = false
			}
		case *InTable, *Subquery:
		}
		return true
	})
	return cols, safe
}

// pushDown moves filters below projections that pass the filtered columns
// through unchanged, and below sorts.
func pushDown(n Node, count *int) Node {
	var push func(n Node) Node
	push = func(n Node) Node {
		f, ok := n.(*Filter)
		if !ok {
			return n
		}
		cols, safe := columns(f.Pred)
		if !safe {
			return n
		}
		switch in := f.Input.(type) {
		case *Sort:
			*count++
			return &Sort{Input: push(&Filter{Input: in.Input, Pred: f.Pred}), Keys: in.Keys}
		case *Project:
			for c := range cols {
				found := false
				for _, it := range in.Items {
					if it.Name == c {
						r, isRef := it.X.(*ColRef)
						found = isRef && r.Name == c
					}
				}
				if !found {
					return n
				}
			}
			for _, it := range in.Items {
				if _, s := columns(it.X); !s {
					return n
				}
			}
			*count++
			return &Project{Input: push(&Filter{Input: in.Input, Pred: f.Pred}), Items: in.Items}
		case *Filter:
			*count++
			return push(&Filter{Input: in.Input, Pred: &Call{Fn: "and", Args: []Expr{in.Pred, f.Pred}, T: schema.TypeBool}})
		}
		return n
	}
	return rewrite(n, push)
}

// timeRange copies the conjuncts of a filter on a scan that bound the
// table's time column by constants into the scan, where a store can use
// them to skip partitions.
func timeRange(n Node, count *int) Node {
	return rewrite(n, func(n Node) Node {
		f, ok := n.(*Filter)
		if !ok {
			return n
		}
		s, ok := f.Input.(*Scan)
		if !ok || s.TimeColumn == "" {
			return n
		}
		var tr []Expr
		for _, c := range conjuncts(f.Pred) {
			if isTimeBound(c, s.TimeColumn) {
				tr = append(tr, c)
			}
		}
		if len(tr) == 0 {
			return n
		}
		*count++
		sc := *s
		sc.TimeRange = append(append([]Expr{}, s.TimeRange...), tr...)
		return &Filter{Input: &sc, Pred: f.Pred}
	})
}

func conjuncts(e Expr) []Expr {
	if c, ok := e.(*Call); ok && c.Fn == "and" {
		return append(conjuncts(c.Args[0]), conjuncts(c.Args[1])...)
	}
	return []Expr{e}
}

func isConst(e Expr) bool {
	ok := true
	WalkExpr(e, func(x Expr) bool {
		switch c := x.(type) {
		case *ColRef, *AggCall, *InTable, *Subquery:
			ok = false
		case *Call:
			if c.Fn == "rand" || c.Fn == "row_number" || c.Fn == "prev" || c.Fn == "next" || c.Fn == "row_window_session" {
				ok = false
			}
		}
		return ok
	})
	return ok
}

func isTimeBound(e Expr, col string) bool {
	c, ok := e.(*Call)
	if !ok {
		return false
	}
	isCol := func(x Expr) bool { r, ok := x.(*ColRef); return ok && r.Name == col }
	switch c.Fn {
	case ">", ">=", "<", "<=", "==":
		return (isCol(c.Args[0]) && isConst(c.Args[1])) || (isCol(c.Args[1]) && isConst(c.Args[0]))
	case "between":
		return isCol(c.Args[0]) && isConst(c.Args[1]) && isConst(c.Args[2])
	}
	return false
}

// narrowSort puts under a sort (and its limit) that a projection reads a
// projection of only the columns the projection and the sort keys need, so
// that the sort does not carry every column of a wide table.
func narrowSort(n Node, count *int) Node {
	return rewrite(n, func(n Node) Node {
		p, ok := n.(*Project)
		if !ok {
			return n
		}
		var lim *Limit
		in := p.Input
		if l, ok := in.(*Limit); ok {
			lim, in = l, l.Input
		}
		srt, ok := in.(*Sort)
		if !ok {
			return n
		}
		need := map[string]bool{}
		for _, it := range p.Items {
			c, safe := columns(it.X)
			if !safe {
				return n
			}
			for k := range c {
				need[k] = true
			}
		}
		for _, k := range srt.Keys {
			c, safe := columns(k.X)
			if !safe {
				return n
			}
			for k := range c {
				need[k] = true
			}
		}
		s := srt.Input.Schema()
		if len(need) >= len(s) {
			return n
		}
		var items []NamedExpr
		for _, c := range s {
			if need[c.Name] {
				items = append(items, NamedExpr{Name: c.Name, X: &ColRef{Name: c.Name, T: c.Type}})
			}
		}
		if len(items) != len(need) || len(items) == 0 {
			return n // a needed name is not an input column (e.g. an outer reference)
		}
		*count++
		var out Node = &Sort{Input: &Project{Input: srt.Input, Items: items}, Keys: srt.Keys}
		if lim != nil {
			out = &Limit{Input: out, N: lim.N}
		}
		return &Project{Input: out, Items: p.Items}
	})
}
