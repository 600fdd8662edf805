package parser

import (
	"slices"
	"strings"

	"github.com/vigilsec/vigil/internal/kql/ast"
	"github.com/vigilsec/vigil/internal/kql/lexer"
	"github.com/vigilsec/vigil/internal/kql/token"
)

// pipeExpr parses an expression optionally followed by "| operator"s.
// With recover set (statement level), an error inside one operator is
// recorded and parsing resumes at the next "|".
func (p *parser) pipeExpr(recover bool) ast.Expr {
	start := p.tok().Span.Start
	src := p.expr()
	if !p.at(token.Pipe) {
		return src
	}
	pl := &ast.Pipeline{Source: src}
	p.pipeOps(pl, recover)
	pl.Loc = p.loc(start)
	return pl
}

// pipeOps parses "| operator" repeatedly into pl.
func (p *parser) pipeOps(pl *ast.Pipeline, recover bool) {
	for p.got(token.Pipe) {
		if !recover {
			pl.Ops = append(pl.Ops, p.operator())
			continue
		}
		var op ast.Operator
		ok := p.guard(func() {
			op = p.operator()
			if !p.at(token.Pipe) && !p.at(token.Semicolon) && !p.at(token.EOF) && !p.at(token.RBrace) {
				p.extraneous()
			}
		})
		if ok {
			pl.Ops = append(pl.Ops, op)
		} else {
			p.skipTo(token.Pipe, token.Semicolon, token.RBrace)
		}
	}
}

// subPipe parses the body of mv-apply, fork, facet and partition: either a
// pipeline that starts with an operator (no source) or an ordinary
// tabular expression.
func (p *parser) subPipe() ast.Expr {
	t := p.tok()
	if t.Kind != token.Ident || !sourcelessOps[t.Text] {
		return p.pipeExpr(false)
	}
	p.enter()
	defer p.leave()
	start := t.Span.Start
	pl := &ast.Pipeline{Ops: []ast.Operator{p.operator()}}
	p.pipeOps(pl, false)
	pl.Loc = p.loc(start)
	return pl
}

// sourcelessOps are the operators that may start a sub-pipeline.
var sourcelessOps = map[string]bool{
	"where": true, "filter": true, "extend": true, "project": true, "project-away": true,
	"project-keep": true, "project-rename": true, "project-reorder": true, "summarize": true,
	"join": true, "lookup": true, "distinct": true, "sort": true, "order": true, "top": true,
	"top-nested": true, "top-hitters": true, "take": true, "limit": true, "count": true,
	"mv-expand": true, "mvexpand": true, "mv-apply": true, "parse": true, "parse-where": true,
	"parse-kv": true, "make-series": true, "as": true, "serialize": true, "getschema": true,
	"sample": true, "sample-distinct": true, "invoke": true, "scan": true, "reduce": true,
	"partition": true, "facet": true, "fork": true, "render": true, "consume": true,
}

// expr parses a scalar expression (or a source operator such as union).
// Every recursive path through the grammar passes through expr or another
// caller of enter, so the nesting depth is bounded by MaxDepth.
func (p *parser) expr() ast.Expr {
	p.enter()
	defer p.leave()
	return p.orExpr()
}

func (p *parser) binary(start token.Pos, op string, x, y ast.Expr) ast.Expr {
	return &ast.Binary{Loc: p.loc(start), Op: op, X: x, Y: y}
}

func (p *parser) orExpr() ast.Expr {
	start := p.tok().Span.Start
	x := p.andExpr()
	for p.gotWord("or") {
		x = p.binary(start, "or", x, p.andExpr())
	}
	return x
}

func (p *parser) andExpr() ast.Expr {
	start := p.tok().Span.Start
	x := p.relExpr()
	for p.gotWord("and") {
		x = p.binary(start, "and", x, p.relExpr())
	}
	return x
}

// stringOps are the binary string operators, including negations and old
// spellings.
var stringOps = map[string]bool{}

func init() {
	for _, op := range []string{"has", "has_cs", "hasprefix", "hasprefix_cs", "hassuffix", "hassuffix_cs",
		"contains", "contains_cs", "startswith", "startswith_cs", "endswith", "endswith_cs", "like"} {
		stringOps[op] = true
		stringOps["!"+op] = true
	}
	for _, op := range []string{"notlike", "likecs", "notlikecs", "containscs", "notcontains", "notcontainscs", "nothas"} {
		stringOps[op] = true
	}
}

