package sema

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/vigilsec/vigil/internal/kql/ast"
	"github.com/vigilsec/vigil/internal/kql/plan"
	"github.com/vigilsec/vigil/internal/schema"
)

// Graph operators: make-graph builds a [plan.Graph]; graph-match, graph-shortest-paths, graph-to-table and
// graph-mark-components read it.

// Node properties every node has besides its own: its in- and out-degree (node_degree_in/out).
const (
	graphInDegree  = "$in_degree"
	graphOutDegree = "$out_degree"
)

// graphScope is what graph-match's where and project see: the pattern's variables.
type graphScope struct {
	g        *plan.Graph
	nodes    map[string]bool // node variables
	edges    map[string]bool // fixed-length edge variables
	paths    map[string]bool // variable-length edge variables
	nodeElem plan.Schema     // a node's properties, as map(inner_nodes(e), ...) sees them
}

func graphNodeElem(g *plan.Graph) plan.Schema {
	return append(append(plan.Schema{}, g.NodeSchema()...),
		plan.Column{Name: graphInDegree, Type: schema.TypeLong}, plan.Column{Name: graphOutDegree, Type: schema.TypeLong})
}

// graphOp binds a graph operator; ok is false for other operators, which must not read a graph.
func (b *binder) graphOp(in plan.Node, op ast.Operator, e *env) (plan.Node, bool) {
	g, isGraph := in.(*plan.Graph)
	switch o := op.(type) {
	case *ast.ProjectByNamesOp:
		if isGraph {
			break
		}
		return b.projectByNames(in, o, e), true
	case *ast.MakeGraphOp:
		if isGraph {
			b.errorf(o, CodeTypeError, "make-graph needs a table of edges, not a graph")
			return nil, true
		}
		return b.makeGraph(in, o, e), true
	case *ast.GraphMatchOp, *ast.GraphToTableOp, *ast.GraphMarkComponentsOp:
		if !isGraph {
			b.errorf(op, CodeTypeError, "%s needs a graph: use make-graph before it", op.Name())
			return nil, true
		}
	default:
		if isGraph {
			b.errorf(op, CodeTypeError, "%s cannot read a graph: use graph-match or graph-to-table after make-graph", op.Name())
			return nil, true
		}
		return nil, false
	}
	switch o := op.(type) {
	case *ast.GraphMarkComponentsOp:
		c := *g
		c.Component = "ComponentId"
		for _, p := range o.Params {
			v := graphParam(p)
			switch p.Name {
			case "with_component_id":
				c.Component = v
			case "kind":
				if v != "weak" {
					b.errorf(p, CodeUnsupported, "graph-mark-components kind=%s is not supported yet (weak is)", v)
				}
			}
		}
		if graphNodeElem(g).Index(c.Component) >= 0 {
			b.errorf(o, CodeTypeError, "graph-mark-components: the nodes already have a property %q", c.Component)
		}
		return &c, true
	case *ast.GraphToTableOp:
		if len(o.Outputs) != 1 {
			b.errorf(o, CodeUnsupported, "graph-to-table with several outputs is not supported yet")
			return nil, true
		}
		out := o.Outputs[0]
		t := &plan.GraphTable{Graph: g, Edges: out.Edges}
		for _, p := range out.Params {
			v := graphParam(p)
			switch p.Name {
			case "with_node_id":
				t.NodeID = v
			case "with_source_id":
				t.SourceID = v
			case "with_target_id":
				t.TargetID = v
			}
		}
		if (t.NodeID != "" && out.Edges) || ((t.SourceID != "" || t.TargetID != "") && !out.Edges) {
			b.errorf(out, CodeTypeError, "graph-to-table: with_node_id is for nodes, with_source_id and with_target_id for edges")
		}
		return t, true
	case *ast.GraphMatchOp:
		return b.graphMatch(g, o, e), true
	}
	return nil, true
}

// graphParam is the text of an operator parameter's value, string literals unquoted.
func graphParam(p *ast.OpParam) string {
	if len(p.Values) != 1 {
		return ""
	}
	if l, ok := p.Values[0].(*ast.Literal); ok {
		if s, err := strconv.Unquote(l.Value); err == nil {
			return s
		}
	}
	return paramText(p.Values[0])
}

