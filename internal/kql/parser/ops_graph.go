package parser

// Graph operators: make-graph, graph-match, graph-shortest-paths, graph-to-table, graph-mark-components.

import (
	"github.com/vigilsec/vigil/internal/kql/ast"
	"github.com/vigilsec/vigil/internal/kql/token"
)

func init() {
	operators["make-graph"] = (*parser).makeGraphOp
	operators["graph-match"] = (*parser).graphMatchOp
	operators["graph-shortest-paths"] = (*parser).graphMatchOp
	operators["graph-to-table"] = (*parser).graphToTableOp
	operators["graph-mark-components"] = (*parser).graphMarkComponentsOp
	operators["project-by-names"] = func(p *parser, start token.Pos, _ string) ast.Operator {
		o := &ast.ProjectByNamesOp{Exprs: p.list(p.expr)}
		o.Loc = p.loc(start)
		return o
	}
	sourcelessOps["project-by-names"] = true
	// They may start the body of make-graph ... partitioned-by.
	for _, op := range []string{"graph-match", "graph-shortest-paths", "graph-to-table", "graph-mark-components"} {
		sourcelessOps[op] = true
	}
}

func (p *parser) makeGraphOp(start token.Pos, _ string) ast.Operator {
	m := &ast.MakeGraphOp{Params: p.opParams()}
	m.Src = p.name()
	p.expect(token.Minus)
	p.expect(token.Minus)
	if !p.got(token.Gt) {
		m.Undirected = true
	}
	m.Dst = p.name()
	for {
		switch {
		case p.atWord("with"):
			p.next()
			for {
				gs := p.tok().Span.Start
				g := &ast.GraphNodes{Table: p.name()}
				p.expectWord("on")
				g.Key = p.name()
				g.Loc = p.loc(gs)
				m.Tables = append(m.Tables, g)
				if !p.got(token.Comma) {
					break
				}
			}
			continue
		case p.atWord("with_node_id"):
			p.next()
			p.expect(token.Assign)
			m.NodeID = p.name()
			continue
		case p.atWord("partitioned-by"):
			p.next()
			m.PartitionBy = p.name()
			p.expect(token.LParen)
			m.Body = p.subPipe()
			p.expect(token.RParen)
		}
		break
	}
	m.Loc = p.loc(start)
	return m
}

func (p *parser) graphMatchOp(start token.Pos, kw string) ast.Operator {
	g := &ast.GraphMatchOp{Shortest: kw == "graph-shortest-paths", Params: p.opParams("cycles", "output")}
	for {
		g.Patterns = append(g.Patterns, p.graphPattern())
		if !p.got(token.Comma) {
			break
		}
	}
	if p.gotWord("where") {
		g.Where = p.expr()
	}
	if p.gotWord("project") {
		g.Project = p.list(p.namedExpr)
	}
	g.Loc = p.loc(start)
	return g
}

func (p *parser) graphPattern() *ast.GraphPattern {
	start := p.tok().Span.Start
	gp := &ast.GraphPattern{Nodes: []*ast.GraphNode{p.graphNode()}}
	for p.at(token.Minus) || p.at(token.Lt) {
		gp.Edges = append(gp.Edges, p.graphEdge())
		gp.Nodes = append(gp.Nodes, p.graphNode())
	}
	gp.Loc = p.loc(start)
	return gp
}

func (p *parser) graphNode() *ast.GraphNode {
	start := p.expect(token.LParen).Span.Start
	n := &ast.GraphNode{}
	if !p.at(token.RParen) {
		n.Var = p.name()
	}
	p.expect(token.RParen)
	n.Loc = p.loc(start)
	return n
}

// graphEdge parses -[e]->, <-[e]-, -[e]-, -[e*1..3]->, -->, <--, --.
func (p *parser) graphEdge() *ast.GraphEdge {
	start := p.tok().Span.Start
	e := &ast.GraphEdge{}
	if p.got(token.Lt) {
		e.Left = true
	}
	p.expect(token.Minus)
	if p.got(token.LBrack) {
		if !p.at(token.Star) && !p.at(token.RBrack) {
			e.Var = p.name()
		}
		if p.got(token.Star) {
			e.Variable = true
			e.Min = p.primary()
			p.expect(token.DotDot)
			e.Max = p.primary()
		}
		p.expect(token.RBrack)
	}
	p.expect(token.Minus)
	if p.got(token.Gt) {
		e.Right = true
	}
	if e.Left && e.Right {
		p.fail("an edge cannot point both ways")
	}
	e.Loc = p.loc(start)
	return e
}

func (p *parser) graphToTableOp(start token.Pos, _ string) ast.Operator {
	g := &ast.GraphToTableOp{}
	for {
		os := p.tok().Span.Start
		o := &ast.GraphTableOutput{}
		switch {
		case p.gotWord("edges"):
			o.Edges = true
		case p.gotWord("nodes"):
		default:
			p.unexpected(`"nodes" or "edges"`)
		}
		if p.gotWord("as") {
			o.As = p.name()
		}
		o.Params = p.opParams("with_node_id", "with_source_id", "with_target_id")
		o.Loc = p.loc(os)
		g.Outputs = append(g.Outputs, o)
		if !p.got(token.Comma) {
			break
		}
	}
	g.Loc = p.loc(start)
	return g
}

func (p *parser) graphMarkComponentsOp(start token.Pos, _ string) ast.Operator {
	g := &ast.GraphMarkComponentsOp{Params: p.opParams("kind", "with_component_id")}
	g.Loc = p.loc(start)
	return g
}