// listOps take a parenthesised list on the right.
var listOps = map[string]bool{
	"in": true, "!in": true, "in~": true, "!in~": true,
	"has_any": true, "has_all": true, "!has_any": true, "!has_all": true,
}

var compareOps = map[token.Kind]bool{
	token.Eq: true, token.NotEq: true, token.LtGt: true, token.EqTilde: true, token.BangTilde: true,
	token.Lt: true, token.LtEq: true, token.Gt: true, token.GtEq: true,
	token.Assign: true, // a legacy spelling of == that the official parser accepts
}

func (p *parser) relExpr() ast.Expr {
	start := p.tok().Span.Start
	x := p.addExpr()
	for {
		t := p.tok()
		switch {
		case compareOps[t.Kind]:
			p.next()
			x = p.binary(start, t.Text, x, p.addExpr())
		case t.Kind != token.Ident:
			return x
		case stringOps[t.Text]:
			p.next()
			x = p.binary(start, t.Text, x, p.addExpr())
		case (t.Text == "matches" || t.Text == "!matches") && p.peekWord(1, "regex"):
			p.next()
			p.next()
			x = p.binary(start, t.Text+" regex", x, p.addExpr())
		case listOps[t.Text]:
			p.next()
			in := &ast.InExpr{X: x, Op: t.Text}
			if p.got(token.LParen) {
				in.Parens = true
				for {
					in.List = append(in.List, p.pipeExpr(false))
					if !p.got(token.Comma) {
						break
					}
				}
				p.expect(token.RParen)
			} else {
				in.List = []ast.Expr{p.unary()}
			}
			in.Loc = p.loc(start)
			x = in
		case t.Text == "between" || t.Text == "!between":
			p.next()
			b := &ast.BetweenExpr{X: x, Not: t.Text[0] == '!'}
			p.expect(token.LParen)
			b.Low = p.addExpr()
			p.expect(token.DotDot)
			b.High = p.addExpr()
			p.expect(token.RParen)
			b.Loc = p.loc(start)
			x = b
		default:
			return x
		}
	}
}

func (p *parser) addExpr() ast.Expr {
	start := p.tok().Span.Start
	x := p.mulExpr()
	for p.at(token.Plus) || p.at(token.Minus) {
		op := p.next().Text
		x = p.binary(start, op, x, p.mulExpr())
	}
	return x
}

func (p *parser) mulExpr() ast.Expr {
	start := p.tok().Span.Start
	x := p.unary()
	for p.at(token.Star) || p.at(token.Slash) || p.at(token.Percent) {
		op := p.next().Text
		x = p.binary(start, op, x, p.unary())
	}
	return x
}

func (p *parser) unary() ast.Expr {
	if p.at(token.Minus) || p.at(token.Plus) {
		p.enter()
		defer p.leave()
		t := p.next()
		x := p.unary()
		return &ast.Unary{Loc: p.loc(t.Span.Start), Op: t.Text, X: x}
	}
	return p.postfix(p.primary())
}

func (p *parser) postfix(x ast.Expr) ast.Expr {
	start := x.Span().Start
	for {
		switch p.tok().Kind {
		case token.LParen:
			switch f := x.(type) {
			case *ast.Ident:
				if f.Bracketed {
					return x
				}
			case *ast.Member:
			default:
				return x
			}
			x = p.call(start, x)
		case token.Dot:
			p.next()
			var name *ast.Ident
			if p.at(token.LBrack) && p.peek(1).Kind == token.String && p.peek(2).Kind == token.RBrack {
				name = p.name()
			} else if p.at(token.LBrack) {
				// x.[0] is x[0].
				p.next()
				idx := p.expr()
				p.expect(token.RBrack)
				x = &ast.Index{Loc: p.loc(start), X: x, Index: idx}
				continue
			} else {
				t := p.tok()
				if t.Kind != token.Ident || t.Text[0] == '!' {
					p.unexpected("a name after \".\"")
				}
				p.next()
				name = &ast.Ident{Loc: ast.Loc{Range: t.Span}, Name: t.Text}
			}
			x = &ast.Member{Loc: p.loc(start), X: x, Name: name}
		case token.LBrack:
			p.next()
			idx := p.expr()
			p.expect(token.RBrack)
			x = &ast.Index{Loc: p.loc(start), X: x, Index: idx}
		default:
			return x
		}
	}
}

// call parses "(args)" after the function expression fn.
func (p *parser) call(start token.Pos, fn ast.Expr) ast.Expr {
	p.expect(token.LParen)
	c := &ast.Call{Func: fn}
	if !p.at(token.RParen) {
		for {
			c.Args = append(c.Args, p.argExpr())
			if !p.got(token.Comma) {
				break
			}
		}
	}
	p.expect(token.RParen)
	c.Loc = p.loc(start)
	return c
}

