package parser

// Operators that reshape rows: mv-expand, mv-apply, parse, parse-where,
// parse-kv and make-series.

import (
	"github.com/vigilsec/vigil/internal/kql/ast"
	"github.com/vigilsec/vigil/internal/kql/token"
)

func (p *parser) mvItems() []*ast.MvExpandItem {
	var out []*ast.MvExpandItem
	for {
		start := p.tok().Span.Start
		it := &ast.MvExpandItem{X: p.namedExpr()}
		if p.gotWord("to") {
			p.expectWord("typeof")
			p.expect(token.LParen)
			it.To = p.typeRef()
			p.expect(token.RParen)
		}
		it.Loc = p.loc(start)
		out = append(out, it)
		if !p.got(token.Comma) {
			return out
		}
	}
}

var mvParams = []string{"bagexpansion", "with_itemindex", "kind"}

func (p *parser) mvExpandOp(start token.Pos, kw string) ast.Operator {
	m := &ast.MvExpandOp{Keyword: kw, Params: p.opParams(mvParams...)}
	m.Items = p.mvItems()
	if p.gotWord("limit") {
		m.Limit = p.expr()
	}
	m.Loc = p.loc(start)
	return m
}

func (p *parser) mvApplyOp(start token.Pos, kw string) ast.Operator {
	m := &ast.MvApplyOp{Keyword: kw, Params: p.opParams(mvParams...)}
	m.Items = p.mvItems()
	if p.gotWord("limit") {
		m.Limit = p.expr()
	}
	p.expectWord("on")
	m.Body = p.parenSubPipe()
	m.Loc = p.loc(start)
	return m
}

// parenSubPipe parses "(" sub-pipeline ")" into a *ast.Paren.
func (p *parser) parenSubPipe() ast.Expr {
	start := p.expect(token.LParen).Span.Start
	x := p.subPipe()
	p.expect(token.RParen)
	return &ast.Paren{Loc: p.loc(start), X: x}
}

func (p *parser) parseOp(start token.Pos, kw string) ast.Operator {
	o := &ast.ParseOp{Keyword: kw, Params: p.opParams("kind", "flags")}
	o.X = p.expr()
	p.expectWord("with")
	for !p.atOpEnd() {
		switch p.tok().Kind {
		case token.String:
			o.Pattern = append(o.Pattern, p.stringLit())
		case token.Star:
			o.Pattern = append(o.Pattern, &ast.Star{Loc: ast.Loc{Range: p.next().Span}})
		default:
			o.Pattern = append(o.Pattern, p.columnDecl(false, false))
		}
	}
	if len(o.Pattern) == 0 {
		p.unexpected("a parse pattern")
	}
	o.Loc = p.loc(start)
	return o
}

func (p *parser) parseKVOp(start token.Pos, _ string) ast.Operator {
	o := &ast.ParseKVOp{X: p.expr()}
	p.expectWord("as")
	p.expect(token.LParen)
	o.Columns = p.columnDecls(false)
	p.expect(token.RParen)
	if p.gotWord("with") {
		p.expect(token.LParen)
		o.With = p.props()
		p.expect(token.RParen)
	}
	o.Loc = p.loc(start)
	return o
}

func (p *parser) makeSeriesOp(start token.Pos, _ string) ast.Operator {
	m := &ast.MakeSeriesOp{Params: p.opParams("kind")}
	for {
		as := p.tok().Span.Start
		a := &ast.MakeSeriesAgg{X: p.namedExpr()}
		if p.gotWord("default") {
			p.expect(token.Assign)
			a.Default = p.expr()
		}
		a.Loc = p.loc(as)
		m.Aggs = append(m.Aggs, a)
		if !p.got(token.Comma) {
			break
		}
	}
	p.expectWord("on")
	m.On = p.addExpr()
	if p.gotWord("in") {
		m.InRange = true
		p.expectWord("range")
		p.expect(token.LParen)
		m.From = p.expr()
		p.expect(token.Comma)
		m.To = p.expr()
		p.expect(token.Comma)
		m.Step = p.expr()
		p.expect(token.RParen)
	} else {
		if p.gotWord("from") {
			m.From = p.expr()
		}
		if p.gotWord("to") {
			m.To = p.expr()
		}
		p.expectWord("step")
		m.Step = p.expr()
	}
	if p.gotWord("by") {
		m.By = p.list(p.namedExpr)
	}
	m.Loc = p.loc(start)
	return m
}
