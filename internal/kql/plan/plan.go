// Package plan is the logical relational plan of a compiled KQL query: typed
// scalar expressions, relational nodes, named rewrite passes and a text
// printer used by golden tests. Plans are built by internal/kql/sema and turned
// into SQL by the internal/kql/sqlgen dialects.
package plan

import (
	"github.com/vigilsec/vigil/internal/kql/token"
	"github.com/vigilsec/vigil/internal/schema"
)

// Column is one named, typed column of a node's output.
type Column struct {
	Name string
	Type schema.Type
}

// Schema is the ordered output columns of a node.
type Schema []Column

// Index returns the position of the column called name, or -1.
func (s Schema) Index(name string) int {
	for i, c := range s {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// Names returns the column names in order.
func (s Schema) Names() []string {
	out := make([]string, len(s))
	for i, c := range s {
		out[i] = c.Name
	}
	return out
}

// Node is a relational operator of the plan.
type Node interface {
	Schema() Schema
	Inputs() []Node
}

// NamedExpr is an output column computed by an expression.
type NamedExpr struct {
	Name string
	X    Expr
}

// Scan reads a catalogue table.
type Scan struct {
	Table      string
	Cols       Schema
	TimeColumn string
	// Virtual computes columns the store does not hold (Log Analytics standard
	// columns such as Type and TenantId), by name.
	Virtual map[string]Expr
	// TimeRange is the conjunction of predicates on TimeColumn found by the time-range pass (nil when none).
	TimeRange []Expr
}

// Values is an inline table (datatable, print).
type Values struct {
	Cols Schema
	Rows [][]Expr
}

// Range generates one column from From to To (inclusive) by Step.
type Range struct {
	Col            Column
	From, To, Step Expr
}

// Filter keeps the rows where Pred is true.
type Filter struct {
	Input Node
	Pred  Expr
}

// Project computes its output columns from the input row (extend, project, rename...).
type Project struct {
	Input Node
	Items []NamedExpr
}

// Aggregate groups by Keys and computes Aggs (expressions that may contain [AggCall]).
type Aggregate struct {
	Input Node
	Keys  []NamedExpr
	Aggs  []NamedExpr
}

// SortKey orders rows.
type SortKey struct {
	X          Expr
	Desc       bool
	NullsFirst bool
}

// Sort orders its input.
type Sort struct {
	Input Node
	Keys  []SortKey
}

// Limit keeps the first N rows.
type Limit struct {
	Input Node
	N     Expr
}

// Distinct removes duplicate rows.
type Distinct struct {
	Input Node
}

// JoinKey pairs a left and a right column that must be equal.
type JoinKey struct {
	Left, Right string
}

// Join combines two inputs; Kind is a KQL join kind (innerunique, inner, leftouter, ...).
type Join struct {
	Kind        string
	Left, Right Node
	On          []JoinKey
	Out         Schema
	// LeftOut and RightOut map each output column to its source: side 'l' or 'r' and the input column.
	Sources []JoinSource
	// IPv4Range makes the keys match when the left column is an IPv4
	// address inside the right column's CIDR range (ipv4_lookup), instead
	// of when they are equal.
	IPv4Range bool
	// Geo makes the rows match by location (geo_polygon_lookup, geo_line_lookup) instead of by the keys.
	Geo *GeoMatch
	// IPv6Range is IPv4Range for IPv6 addresses and ranges (ipv6_lookup).
	IPv6Range bool
}

// GeoMatch matches a left row's point (its longitude and latitude columns) with the right rows whose polygon
// holds it, or whose polygon or line lies within Radius metres of it.
type GeoMatch struct {
	Line     bool
	Lng, Lat string
	// Shape is the right column holding the GeoJSON polygon or line.
	Shape string
	// Radius is in metres; 0 for polygons means containment.
	Radius float64
}

// JoinSource says where a join output column comes from.
type JoinSource struct {
	Right bool
	Col   string
}

// Union appends the rows of its inputs, matching columns by name.
type Union struct {
	Branches []Node
	Out      Schema
	// Maps[i][j] is the input column of Branches[i] for output column j, or "" for null.
	Maps [][]string
	// Sources names each input for withsource; nil when absent.
	SourceCol string
	Sources   []string
}

// MvExpand expands dynamic array columns into one row per element.
type MvExpand struct {
	Input Node
	Cols  []string
	Types []schema.Type // the type each expanded column takes
	Limit Expr
	// Index, when set, names a long column holding each element's 0-based position (with_itemindex).
	Index string
}

// Window adds row_number()/prev-like columns; kept simple: a Project evaluated over a serialized input.
type Window struct {
	Input Node
	Items []NamedExpr
}

// Schema implementations.

func (n *Scan) Schema() Schema     { return n.Cols }
func (n *Values) Schema() Schema   { return n.Cols }
func (n *Range) Schema() Schema    { return Schema{n.Col} }
func (n *Filter) Schema() Schema   { return n.Input.Schema() }
func (n *Sort) Schema() Schema     { return n.Input.Schema() }
func (n *Limit) Schema() Schema    { return n.Input.Schema() }
func (n *Distinct) Schema() Schema { return n.Input.Schema() }
func (n *Join) Schema() Schema     { return n.Out }
func (n *Union) Schema() Schema    { return n.Out }
func (n *Project) Schema() Schema  { return itemsSchema(n.Items) }
func (n *Window) Schema() Schema {
	return append(append(Schema{}, n.Input.Schema()...), itemsSchema(n.Items)...)
}
func (n *Aggregate) Schema() Schema { return append(itemsSchema(n.Keys), itemsSchema(n.Aggs)...) }
func (n *MvExpand) Schema() Schema {
	in := n.Input.Schema()
	out := append(Schema{}, in...)
	for i, c := range n.Cols {
		if j := out.Index(c); j >= 0 {
			out[j].Type = n.Types[i]
		}
	}
	if n.Index != "" {
		out = append(out, Column{Name: n.Index, Type: schema.TypeLong})
	}
	return out
}

func itemsSchema(items []NamedExpr) Schema {
	s := make(Schema, len(items))
	for i, it := range items {
		s[i] = Column{Name: it.Name, Type: it.X.Type()}
	}
	return s
}

func (n *Scan) Inputs() []Node      { return nil }
func (n *Values) Inputs() []Node    { return nil }
func (n *Range) Inputs() []Node     { return nil }
func (n *Filter) Inputs() []Node    { return []Node{n.Input} }
func (n *Project) Inputs() []Node   { return []Node{n.Input} }
func (n *Window) Inputs() []Node    { return []Node{n.Input} }
func (n *Aggregate) Inputs() []Node { return []Node{n.Input} }
func (n *Sort) Inputs() []Node      { return []Node{n.Input} }
func (n *Limit) Inputs() []Node     { return []Node{n.Input} }
func (n *Distinct) Inputs() []Node  { return []Node{n.Input} }
func (n *MvExpand) Inputs() []Node  { return []Node{n.Input} }
func (n *Join) Inputs() []Node      { return []Node{n.Left, n.Right} }
func (n *Union) Inputs() []Node     { return n.Branches }

// MakeSeries aggregates into arrays over a series of bins of On (make-series):
// output Keys, then one dynamic array per aggregate, then the bins (OnName).
type MakeSeries struct {
	Input    Node
	Keys     []NamedExpr
	Aggs     []NamedExpr // AggCall expressions
	Defaults []Expr      // per aggregate; the value of empty bins
	On       Expr
	OnName   string
	From, To Expr // nil: the minimum / maximum of On
	Step     Expr
}

// Schema returns keys, aggregates (dynamic) and the axis (dynamic).
func (n *MakeSeries) Schema() Schema {
	s := itemsSchema(n.Keys)
	for _, a := range n.Aggs {
		s = append(s, Column{Name: a.Name, Type: schema.TypeDynamic})
	}
	return append(s, Column{Name: n.OnName, Type: schema.TypeDynamic})
}

// Inputs returns the input.
func (n *MakeSeries) Inputs() []Node { return []Node{n.Input} }

// MvApply runs Body once per input row over the rows that expand the row's
// array columns (mv-apply); Body reads them through an [ApplyRows] leaf.
// The output is the input's other columns followed by Body's columns.
type MvApply struct {
	Input Node
	Rows  *ApplyRows
	Body  Node
	Out   Schema
	Keep  []string // input columns kept in the output
}

// ApplyRows is the leaf of an mv-apply body: the current input row, with
// the columns Cols expanded into one row per element.
type ApplyRows struct {
	Cols  Schema // the input row's columns, with expanded columns retyped
	Items []string
	Types []schema.Type
	Limit Expr
	Index string // the with_itemindex column, or ""
}

// Schema returns the output columns.
func (n *MvApply) Schema() Schema { return n.Out }

// Inputs returns the input and the body.
func (n *MvApply) Inputs() []Node { return []Node{n.Input, n.Body} }

// Schema returns the row's columns.
func (n *ApplyRows) Schema() Schema { return n.Cols }

// Inputs returns nothing.
func (n *ApplyRows) Inputs() []Node { return nil }

// External is a source that reads outside the store (externaldata). It
// type-checks with its declared columns; a back end reads it only when the
// externaldata policy (internal/kql/external) allows every URL, and refuses
// it otherwise.
type External struct {
	Cols Schema
	What string     // the operator, e.g. "externaldata"
	Span token.Span // where the query names it
	// URLs are the constant URLs to read (nil when one is not a constant).
	URLs []string
	// Format is the with(format=...) value; IgnoreFirst is ignoreFirstRecord.
	Format      string
	IgnoreFirst bool
}

// Schema returns the declared columns.
func (n *External) Schema() Schema { return n.Cols }

// Inputs returns nil.
func (n *External) Inputs() []Node { return nil }