// argExpr parses a call argument: name = value, or a (possibly tabular)
// expression.
func (p *parser) argExpr() ast.Expr {
	if a := p.tryAssign(); a != nil {
		return a
	}
	return p.pipeExpr(false)
}

// namedExpr parses an expression that may be named: x = e, ['x'] = e or
// (a, b) = e.
func (p *parser) namedExpr() ast.Expr {
	if a := p.tryAssign(); a != nil {
		return a
	}
	return p.expr()
}

// tryAssign parses an assignment when one starts here, else returns nil
// without consuming anything.
func (p *parser) tryAssign() ast.Expr {
	start := p.tok().Span.Start
	t := p.tok()
	switch {
	case t.Kind == token.Ident && isPlainName(t.Text) && p.peek(1).Kind == token.Assign,
		t.Kind == token.LBrack && p.peek(1).Kind == token.String && p.peek(2).Kind == token.RBrack && p.peek(3).Kind == token.Assign:
		name := p.name()
		p.expect(token.Assign)
		v := p.expr()
		return &ast.Assign{Loc: p.loc(start), Names: []*ast.Ident{name}, Value: v}
	case t.Kind == token.LParen:
		i := 1
		for {
			if n := p.peek(i); n.Kind != token.Ident || !isPlainName(n.Text) {
				return nil
			}
			i++
			if p.peek(i).Kind == token.Comma {
				i++
				continue
			}
			if p.peek(i).Kind == token.RParen && p.peek(i+1).Kind == token.Assign {
				break
			}
			return nil
		}
		p.next()
		a := &ast.Assign{Tuple: true}
		for {
			a.Names = append(a.Names, p.name())
			if !p.got(token.Comma) {
				break
			}
		}
		p.expect(token.RParen)
		p.expect(token.Assign)
		a.Value = p.expr()
		a.Loc = p.loc(start)
		return a
	}
	return nil
}

func isPlainName(s string) bool {
	return s != "" && s[0] != '!' && s != "in~" && !strings.Contains(s, "-")
}

// typeOnly lists type names that are not expressions on their own (only
// as typed literals such as int(null) or in typeof()).
var typeOnly = map[string]bool{
	"bool": true, "boolean": true, "int": true, "long": true, "real": true, "double": true,
	"decimal": true, "string": true, "dynamic": true, "datetime": true, "timespan": true,
}

func (p *parser) primary() ast.Expr {
	t := p.tok()
	start := t.Span.Start
	switch t.Kind {
	case token.Ident:
		return p.identPrimary(t)
	case token.Int:
		p.next()
		return &ast.Literal{Loc: p.loc(start), Kind: ast.LitInt, Raw: t.Text, Value: t.Text}
	case token.Real:
		p.next()
		return &ast.Literal{Loc: p.loc(start), Kind: ast.LitReal, Raw: t.Text, Value: t.Text}
	case token.Timespan, token.TimespanLit:
		p.next()
		return &ast.Literal{Loc: p.loc(start), Kind: ast.LitTimespan, Raw: t.Text, Value: t.Text}
	case token.Datetime:
		p.next()
		return &ast.Literal{Loc: p.loc(start), Kind: ast.LitDatetime, Raw: t.Text, Value: t.Text}
	case token.Guid:
		p.next()
		return &ast.Literal{Loc: p.loc(start), Kind: ast.LitGuid, Raw: t.Text, Value: t.Text}
	case token.String:
		return p.stringLit()
	case token.LBrack:
		if p.peek(1).Kind == token.String && p.peek(2).Kind == token.RBrack {
			return p.bracketName()
		}
	case token.LParen:
		p.next()
		x := p.pipeExpr(false)
		p.expect(token.RParen)
		return &ast.Paren{Loc: p.loc(start), X: x}
	case token.Star:
		p.next()
		return &ast.Star{Loc: p.loc(start)}
	}
	p.unexpected("an expression")
	return nil
}

