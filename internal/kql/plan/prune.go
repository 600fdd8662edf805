package plan

import "github.com/vigilsec/vigil/internal/schema"

// pruneColumns removes the columns that no later operator reads: it walks
// the plan from the root down with the set of column names the parent
// needs, narrowing scans, inline tables, projections (their computed
// columns are then not computed at all), union branches, joins and
// aggregates to that set. The root keeps every column, in order.
//
// Every node keeps at least one column, because SQL has no empty select
// list (`T | count` reads one column of T). Operators whose result depends
// on all their input columns (distinct) or that this pass does not know
// (graphs, mv-apply bodies) keep their input whole; the subtrees below them
// are still pruned for the columns they pass up.
func pruneColumns(n Node, count *int) Node {
	return prune(n, nil, count)
}

// colSet is a set of column names; nil means every column.
type colSet map[string]bool

func (s colSet) has(name string) bool { return s == nil || s[name] }

func (s colSet) addExpr(e Expr) {
	WalkExpr(e, func(x Expr) bool {
		if r, ok := x.(*ColRef); ok {
			s[r.Name] = true
		}
		return true
	})
}

// prune returns n narrowed to the columns in need (nil: all of them).
func prune(n Node, need colSet, count *int) Node {
	switch v := n.(type) {
	case *Scan:
		return pruneScan(v, need, count)
	case *Values:
		return pruneValues(v, need, count)
	case *Filter:
		in := colSet{}
		if !addAll(in, need, v.Input) {
			in = nil
		}
		if in != nil {
			in.addExpr(v.Pred)
		}
		return &Filter{Input: prune(v.Input, in, count), Pred: v.Pred}
	case *Sort:
		in := colSet{}
		if !addAll(in, need, v.Input) {
			in = nil
		}
		if in != nil {
			for _, k := range v.Keys {
				in.addExpr(k.X)
			}
		}
		return &Sort{Input: prune(v.Input, in, count), Keys: v.Keys}
	case *Limit:
		return &Limit{Input: prune(v.Input, need, count), N: v.N}
	case *Distinct:
		// Distinct compares whole rows: every input column counts.
		return &Distinct{Input: prune(v.Input, nil, count)}
	case *Project:
		items := keepItems(v.Items, need)
		if len(items) < len(v.Items) {
			*count++
		}
		in := colSet{}
		for _, it := range items {
			in.addExpr(it.X)
		}
		return &Project{Input: prune(v.Input, in, count), Items: items}
	case *Window:
		var items []NamedExpr
		for _, it := range v.Items {
			if need.has(it.Name) {
				items = append(items, it)
			}
		}
		if need == nil {
			return &Window{Input: prune(v.Input, nil, count), Items: v.Items}
		}
		in := colSet{}
		for _, c := range v.Input.Schema() {
			if need[c.Name] {
				in[c.Name] = true
			}
		}
		for _, it := range items {
			in.addExpr(it.X)
		}
		if len(items) == 0 {
			// The window adds columns only; none is read.
			*count++
			return prune(v.Input, in, count)
		}
		if len(items) < len(v.Items) {
			*count++
		}
		return &Window{Input: prune(v.Input, in, count), Items: items}
	case *Aggregate:
		var aggs []NamedExpr
		for _, it := range v.Aggs {
			if need.has(it.Name) {
				aggs = append(aggs, it)
			}
		}
		if len(aggs) == 0 && len(v.Keys) == 0 && len(v.Aggs) > 0 {
			aggs = v.Aggs[:1] // one row per query needs one column
		}
		if len(aggs) < len(v.Aggs) {
			*count++
		}
		in := colSet{}
		for _, k := range v.Keys {
			in.addExpr(k.X)
		}
		for _, it := range aggs {
			in.addExpr(it.X)
		}
		return &Aggregate{Input: prune(v.Input, in, count), Keys: v.Keys, Aggs: aggs}
	case *MvExpand:
		in := colSet{}
		if !addAll(in, need, v.Input) {
			in = nil
		}
		if in != nil {
			for _, c := range v.Cols {
				in[c] = true // expanding decides how many rows there are
			}
		}
		c := *v
		c.Input = prune(v.Input, in, count)
		return &c
	case *MakeSeries:
		in := colSet{}
		for _, k := range v.Keys {
			in.addExpr(k.X)
		}
		for _, a := range v.Aggs {
			in.addExpr(a.X)
		}
		for _, x := range []Expr{v.On, v.From, v.To, v.Step} {
			in.addExpr(x)
		}
		c := *v
		c.Input = prune(v.Input, in, count)
		return &c
	case *Join:
		return pruneJoin(v, need, count)
	case *Union:
		return pruneUnion(v, need, count)
	case *MvApply:
		c := *v
		c.Input = prune(v.Input, nil, count)
		c.Body = prune(v.Body, nil, count)
		return &c
	}
	// Range, External, ApplyRows, graphs: left as they are.
	return n
}

// addAll adds to dst the columns of need that in produces; false when need is
// nil (every column).
func addAll(dst colSet, need colSet, in Node) bool {
	if need == nil {
		return false
	}
	for _, c := range in.Schema() {
		if need[c.Name] {
			dst[c.Name] = true
		}
	}
	return true
}

// keepItems returns the items in need, or when none is, the cheapest one:
// a constant, else a plain column, else the first.
func keepItems(items []NamedExpr, need colSet) []NamedExpr {
	if need == nil {
		return items
	}
	var out []NamedExpr
	for _, it := range items {
		if need[it.Name] {
			out = append(out, it)
		}
	}
	if len(out) > 0 || len(items) == 0 {
		return out
	}
	for _, it := range items {
		if _, ok := it.X.(*Lit); ok {
			return []NamedExpr{it}
		}
	}
	for _, it := range items {
		if _, ok := it.X.(*ColRef); ok {
			return []NamedExpr{it}
		}
	}
	return items[:1]
}

