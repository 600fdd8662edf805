package parser

// Operators that can start a pipeline: union, range, datatable,
// externaldata, print, search, find and evaluate.

import (
	"github.com/vigilsec/vigil/internal/kql/ast"
	"github.com/vigilsec/vigil/internal/kql/token"
)

func (p *parser) unionOp(start token.Pos, _ string) ast.Operator {
	u := &ast.UnionOp{Params: p.opParams("kind", "withsource", "isfuzzy")}
	u.Tables = p.list(func() ast.Expr {
		if p.at(token.LParen) {
			return p.primary()
		}
		return p.nameOrWildcard()
	})
	u.Loc = p.loc(start)
	return u
}

func (p *parser) rangeOp() ast.Expr {
	return p.operator().(ast.Expr)
}

func (p *parser) rangeRest(start token.Pos) ast.Operator {
	r := &ast.RangeOp{Column: p.name()}
	p.expectWord("from")
	r.From = p.expr()
	p.expectWord("to")
	r.To = p.expr()
	p.expectWord("step")
	r.Step = p.expr()
	r.Loc = p.loc(start)
	return r
}

func (p *parser) datatable() ast.Expr    { return p.operator().(ast.Expr) }
func (p *parser) externalData() ast.Expr { return p.operator().(ast.Expr) }

func (p *parser) datatableRest(start token.Pos) ast.Operator {
	// Datatable tolerates stray commas: before the first value, after the
	// last value and after the last column.
	d := &ast.DatatableOp{}
	p.expect(token.LParen)
	for !p.at(token.RParen) {
		d.Columns = append(d.Columns, p.columnDecl(false, true))
		if !p.got(token.Comma) {
			break
		}
	}
	p.expect(token.RParen)
	p.expect(token.LBrack)
	for p.got(token.Comma) {
	}
	for !p.at(token.RBrack) {
		d.Values = append(d.Values, p.expr())
		if !p.got(token.Comma) {
			break
		}
	}
	p.expect(token.RBrack)
	d.Loc = p.loc(start)
	return d
}

func (p *parser) externalDataRest(start token.Pos) ast.Operator {
	d := &ast.ExternalDataOp{}
	p.expect(token.LParen)
	d.Columns = p.columnDecls(false)
	p.expect(token.RParen)
	p.expect(token.LBrack)
	d.URIs = p.list(p.expr)
	p.expect(token.RBrack)
	if p.gotWord("with") {
		p.expect(token.LParen)
		d.With = p.props()
		p.expect(token.RParen)
	}
	d.Loc = p.loc(start)
	return d
}

func (p *parser) printOp(start token.Pos, _ string) ast.Operator {
	xs := p.list(p.namedExpr)
	return &ast.PrintOp{Loc: p.loc(start), Exprs: xs}
}

// inTables parses an optional "in (T1, T2)" clause.
func (p *parser) inTables() []ast.Expr {
	if !p.atWord("in") || p.peek(1).Kind != token.LParen {
		return nil
	}
	p.next()
	p.next()
	ts := p.nameList()
	p.expect(token.RParen)
	return ts
}

func (p *parser) searchOp(start token.Pos, _ string) ast.Operator {
	s := &ast.SearchOp{Params: p.opParams("kind")}
	s.Tables = p.inTables()
	s.Pred = p.expr()
	s.Loc = p.loc(start)
	return s
}

func (p *parser) findOp(start token.Pos, _ string) ast.Operator {
	f := &ast.FindOp{Params: p.opParams("withsource", "datascope")}
	f.Tables = p.inTables()
	p.expectWord("where")
	f.Pred = p.expr()
	switch {
	case p.gotWord("project-smart"):
		f.ProjectKind = "project-smart"
	case p.gotWord("project"):
		f.ProjectKind = "project"
		f.Project = p.nameList()
	}
	f.Loc = p.loc(start)
	return f
}

func (p *parser) evaluateOp(start token.Pos, _ string) ast.Operator {
	e := &ast.EvaluateOp{Params: p.opParams()}
	e.Call = p.unary()
	if p.at(token.Colon) && p.peek(1).Kind == token.LParen {
		p.next()
		e.Schema = p.typeRef()
	}
	e.Loc = p.loc(start)
	return e
}
