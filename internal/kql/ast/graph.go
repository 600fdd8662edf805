package ast

// Graph operators: make-graph, graph-match, graph-shortest-paths, graph-to-table and graph-mark-components.

// MakeGraphOp is make-graph [Params] Src (--> | --) Dst [with Table on Key, ... | with_node_id=NodeID].
type MakeGraphOp struct {
	Loc
	Params     []*OpParam
	Src, Dst   *Ident
	Undirected bool // "--" instead of "-->"
	Tables     []*GraphNodes
	NodeID     *Ident // with_node_id=NodeID; nil when absent
	// PartitionBy and Body are the partitioned-by form: partitioned-by Col (Body).
	PartitionBy *Ident
	Body        Expr
}

// GraphNodes is "Table on Key" of make-graph's with clause.
type GraphNodes struct {
	Loc
	Table Expr
	Key   *Ident
}

// GraphMatchOp is graph-match or graph-shortest-paths [Params] Pattern [, Pattern...] [where Where] [project Project].
type GraphMatchOp struct {
	Loc
	Shortest bool // graph-shortest-paths
	Params   []*OpParam
	Patterns []*GraphPattern
	Where    Expr
	Project  []Expr
}

// GraphPattern is a path pattern: Nodes[0] Edges[0] Nodes[1] ... (len(Nodes) == len(Edges)+1).
type GraphPattern struct {
	Loc
	Nodes []*GraphNode
	Edges []*GraphEdge
}

// GraphNode is (Var) or (); Var is nil when anonymous.
type GraphNode struct {
	Loc
	Var *Ident
}

// GraphEdge is -[Var]->, <-[Var]-, -[Var]- (or --> <-- --), with an optional *Min..Max for variable length.
type GraphEdge struct {
	Loc
	Var      *Ident // nil when anonymous
	Left     bool   // <-
	Right    bool   // ->
	Variable bool
	Min, Max Expr
}

// GraphToTableOp is graph-to-table Outputs (nodes or edges, each [as Name] [Params]).
type GraphToTableOp struct {
	Loc
	Outputs []*GraphTableOutput
}

// GraphTableOutput is nodes|edges [as As] [with_node_id=..] [with_source_id=..] [with_target_id=..].
type GraphTableOutput struct {
	Loc
	Edges  bool
	As     *Ident
	Params []*OpParam
}

// GraphMarkComponentsOp is graph-mark-components [kind=...] [with_component_id=...].
type GraphMarkComponentsOp struct {
	Loc
	Params []*OpParam
}

func (o *MakeGraphOp) Name() string           { return "make-graph" }
func (o *GraphToTableOp) Name() string        { return "graph-to-table" }
func (o *GraphMarkComponentsOp) Name() string { return "graph-mark-components" }

// Name returns graph-match or graph-shortest-paths.
func (o *GraphMatchOp) Name() string {
	if o.Shortest {
		return "graph-shortest-paths"
	}
	return "graph-match"
}

func (*MakeGraphOp) opNode()           {}
func (*GraphMatchOp) opNode()          {}
func (*GraphToTableOp) opNode()        {}
func (*GraphMarkComponentsOp) opNode() {}

func (x *MakeGraphOp) String() string           { return Format(x) }
func (x *GraphMatchOp) String() string          { return Format(x) }
func (x *GraphToTableOp) String() string        { return Format(x) }
func (x *GraphMarkComponentsOp) String() string { return Format(x) }
func (x *GraphNodes) String() string            { return Format(x) }
func (x *GraphPattern) String() string          { return Format(x) }
func (x *GraphNode) String() string             { return Format(x) }
func (x *GraphEdge) String() string             { return Format(x) }
func (x *GraphTableOutput) String() string      { return Format(x) }

