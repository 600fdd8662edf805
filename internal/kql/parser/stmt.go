package parser

import (
	"github.com/vigilsec/vigil/internal/kql/ast"
	"github.com/vigilsec/vigil/internal/kql/token"
)

// stmts parses statements separated by semicolons up to end (EOF for a
// query, "}" for a function body), recovering from errors at ";".
func (p *parser) stmts(end token.Kind) []ast.Stmt {
	var out []ast.Stmt
	for {
		for p.got(token.Semicolon) {
		}
		if p.at(end) || p.at(token.EOF) {
			return out
		}
		var s ast.Stmt
		ok := p.guard(func() {
			s = p.stmt()
			if !p.at(token.Semicolon) && !p.at(end) && !p.at(token.EOF) {
				p.extraneous()
			}
		})
		if ok {
			out = append(out, s)
		} else {
			p.skipTo(token.Semicolon, end)
		}
	}
}

// stmtHook, when set by tests, runs before each statement; it lets them
// check that an unexpected panic becomes a kql_internal_error.
var stmtHook func()

func (p *parser) stmt() ast.Stmt {
	if stmtHook != nil {
		stmtHook()
	}
	start := p.tok().Span.Start
	switch {
	case p.atWord("let"):
		p.next()
		s := &ast.LetStmt{Name: p.name()}
		p.expect(token.Assign)
		s.Value = p.letValue()
		s.Loc = p.loc(start)
		return s
	case p.atWord("set") && p.peek(1).Kind == token.Ident:
		p.next()
		s := &ast.SetStmt{Name: p.dottedName()}
		if p.got(token.Assign) {
			s.Value = p.paramValue()
		}
		s.Loc = p.loc(start)
		return s
	case p.atWord("declare") && p.peekWord(1, "query_parameters"):
		p.next()
		p.next()
		p.expect(token.LParen)
		s := &ast.DeclareStmt{Params: p.columnDecls(true)}
		p.expect(token.RParen)
		s.Loc = p.loc(start)
		return s
	case p.atWord("alias") && p.peekWord(1, "database"):
		p.next()
		p.next()
		s := &ast.AliasStmt{Name: p.name()}
		p.expect(token.Assign)
		s.Value = p.expr()
		s.Loc = p.loc(start)
		return s
	case p.atWord("restrict") && p.peekWord(1, "access"):
		p.next()
		p.next()
		p.expectWord("to")
		p.expect(token.LParen)
		s := &ast.RestrictStmt{Entities: p.nameList()}
		p.expect(token.RParen)
		s.Loc = p.loc(start)
		return s
	}
	x := p.pipeExpr(true)
	return &ast.ExprStmt{Loc: p.loc(start), X: x}
}

// letValue parses the value of a let statement: a function or view
// definition, or any expression.
func (p *parser) letValue() ast.Expr {
	if p.atWord("view") && p.peek(1).Kind == token.LParen {
		start := p.next().Span.Start
		f := p.funcDef(start)
		f.View = true
		return f
	}
	if p.isFuncDef() {
		return p.funcDef(p.tok().Span.Start)
	}
	return p.pipeExpr(true)
}

// isFuncDef reports whether a "(" starts a parameter list: "()" or
// "(name:".
func (p *parser) isFuncDef() bool {
	if !p.at(token.LParen) {
		return false
	}
	if p.peek(1).Kind == token.RParen {
		return p.peek(2).Kind == token.LBrace
	}
	t := p.peek(1)
	if t.Kind == token.LBrack { // (['name']:type)
		return p.peek(4).Kind == token.Colon
	}
	return t.Kind == token.Ident && p.peek(2).Kind == token.Colon
}

func (p *parser) funcDef(start token.Pos) *ast.FuncDef {
	p.enter()
	defer p.leave()
	p.expect(token.LParen)
	f := &ast.FuncDef{Params: p.columnDecls(true)}
	p.expect(token.RParen)
	f.Body = p.block()
	f.Loc = p.loc(start)
	return f
}

func (p *parser) block() *ast.Block {
	start := p.expect(token.LBrace).Span.Start
	b := &ast.Block{Stmts: p.stmts(token.RBrace)}
	p.expect(token.RBrace)
	b.Loc = p.loc(start)
	return b
}

// columnDecls parses name[:type][= default] items separated by commas, up
// to ")" (not consumed).
func (p *parser) columnDecls(defaults bool) []*ast.ColumnDecl {
	var out []*ast.ColumnDecl
	if p.at(token.RParen) {
		return out
	}
	for {
		out = append(out, p.columnDecl(defaults, true))
		if !p.got(token.Comma) {
			return out
		}
	}
}

func (p *parser) columnDecl(defaults, typed bool) *ast.ColumnDecl {
	start := p.tok().Span.Start
	d := &ast.ColumnDecl{Name: p.name()}
	if typed {
		p.expect(token.Colon)
		d.Type = p.typeRef()
	} else if p.got(token.Colon) {
		d.Type = p.typeRef()
	}
	if defaults && p.got(token.Assign) {
		d.Default = p.expr()
	}
	d.Loc = p.loc(start)
	return d
}

// scalarTypes are the names of KQL scalar types (and their synonyms).
var scalarTypes = map[string]bool{
	"bool": true, "boolean": true, "int": true, "int32": true, "long": true, "int64": true,
	"real": true, "double": true, "decimal": true, "string": true, "dynamic": true,
	"datetime": true, "date": true, "timespan": true, "time": true, "guid": true, "uniqueid": true,
}

// typeRef parses a scalar type name or a tabular schema "(*)" / "(a:string, ...)".
func (p *parser) typeRef() *ast.TypeRef {
	start := p.tok().Span.Start
	if p.got(token.LParen) {
		p.enter()
		defer p.leave()
		t := &ast.TypeRef{Tabular: true}
		for !p.at(token.RParen) {
			if p.got(token.Star) {
				t.Star = true
			} else {
				t.Columns = append(t.Columns, p.columnDecl(false, true))
			}
			if !p.got(token.Comma) {
				break
			}
		}
		p.expect(token.RParen)
		t.Loc = p.loc(start)
		return t
	}
	tk := p.tok()
	if tk.Kind != token.Ident || !scalarTypes[tk.Text] {
		p.unexpected("a type name")
	}
	p.next()
	return &ast.TypeRef{Loc: p.loc(start), Name: tk.Text}
}

// name parses an identifier or a bracketed name ['...'].
func (p *parser) name() *ast.Ident {
	t := p.tok()
	switch t.Kind {
	case token.Ident:
		if t.Text[0] == '!' || t.Text == "in~" {
			p.unexpected("a name")
		}
		p.next()
		return &ast.Ident{Loc: ast.Loc{Range: t.Span}, Name: t.Text}
	case token.LBrack:
		if p.peek(1).Kind == token.String && p.peek(2).Kind == token.RBrack {
			return p.bracketName()
		}
	}
	p.unexpected("a name")
	return nil
}

// bracketName parses ['name'] or ["name"]; the current token is "[".
func (p *parser) bracketName() *ast.Ident {
	start := p.next().Span.Start
	s := p.next()
	v := p.unquote(s)
	p.expect(token.RBrack)
	return &ast.Ident{Loc: p.loc(start), Name: v, Bracketed: true}
}

// dottedName parses name(.name)* and returns it as text.
func (p *parser) dottedName() string {
	t := p.tok()
	if t.Kind != token.Ident {
		p.unexpected("a name")
	}
	p.next()
	s := t.Text
	for p.at(token.Dot) && p.peek(1).Kind == token.Ident {
		p.next()
		s += "." + p.next().Text
	}
	return s
}