func (b *binder) makeGraph(in plan.Node, o *ast.MakeGraphOp, e *env) plan.Node {
	if o.PartitionBy != nil {
		b.errorf(o, CodeUnsupported, "make-graph partitioned-by is not supported yet")
		return nil
	}
	if o.Undirected {
		b.errorf(o, CodeUnsupported, "make-graph with undirected edges (--) is not supported yet")
		return nil
	}
	s := in.Schema()
	g := &plan.Graph{Edges: in, Src: o.Src.Name, Dst: o.Dst.Name}
	si, di := s.Index(g.Src), s.Index(g.Dst)
	if si < 0 {
		b.unknownColumn(o.Src, s)
		return nil
	}
	if di < 0 {
		b.unknownColumn(o.Dst, s)
		return nil
	}
	if s[si].Type != s[di].Type {
		b.errorf(o, CodeTypeError, "make-graph: %s is %s but %s is %s", g.Src, s[si].Type, g.Dst, s[di].Type)
		return nil
	}
	g.KeyType = s[si].Type
	switch {
	case len(o.Tables) > 1:
		b.errorf(o.Tables[1], CodeUnsupported, "make-graph with several node tables is not supported yet")
		return nil
	case len(o.Tables) == 1:
		nodes := b.tabular(o.Tables[0].Table, e)
		if nodes == nil {
			return nil
		}
		ns := nodes.Schema()
		ki := ns.Index(o.Tables[0].Key.Name)
		if ki < 0 {
			b.unknownColumn(o.Tables[0].Key, ns)
			return nil
		}
		if ns[ki].Type != g.KeyType {
			b.errorf(o.Tables[0].Key, CodeTypeError, "make-graph: the node key %s is %s but the edge ends are %s", ns[ki].Name, ns[ki].Type, g.KeyType)
			return nil
		}
		g.Nodes, g.Key = nodes, ns[ki].Name
	case o.NodeID != nil:
		g.Key = o.NodeID.Name
	default:
		b.errorf(o, CodeTypeError, "make-graph needs nodes: with T on key, or with_node_id=name")
		return nil
	}
	return g
}

func (b *binder) graphMatch(g *plan.Graph, o *ast.GraphMatchOp, e *env) plan.Node {
	if len(o.Patterns) != 1 {
		b.errorf(o, CodeUnsupported, "%s with several patterns is not supported yet", o.Name())
		return nil
	}
	if o.Project == nil {
		b.errorf(o, CodeTypeError, "%s needs a project clause", o.Name())
		return nil
	}
	m := &plan.GraphMatch{Graph: g, Cycles: "unique_edges", Shortest: o.Shortest}
	for _, p := range o.Params {
		v := graphParam(p)
		switch p.Name {
		case "cycles":
			if v != "unique_edges" && v != "none" && v != "all" {
				b.errorf(p, CodeTypeError, "cycles must be unique_edges, none or all")
			}
			m.Cycles = v
		case "output":
			if !o.Shortest || (v != "any" && v != "all") {
				b.errorf(p, CodeTypeError, "output=any|all is a graph-shortest-paths parameter")
			}
			m.All = v == "all"
		}
	}
	sc := &graphScope{g: g, nodes: map[string]bool{}, edges: map[string]bool{}, paths: map[string]bool{}, nodeElem: graphNodeElem(g)}
	pat := o.Patterns[0]
	taken := func(n string) bool { return sc.nodes[n] || sc.edges[n] || sc.paths[n] }
	for i, n := range pat.Nodes {
		name := fmt.Sprintf("$node%d", i)
		if n.Var != nil {
			name = n.Var.Name
			if sc.edges[name] || sc.paths[name] {
				b.errorf(n.Var, CodeTypeError, "%q names both a node and an edge", name)
			}
		}
		m.Nodes = append(m.Nodes, name)
		if !sc.nodes[name] {
			sc.nodes[name] = true
			for _, c := range sc.nodeElem {
				m.Match = append(m.Match, plan.Column{Name: name + "." + c.Name, Type: c.Type})
			}
		}
	}
	for i, ed := range pat.Edges {
		pe := plan.GraphEdge{Var: fmt.Sprintf("$edge%d", i), Min: 1, Max: 1}
		if ed.Var != nil {
			pe.Var = ed.Var.Name
			if taken(pe.Var) {
				b.errorf(ed.Var, CodeTypeError, "the pattern variable %q is used twice", pe.Var)
			}
		}
		switch {
		case ed.Right:
			pe.Dir = 1
		case ed.Left:
			pe.Dir = -1
		}
		if ed.Variable {
			pe.Variable = true
			pe.Min, pe.Max = b.graphBound(ed.Min, e), b.graphBound(ed.Max, e)
			if pe.Min < 0 || pe.Max < pe.Min || pe.Max > 20 {
				b.errorf(ed, CodeTypeError, "variable edge length %d..%d: need 0 <= min <= max <= 20", pe.Min, pe.Max)
				return nil
			}
			sc.paths[pe.Var] = true
			m.Match = append(m.Match, plan.Column{Name: pe.Var, Type: schema.TypeDynamic}, plan.Column{Name: pe.Var + "$inner", Type: schema.TypeDynamic})
		} else {
			sc.edges[pe.Var] = true
			for _, c := range g.EdgeSchema() {
				m.Match = append(m.Match, plan.Column{Name: pe.Var + "." + c.Name, Type: c.Type})
			}
		}
		m.Edges = append(m.Edges, pe)
	}
	old := b.graph
	b.graph = sc
	defer func() { b.graph = old }()
	r := &rowCtx{schema: m.Match}
	if o.Where != nil {
		m.Where = toBool(b.scalar(o.Where, r, e))
	}
	m.Items = b.items(o.Project, r, e, "Column")
	return m
}

