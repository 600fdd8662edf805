package plan

import "github.com/vigilsec/vigil/internal/schema"

// Graph is the graph make-graph builds: the rows of Edges go from column Src to column Dst; the nodes are the
// rows of Nodes keyed by Key, and every edge end missing from them is a node whose other properties are null.
// Without Nodes (with_node_id=Key) the nodes are the edge ends, with the one column Key. Graph is not a table:
// only the graph operators read it, and its Schema is empty.
type Graph struct {
	Edges    Node
	Src, Dst string
	Nodes    Node // nil: the nodes are the edge ends
	Key      string
	KeyType  schema.Type
	// Component names the column graph-mark-components adds to the nodes (weakly connected components,
	// numbered from 0 in the order of each component's first node); "" when absent.
	Component string
}

// NodeSchema returns the node properties.
func (g *Graph) NodeSchema() Schema {
	var s Schema
	if g.Nodes != nil {
		s = append(s, g.Nodes.Schema()...)
	} else {
		s = Schema{{Name: g.Key, Type: g.KeyType}}
	}
	if g.Component != "" {
		s = append(s, Column{Name: g.Component, Type: schema.TypeLong})
	}
	return s
}

// EdgeSchema returns the edge properties.
func (g *Graph) EdgeSchema() Schema { return g.Edges.Schema() }

// Schema returns nothing: a graph is not a table.
func (g *Graph) Schema() Schema { return nil }

// Inputs returns the edges and the nodes.
func (g *Graph) Inputs() []Node {
	if g.Nodes != nil {
		return []Node{g.Edges, g.Nodes}
	}
	return []Node{g.Edges}
}

// GraphTable is graph-to-table: the nodes or the edges of a graph as rows, with optional id columns
// (NodeID for nodes; SourceID and TargetID for edges) holding hash() of the node keys.
type GraphTable struct {
	Graph                      *Graph
	Edges                      bool
	NodeID, SourceID, TargetID string
}

// Schema returns the id columns and then the properties.
func (n *GraphTable) Schema() Schema {
	var s Schema
	if n.Edges {
		if n.SourceID != "" {
			s = append(s, Column{Name: n.SourceID, Type: schema.TypeLong})
		}
		if n.TargetID != "" {
			s = append(s, Column{Name: n.TargetID, Type: schema.TypeLong})
		}
		return append(s, n.Graph.EdgeSchema()...)
	}
	if n.NodeID != "" {
		s = append(s, Column{Name: n.NodeID, Type: schema.TypeLong})
	}
	return append(s, n.Graph.NodeSchema()...)
}

// Inputs returns the graph.
func (n *GraphTable) Inputs() []Node { return []Node{n.Graph} }

// GraphEdge is one edge of a match pattern between Pattern nodes i and i+1.
type GraphEdge struct {
	Var string
	// Dir is 1 for ->, -1 for <- and 0 for either direction.
	Dir int
	// Variable edges match paths of Min to Max edges; their variable is a dynamic array of edge bags, and
	// Var+"$inner" holds the bags of the nodes between them.
	Variable bool
	Min, Max int
}

// GraphMatch is graph-match or graph-shortest-paths: every binding of the pattern's variables to nodes and
// edges (Nodes[i], Edges[i], Nodes[i+1], ...; a repeated node variable is the same node) for which Where holds,
// projected by Items. Where and Items read Match: one column per property, named "var.prop", and for variable
// edges the arrays described at [GraphEdge].
type GraphMatch struct {
	Graph *Graph
	Nodes []string
	Edges []GraphEdge
	// Cycles is "unique_edges" (the default), "none" (no node twice on a variable edge) or "all".
	Cycles string
	Match  Schema
	Where  Expr // nil when absent
	Items  []NamedExpr
	// Shortest keeps, for each pair of first and last nodes, the matches with the fewest edges; All keeps every
	// such match, else one.
	Shortest, All bool
}

// Schema returns the projected columns.
func (n *GraphMatch) Schema() Schema { return itemsSchema(n.Items) }

// Inputs returns the graph.
func (n *GraphMatch) Inputs() []Node { return []Node{n.Graph} }
