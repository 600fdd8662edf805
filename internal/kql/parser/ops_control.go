package parser

// Less common operators: fork, facet, scan, consume, reduce, partition,
// as, serialize, render, sample, sample-distinct and invoke.

import (
	"github.com/vigilsec/vigil/internal/kql/ast"
	"github.com/vigilsec/vigil/internal/kql/token"
)

func (p *parser) asOp(start token.Pos, _ string) ast.Operator {
	a := &ast.AsOp{Params: p.opParams()}
	a.Table = p.name()
	a.Loc = p.loc(start)
	return a
}

func (p *parser) serializeOp(start token.Pos, _ string) ast.Operator {
	s := &ast.SerializeOp{}
	if !p.atOpEnd() {
		s.Exprs = p.list(p.namedExpr)
	}
	s.Loc = p.loc(start)
	return s
}

func (p *parser) renderOp(start token.Pos, _ string) ast.Operator {
	r := &ast.RenderOp{Chart: p.name()}
	if p.gotWord("with") {
		p.expect(token.LParen)
		r.With = p.props()
		p.expect(token.RParen)
	}
	r.Loc = p.loc(start)
	return r
}

func (p *parser) sampleOp(start token.Pos, _ string) ast.Operator {
	n := p.expr()
	return &ast.SampleOp{Loc: p.loc(start), N: n}
}

func (p *parser) sampleDistinctOp(start token.Pos, _ string) ast.Operator {
	s := &ast.SampleDistinctOp{N: p.expr()}
	p.expectWord("of")
	s.Of = p.expr()
	s.Loc = p.loc(start)
	return s
}

func (p *parser) invokeOp(start token.Pos, _ string) ast.Operator {
	c := p.unary()
	return &ast.InvokeOp{Loc: p.loc(start), Call: c}
}

func (p *parser) forkOp(start token.Pos, _ string) ast.Operator {
	f := &ast.ForkOp{}
	for !p.atOpEnd() || p.at(token.LParen) {
		bs := p.tok().Span.Start
		b := &ast.ForkBranch{}
		if p.at(token.Ident) || p.at(token.LBrack) {
			b.Name = p.name()
			p.expect(token.Assign)
		}
		p.expect(token.LParen)
		b.Body = p.subPipe()
		p.expect(token.RParen)
		b.Loc = p.loc(bs)
		f.Branches = append(f.Branches, b)
	}
	if len(f.Branches) == 0 {
		p.unexpected(`"(" starting a fork branch`)
	}
	f.Loc = p.loc(start)
	return f
}

func (p *parser) facetOp(start token.Pos, _ string) ast.Operator {
	f := &ast.FacetOp{}
	p.expectWord("by")
	f.Columns = p.nameList()
	if p.gotWord("with") {
		p.expect(token.LParen)
		f.With = p.subPipe()
		p.expect(token.RParen)
	}
	f.Loc = p.loc(start)
	return f
}

func (p *parser) scanOp(start token.Pos, _ string) ast.Operator {
	s := &ast.ScanOp{Params: p.opParams("with_match_id")}
	if p.atWord("order") && p.peekWord(1, "by") {
		p.next()
		p.next()
		s.OrderBy = p.sortKeys()
	}
	if p.atWord("partition") && p.peekWord(1, "by") {
		p.next()
		p.next()
		s.PartitionBy = p.list(p.expr)
	}
	if p.gotWord("declare") {
		p.expect(token.LParen)
		s.Declare = p.columnDecls(true)
		p.expect(token.RParen)
	}
	p.expectWord("with")
	p.expect(token.LParen)
	for p.atWord("step") {
		ss := p.next().Span.Start
		st := &ast.ScanStep{Name: p.name()}
		if p.gotWord("output") {
			p.expect(token.Assign)
			if !p.atWord("all") && !p.atWord("last") && !p.atWord("none") {
				p.unexpected(`"all", "last" or "none"`)
			}
			st.Output = p.next().Text
		}
		p.expect(token.Colon)
		st.Cond = p.expr()
		if p.got(token.Arrow) {
			st.Assigns = p.list(p.namedExpr)
		}
		st.Loc = p.loc(ss)
		s.Steps = append(s.Steps, st)
		if !p.got(token.Semicolon) {
			break
		}
	}
	if len(s.Steps) == 0 {
		p.unexpected(`"step"`)
	}
	p.expect(token.RParen)
	s.Loc = p.loc(start)
	return s
}

func (p *parser) consumeOp(start token.Pos, _ string) ast.Operator {
	c := &ast.ConsumeOp{Params: p.opParams("decodeblocks")}
	c.Loc = p.loc(start)
	return c
}

func (p *parser) reduceOp(start token.Pos, _ string) ast.Operator {
	r := &ast.ReduceOp{Params: p.opParams("kind")}
	p.expectWord("by")
	r.By = p.expr()
	if p.gotWord("with") {
		r.With = p.props()
	}
	r.Loc = p.loc(start)
	return r
}

func (p *parser) partitionOp(start token.Pos, _ string) ast.Operator {
	o := &ast.PartitionOp{Params: p.opParams()}
	p.expectWord("by")
	o.By = p.name()
	if p.got(token.LBrace) {
		o.Braces = true
		o.Body = p.pipeExpr(false)
		p.expect(token.RBrace)
	} else {
		p.expect(token.LParen)
		o.Body = p.subPipe()
		p.expect(token.RParen)
	}
	o.Loc = p.loc(start)
	return o
}