func (b *binder) graphBound(x ast.Expr, e *env) int {
	v := b.scalar(x, &rowCtx{}, e)
	if l, ok := v.(*plan.Lit); ok {
		if n, ok := l.V.(int64); ok {
			return int(n)
		}
	}
	b.errorf(x, CodeTypeError, "a variable edge length must be a constant integer")
	return -1
}

// graphMember binds var.prop of a node or fixed-length edge variable.
func (b *binder) graphMember(v *ast.Member, r *rowCtx) (plan.Expr, bool) {
	if b.graph == nil {
		return nil, false
	}
	id, ok := v.X.(*ast.Ident)
	sc := b.graph
	if !ok || (r.schema.Index(id.Name) >= 0 && !sc.paths[id.Name]) {
		return nil, false
	}
	switch {
	case sc.nodes[id.Name] || sc.edges[id.Name]:
		name := id.Name + "." + v.Name.Name
		if i := r.schema.Index(name); i >= 0 {
			return &plan.ColRef{Name: name, T: r.schema[i].Type}, true
		}
		b.errorf(v.Name, CodeUnknownColumn, "%q has no property %q", id.Name, v.Name.Name)
		return nullDyn, true
	case sc.paths[id.Name]:
		b.errorf(v, CodeTypeError, "%q is a variable-length edge: read its edges with map(), all() or any()", id.Name)
		return nullDyn, true
	}
	return nil, false
}