func pruneScan(v *Scan, need colSet, count *int) Node {
	if need == nil {
		return v
	}
	var cols Schema
	for _, c := range v.Cols {
		if need[c.Name] {
			cols = append(cols, c)
		}
	}
	if len(cols) == 0 {
		// Read one stored column: the time column when there is one.
		pick := -1
		for i, c := range v.Cols {
			if _, virtual := v.Virtual[c.Name]; virtual {
				continue
			}
			if pick < 0 || c.Name == v.TimeColumn {
				pick = i
			}
		}
		if pick < 0 {
			pick = 0
		}
		if len(v.Cols) > 0 {
			cols = Schema{v.Cols[pick]}
		}
	}
	if len(cols) == len(v.Cols) {
		return v
	}
	*count++
	c := *v
	c.Cols = cols
	return &c
}

func pruneValues(v *Values, need colSet, count *int) Node {
	if need == nil {
		return v
	}
	var keep []int
	for i, c := range v.Cols {
		if need[c.Name] {
			keep = append(keep, i)
		}
	}
	if len(keep) == 0 && len(v.Cols) > 0 {
		keep = []int{0}
	}
	if len(keep) == len(v.Cols) {
		return v
	}
	*count++
	out := &Values{Cols: make(Schema, len(keep)), Rows: make([][]Expr, len(v.Rows))}
	for j, i := range keep {
		out.Cols[j] = v.Cols[i]
	}
	for r, row := range v.Rows {
		out.Rows[r] = make([]Expr, len(keep))
		for j, i := range keep {
			out.Rows[r][j] = row[i]
		}
	}
	return out
}

func pruneUnion(v *Union, need colSet, count *int) Node {
	off := 0
	if v.SourceCol != "" {
		off = 1
	}
	for _, m := range v.Maps {
		if len(m) != len(v.Out)-off || len(v.Maps) != len(v.Branches) {
			return pruneInputsWhole(v, count) // not the shape this pass knows
		}
	}
	keepSource := v.SourceCol != "" && need.has(v.SourceCol)
	var keep []int // indexes into Out[off:]
	for j, c := range v.Out[off:] {
		if need.has(c.Name) {
			keep = append(keep, j)
		}
	}
	if len(keep) == 0 && !keepSource && len(v.Out) > off {
		keep = []int{unionCheapest(v, off)}
	}
	c := *v
	if len(keep) < len(v.Out)-off || (v.SourceCol != "" && !keepSource) {
		*count++
		c.Out = nil
		if keepSource {
			c.Out = append(c.Out, v.Out[0])
		} else {
			c.SourceCol, c.Sources = "", nil
		}
		for _, j := range keep {
			c.Out = append(c.Out, v.Out[off+j])
		}
		c.Maps = make([][]string, len(v.Maps))
		for i, m := range v.Maps {
			c.Maps[i] = make([]string, len(keep))
			for k, j := range keep {
				c.Maps[i][k] = m[j]
			}
		}
	}
	c.Branches = make([]Node, len(v.Branches))
	for i, b := range v.Branches {
		in := colSet{}
		for _, m := range c.Maps[i] {
			if m != "" {
				in[m] = true
			}
		}
		c.Branches[i] = prune(b, in, count)
	}
	return &c
}

func pruneJoin(v *Join, need colSet, count *int) Node {
	if len(v.Sources) != len(v.Out) {
		return pruneInputsWhole(v, count) // not the shape this pass knows
	}
	c := *v
	if need != nil {
		var out Schema
		var src []JoinSource
		for i, col := range v.Out {
			if need[col.Name] {
				out = append(out, col)
				src = append(src, v.Sources[i])
			}
		}
		if len(out) == 0 && len(v.Out) > 0 {
			out, src = v.Out[:1], v.Sources[:1]
		}
		if len(out) < len(v.Out) {
			*count++
			c.Out, c.Sources = out, src
		}
	}
	left, right := colSet{}, colSet{}
	for _, k := range v.On {
		left[k.Left], right[k.Right] = true, true
	}
	if v.Geo != nil {
		left[v.Geo.Lng], left[v.Geo.Lat], right[v.Geo.Shape] = true, true, true
	}
	for _, s := range c.Sources {
		if s.Right {
			right[s.Col] = true
		} else {
			left[s.Col] = true
		}
	}
	c.Left, c.Right = prune(v.Left, left, count), prune(v.Right, right, count)
	return &c
}

// unionCheapest picks the output column a union keeps when none is needed:
// the first that every branch reads from a column of its own, a datetime
// (fixed width, and the time column of most tables) before any other; else
// the first.
func unionCheapest(v *Union, off int) int {
	for _, datetimeOnly := range []bool{true, false} {
		for j, c := range v.Out[off:] {
			if datetimeOnly && c.Type != schema.TypeDatetime {
				continue
			}
			all := true
			for _, m := range v.Maps {
				if m[j] == "" {
					all = false
					break
				}
			}
			if all {
				return j
			}
		}
	}
	return 0
}

// pruneInputsWhole keeps n's columns and asks each input for all of its own.
func pruneInputsWhole(n Node, count *int) Node {
	switch v := n.(type) {
	case *Union:
		c := *v
		c.Branches = make([]Node, len(v.Branches))
		for i, b := range v.Branches {
			c.Branches[i] = prune(b, nil, count)
		}
		return &c
	case *Join:
		c := *v
		c.Left, c.Right = prune(v.Left, nil, count), prune(v.Right, nil, count)
		return &c
	}
	return n
}