func (p *printer) graph(n Node) bool {
	switch x := n.(type) {
	case *MakeGraphOp:
		p.str("make-graph")
		p.params(x.Params)
		p.str(" ")
		p.node(x.Src)
		if x.Undirected {
			p.str(" -- ")
		} else {
			p.str(" --> ")
		}
		p.node(x.Dst)
		if len(x.Tables) > 0 {
			p.str(" with ")
			list(p, x.Tables, ", ")
		}
		if x.NodeID != nil {
			p.str(" with_node_id=")
			p.node(x.NodeID)
		}
		if x.PartitionBy != nil {
			p.str(" partitioned-by ")
			p.node(x.PartitionBy)
			p.str(" (")
			p.node(x.Body)
			p.str(")")
		}
	case *GraphNodes:
		p.node(x.Table)
		p.str(" on ")
		p.node(x.Key)
	case *GraphMatchOp:
		p.str(x.Name())
		p.params(x.Params)
		p.str(" ")
		list(p, x.Patterns, ", ")
		if x.Where != nil {
			p.str(" where ")
			p.node(x.Where)
		}
		if x.Project != nil {
			p.str(" project ")
			list(p, x.Project, ", ")
		}
	case *GraphPattern:
		for i, nd := range x.Nodes {
			p.node(nd)
			if i < len(x.Edges) {
				p.node(x.Edges[i])
			}
		}
	case *GraphNode:
		p.str("(")
		if x.Var != nil {
			p.node(x.Var)
		}
		p.str(")")
	case *GraphEdge:
		if x.Left {
			p.str("<")
		}
		p.str("-[")
		if x.Var != nil {
			p.node(x.Var)
		}
		if x.Variable {
			p.str("*")
			p.node(x.Min)
			p.str("..")
			p.node(x.Max)
		}
		p.str("]-")
		if x.Right {
			p.str(">")
		}
	case *GraphToTableOp:
		p.str("graph-to-table ")
		list(p, x.Outputs, ", ")
	case *GraphTableOutput:
		if x.Edges {
			p.str("edges")
		} else {
			p.str("nodes")
		}
		if x.As != nil {
			p.str(" as ")
			p.node(x.As)
		}
		p.params(x.Params)
	case *GraphMarkComponentsOp:
		p.str("graph-mark-components")
		p.params(x.Params)
	case *ProjectByNamesOp:
		p.str("project-by-names ")
		list(p, x.Exprs, ", ")
	default:
		return false
	}
	return true
}

func graphKids(n Node, k *kids) bool {
	switch x := n.(type) {
	case *MakeGraphOp:
		addParams(k, x.Params)
		k.add(x.Src, x.Dst)
		addAll(k, x.Tables)
		k.add(x.NodeID, x.PartitionBy, x.Body)
	case *GraphNodes:
		k.add(x.Table, x.Key)
	case *GraphMatchOp:
		addParams(k, x.Params)
		addAll(k, x.Patterns)
		k.add(x.Where)
		addAll(k, x.Project)
	case *GraphPattern:
		// Field order, as for every other node: the nodes, then the edges between them.
		addAll(k, x.Nodes)
		addAll(k, x.Edges)
	case *GraphNode:
		k.add(x.Var)
	case *GraphEdge:
		k.add(x.Var, x.Min, x.Max)
	case *GraphToTableOp:
		addAll(k, x.Outputs)
	case *GraphTableOutput:
		k.add(x.As)
		addParams(k, x.Params)
	case *GraphMarkComponentsOp:
		addParams(k, x.Params)
	case *ProjectByNamesOp:
		addAll(k, x.Exprs)
	default:
		return false
	}
	return true
}

// ProjectByNamesOp is project-by-names Exprs: columns named by constant strings (with wildcards), arrays of
// them, or column_names_of(T).
type ProjectByNamesOp struct {
	Loc
	Exprs []Expr
}

func (o *ProjectByNamesOp) Name() string   { return "project-by-names" }
func (*ProjectByNamesOp) opNode()          {}
func (x *ProjectByNamesOp) String() string { return Format(x) }
