package sema

import (
	"strings"

	"github.com/vigilsec/vigil/internal/kql/plan"
	"github.com/vigilsec/vigil/internal/schema"
)

// Columns read from a bag that bag_unpack or pivot expands (a reference to a name the input does not have, after
// evaluate bag_unpack(d) or evaluate pivot(...)) have a type only the data decides: the documented output of
// bag_unpack gives each column the type of its values when they all have one, dynamic otherwise, and pivot gives
// its columns the type of the aggregation. The checker types such a column dynamic, which it is not once the rows
// are read when the values are all strings (the text of a Sysmon event's XML, say). These helpers keep that case
// from changing a query's shape: a union branch's open column takes the type the other branches agree on, and a
// join key read from a bag becomes a column of its side.

// openConv names the conversion function of each type an open column can take.
var openConv = map[schema.Type]string{
	schema.TypeString: "tostring", schema.TypeInt: "toint", schema.TypeLong: "tolong", schema.TypeReal: "toreal",
	schema.TypeDecimal: "todecimal", schema.TypeBool: "tobool", schema.TypeDatetime: "todatetime",
	schema.TypeTimespan: "totimespan", schema.TypeGUID: "toguid",
}

// isBagRead reports whether x reads a property of a hidden bag column (see [BagPrefix]).
func isBagRead(x plan.Expr) bool {
	m, ok := x.(*plan.Member)
	if !ok || m.Index != nil {
		return false
	}
	c, ok := m.X.(*plan.ColRef)
	return ok && strings.HasPrefix(c.Name, BagPrefix)
}

// openColumn reports whether column name of n holds values read from a bag, unchanged: its type is decided by the
// data. It follows the column back through the operators that pass values through.
func openColumn(n plan.Node, name string) bool {
	for depth := 0; depth < 64 && n != nil; depth++ {
		switch v := n.(type) {
		case *plan.Project:
			i := indexItem(v.Items, name)
			if i < 0 {
				return false
			}
			x := v.Items[i].X
			if isBagRead(x) {
				return true
			}
			c, ok := x.(*plan.ColRef)
			if !ok {
				return false
			}
			n, name = v.Input, c.Name
		case *plan.Filter:
			n = v.Input
		case *plan.Sort:
			n = v.Input
		case *plan.Limit:
			n = v.Input
		case *plan.Distinct:
			n = v.Input
		case *plan.Join:
			i := v.Out.Index(name)
			if i < 0 || i >= len(v.Sources) {
				return false
			}
			n, name = v.Left, v.Sources[i].Col
			if v.Sources[i].Right {
				n = v.Right
			}
		default:
			return false
		}
	}
	return false
}

func indexItem(items []plan.NamedExpr, name string) int {
	for i, it := range items {
		if it.Name == name {
			return i
		}
	}
	return -1
}

// unifyOpenColumns converts, in each union input, the open columns (see [openColumn]) to the one type the other
// inputs give the same name, when they agree on one that is not dynamic; the union then has one column of that name
// instead of one per type.
func unifyOpenColumns(inputs []plan.Node) []plan.Node {
	if len(inputs) < 2 {
		return inputs
	}
	open := make([]map[string]bool, len(inputs))
	fixed := map[string]map[schema.Type]bool{}
	for i, in := range inputs {
		for _, c := range in.Schema() {
			if c.Type == schema.TypeDynamic && openColumn(in, c.Name) {
				if open[i] == nil {
					open[i] = map[string]bool{}
				}
				open[i][c.Name] = true
				continue
			}
			if fixed[c.Name] == nil {
				fixed[c.Name] = map[schema.Type]bool{}
			}
			fixed[c.Name][c.Type] = true
		}
	}
	out := append([]plan.Node(nil), inputs...)
	for i, in := range inputs {
		if open[i] == nil {
			continue
		}
		items := passthrough(in.Schema())
		changed := false
		for j, it := range items {
			if !open[i][it.Name] || len(fixed[it.Name]) != 1 {
				continue
			}
			for t := range fixed[it.Name] {
				if fn, ok := openConv[t]; ok {
					items[j].X = &plan.Call{Fn: fn, Args: []plan.Expr{it.X}, T: t}
					changed = true
				}
			}
		}
		if changed {
			out[i] = &plan.Project{Input: in, Items: items}
		}
	}
	return out
}

// bagKey makes name a column of n when n's rows hold it in a bag only (after bag_unpack or pivot), so that a join
// can use it as a key; it returns n unchanged when n has the column or no bag.
func bagKey(n plan.Node, name string) (plan.Node, bool) {
	s := n.Schema()
	if s.Index(name) >= 0 {
		return n, true
	}
	for _, c := range s {
		if strings.HasPrefix(c.Name, BagPrefix) {
			items := append(passthrough(s), plan.NamedExpr{Name: name,
				X: &plan.Member{X: &plan.ColRef{Name: c.Name, T: c.Type}, Key: name}})
			return &plan.Project{Input: n, Items: items}, true
		}
	}
	return n, false
}

// bagJoinKeys makes the join key columns left (of j's left input) and right (of its right input) columns of their
// sides when they are read from a bag (see [bagKey]), and reports whether each side has its key.
func bagJoinKeys(j *plan.Join, left, right string) (okl, okr bool) {
	j.Left, okl = bagKey(j.Left, left)
	j.Right, okr = bagKey(j.Right, right)
	return okl, okr
}

// bagOrDefault is column_ifexists(name, def) over rows whose schema lacks name: after bag_unpack or pivot the
// column exists when the data has the property, so the property is read from the bag, as the default's type (a
// string default gives "" where a row lacks the property, as a missing string cell does); with no bag it is def.
func bagOrDefault(s plan.Schema, name string, def plan.Expr) plan.Expr {
	for _, c := range s {
		if !strings.HasPrefix(c.Name, BagPrefix) {
			continue
		}
		var x plan.Expr = &plan.Member{X: &plan.ColRef{Name: c.Name, T: c.Type}, Key: name}
		if fn, ok := openConv[def.Type()]; ok {
			x = &plan.Call{Fn: fn, Args: []plan.Expr{x}, T: def.Type()}
		}
		return x
	}
	return def
}