func (p *parser) identPrimary(t token.Token) ast.Expr {
	start := t.Span.Start
	next := p.peek(1)
	switch t.Text {
	case "true", "false", "True", "False", "TRUE", "FALSE":
		p.next()
		return &ast.Literal{Loc: p.loc(start), Kind: ast.LitBool, Raw: t.Text, Value: strings.ToLower(t.Text)}
	case "dynamic":
		if next.Kind == token.LParen {
			p.next()
			p.next()
			v := p.dynValue()
			p.expect(token.RParen)
			return &ast.Dynamic{Loc: p.loc(start), Value: v}
		}
	case "typeof":
		if next.Kind == token.LParen {
			p.next()
			p.next()
			ty := p.typeRef()
			p.expect(token.RParen)
			return &ast.Typeof{Loc: p.loc(start), Type: ty}
		}
	case "datatable":
		if next.Kind == token.LParen {
			return p.datatable()
		}
	case "externaldata":
		if next.Kind == token.LParen {
			return p.externalData()
		}
	case "range":
		if next.Kind == token.Ident && p.peekWord(2, "from") {
			return p.rangeOp()
		}
	case "union", "print", "search", "find", "evaluate":
		switch next.Kind {
		case token.Comma, token.RParen, token.Assign, token.Dot, token.Semicolon, token.EOF, token.Pipe:
		default:
			return p.operator().(ast.Expr)
		}
	}
	if strings.Contains(t.Text, "-") && t.Text[0] != '!' {
		// The lexer joins hyphenated operator names (mv-expand); in an
		// expression they are a subtraction of two columns.
		return p.splitHyphenated(t)
	}
	if !isPlainName(t.Text) {
		p.unexpected("an expression")
	}
	if typeOnly[t.Text] && next.Kind != token.LParen {
		p.fail("unexpected type name %q in expression", t.Text)
	}
	p.next()
	return &ast.Ident{Loc: ast.Loc{Range: t.Span}, Name: t.Text}
}

// stringLit parses one or more adjacent string literals, which KQL
// concatenates.
func (p *parser) stringLit() *ast.Literal {
	start := p.tok().Span.Start
	var raw, val strings.Builder
	for i := 0; p.at(token.String); i++ {
		t := p.next()
		if i > 0 {
			raw.WriteByte(' ')
		}
		raw.WriteString(t.Text)
		val.WriteString(p.unquote(t))
	}
	return &ast.Literal{Loc: p.loc(start), Kind: ast.LitString, Raw: raw.String(), Value: val.String()}
}

func (p *parser) unquote(t token.Token) string {
	v, err := lexer.Unquote(t.Text)
	if err != nil {
		p.errs.Add(token.CodeLexError, t.Span, err.Error())
	}
	return v
}

// dynValue parses the JSON-like content of dynamic(...).
func (p *parser) dynValue() ast.Expr {
	p.enter()
	defer p.leave()
	start := p.tok().Span.Start
	switch p.tok().Kind {
	case token.LBrack:
		p.next()
		a := &ast.ArrayLit{}
		if !p.at(token.RBrack) {
			for {
				a.Elems = append(a.Elems, p.dynValue())
				if !p.got(token.Comma) {
					break
				}
			}
		}
		p.expect(token.RBrack)
		a.Loc = p.loc(start)
		return a
	case token.LBrace:
		p.next()
		b := &ast.BagLit{}
		if !p.at(token.RBrace) {
			for {
				es := p.tok().Span.Start
				if !p.at(token.String) {
					p.unexpected("a string property name")
				}
				e := &ast.BagEntry{Key: p.stringLit()}
				p.expect(token.Colon)
				e.Value = p.dynValue()
				e.Loc = p.loc(es)
				b.Entries = append(b.Entries, e)
				if !p.got(token.Comma) {
					break
				}
			}
		}
		p.expect(token.RBrace)
		b.Loc = p.loc(start)
		return b
	}
	return p.unary()
}

// splitHyphenated handles a hyphenated identifier token t (such as
// mv-expand) where an expression is expected: there it is a subtraction,
// so the token is replaced by its parts (mv, -, expand) and the first part
// is returned; the enclosing binary-operator loops parse the rest with the
// usual precedence.
func (p *parser) splitHyphenated(t token.Token) ast.Expr {
	var parts []token.Token
	off := t.Span.Start
	for i, word := range strings.Split(t.Text, "-") {
		if i > 0 {
			parts = append(parts, token.Token{Kind: token.Minus, Span: token.Span{Start: off, End: off + 1}, Text: "-"})
			off++
		}
		end := off + token.Pos(len(word))
		parts = append(parts, token.Token{Kind: token.Ident, Span: token.Span{Start: off, End: end}, Text: word})
		off = end
	}
	p.toks = slices.Concat(p.toks[:p.pos], parts, p.toks[p.pos+1:])
	first := p.next()
	return &ast.Ident{Loc: ast.Loc{Range: first.Span}, Name: first.Text}
}