// graphCall binds the graph functions: map, all and any over the edges of a variable-length edge or its
// inner_nodes(); inner_nodes; node_degree_in, node_degree_out and node_id of a node variable (or, inside map,
// all and any over nodes, of the current node).
func (b *binder) graphCall(c *ast.Call, name string, r *rowCtx, e *env) (plan.Expr, bool) {
	if name == "column_names_of" && len(c.Args) == 1 {
		n := b.tabular(c.Args[0], e)
		if n == nil {
			return nullDyn, true
		}
		js, _ := json.Marshal(n.Schema().Names())
		return &plan.Lit{T: schema.TypeDynamic, V: string(js)}, true
	}
	sc := b.graph
	if sc == nil {
		return nil, false
	}
	switch name {
	case "map", "all", "any":
		if len(c.Args) != 2 {
			return nil, false
		}
		list, elem, ok := b.graphList(c.Args[0])
		if !ok {
			return nil, false
		}
		x := b.scalar(c.Args[1], &rowCtx{schema: elem}, e)
		shape := map[string]string{}
		for _, col := range elem {
			shape[col.Name] = col.Type.String()
		}
		js, _ := json.Marshal(shape)
		t := schema.TypeDynamic
		if name != "map" {
			t, x = schema.TypeBool, toBool(x)
		}
		return &plan.Call{Fn: "graph_" + name, Args: []plan.Expr{list, x, plan.String(string(js))}, T: t}, true
	case "inner_nodes":
		if len(c.Args) != 1 {
			return nil, false
		}
		if id, ok := c.Args[0].(*ast.Ident); ok && sc.paths[id.Name] {
			return &plan.ColRef{Name: id.Name + "$inner", T: schema.TypeDynamic}, true
		}
		b.errorf(c, CodeTypeError, "inner_nodes() takes a variable-length edge")
		return nullDyn, true
	case "node_degree_in", "node_degree_out", "node_id":
		prop := sc.g.Key
		t := sc.g.KeyType
		if name != "node_id" {
			prop, t = graphInDegree, schema.TypeLong
			if name == "node_degree_out" {
				prop = graphOutDegree
			}
		}
		switch len(c.Args) {
		case 0:
			if r.schema.Index(graphInDegree) >= 0 {
				return &plan.ColRef{Name: prop, T: t}, true
			}
		case 1:
			if id, ok := c.Args[0].(*ast.Ident); ok && sc.nodes[id.Name] {
				return &plan.ColRef{Name: id.Name + "." + prop, T: t}, true
			}
		}
		b.errorf(c, CodeTypeError, "%s() takes a node variable (or none inside map, all and any over inner_nodes())", name)
		return nullDyn, true
	}
	return nil, false
}

// graphList resolves the list map, all and any iterate: the edges of a variable-length edge, or its inner nodes.
func (b *binder) graphList(x ast.Expr) (plan.Expr, plan.Schema, bool) {
	sc := b.graph
	switch v := x.(type) {
	case *ast.Ident:
		if sc.paths[v.Name] {
			return &plan.ColRef{Name: v.Name, T: schema.TypeDynamic}, sc.g.EdgeSchema(), true
		}
	case *ast.Call:
		if id, ok := v.Func.(*ast.Ident); ok && id.Name == "inner_nodes" && len(v.Args) == 1 {
			if a, ok := v.Args[0].(*ast.Ident); ok && sc.paths[a.Name] {
				return &plan.ColRef{Name: a.Name + "$inner", T: schema.TypeDynamic}, sc.nodeElem, true
			}
		}
	}
	return nil, nil, false
}

// projectByNames keeps the columns named by constant strings (which may hold wildcards) or arrays of them, in
// the order given; names that match no column are skipped.
func (b *binder) projectByNames(in plan.Node, o *ast.ProjectByNamesOp, e *env) plan.Node {
	s := in.Schema()
	var items []plan.NamedExpr
	seen := map[string]bool{}
	add := func(pattern string) {
		for _, c := range matchCols(s, pattern) {
			if !seen[c.Name] {
				seen[c.Name] = true
				items = append(items, plan.NamedExpr{Name: c.Name, X: &plan.ColRef{Name: c.Name, T: c.Type}})
			}
		}
	}
	for _, x := range o.Exprs {
		l, ok := b.scalar(x, &rowCtx{}, e).(*plan.Lit)
		if !ok || l.V == nil {
			b.errorf(x, CodeTypeError, "project-by-names takes constant column names")
			continue
		}
		v, _ := l.V.(string)
		if l.T != schema.TypeDynamic {
			add(v)
			continue
		}
		var names []any
		if json.Unmarshal([]byte(v), &names) != nil {
			b.errorf(x, CodeTypeError, "project-by-names takes an array of column names")
			continue
		}
		for _, n := range names {
			if s, ok := n.(string); ok {
				add(s)
			}
		}
	}
	if len(items) == 0 {
		b.errorf(o, CodeTypeError, "project-by-names: no column matches")
		return nil
	}
	return &plan.Project{Input: in, Items: items}
}
