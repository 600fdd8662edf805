package condition

import (
	"fmt"
	"strings"
)

type tokKind int

const (
	tEOF tokKind = iota
	tIdent
	tLParen
	tRParen
	tPipe
)

type token struct {
	kind tokKind
	text string
	pos  Pos
	end  Pos
}

func isIdentByte(c byte) bool {
	return c == '_' || c == '*' || c == '-' || c == '.' || c == '?' ||
		(c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80
}

func lex(src string) ([]token, *Error) {
	var toks []token
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(':
			toks = append(toks, token{tLParen, "(", Pos(i), Pos(i + 1)})
			i++
		case c == ')':
			toks = append(toks, token{tRParen, ")", Pos(i), Pos(i + 1)})
			i++
		case c == '|':
			// Aggregations follow; the parser refuses them, so stop here.
			toks = append(toks, token{tPipe, "|", Pos(i), Pos(i + 1)})
			i = len(src)
		case isIdentByte(c):
			j := i
			for j < len(src) && isIdentByte(src[j]) {
				j++
			}
			toks = append(toks, token{tIdent, src[i:j], Pos(i), Pos(j)})
			i = j
		default:
			return nil, &Error{Pos: Pos(i), Msg: fmt.Sprintf("unexpected character %q", c)}
		}
	}
	end := Pos(len(src))
	if n := len(toks); n > 0 && toks[n-1].kind == tPipe {
		end = toks[n-1].end
	}
	toks = append(toks, token{kind: tEOF, pos: end, end: end})
	return toks, nil
}

type parser struct {
	toks  []token
	i     int
	depth int
}

// Parse parses a condition. It returns an [*Error] with the byte offset of
// the first problem. Aggregations ("| count() > 5", Sigma 1.0) are refused:
// use correlation rules instead.
func Parse(src string) (n Node, err error) {
	toks, lerr := lex(src)
	if lerr != nil {
		return nil, lerr
	}
	p := &parser{toks: toks}
	n, perr := p.expr()
	if perr != nil {
		return nil, perr
	}
	switch t := p.peek(); t.kind {
	case tEOF:
		return n, nil
	case tPipe:
		return nil, &Error{Pos: t.pos, Msg: "aggregation expressions are not supported; use a correlation rule"}
	default:
		return nil, &Error{Pos: t.pos, Msg: fmt.Sprintf("unexpected %q", t.text)}
	}
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func isKw(t token, kw string) bool { return t.kind == tIdent && strings.EqualFold(t.text, kw) }

func (p *parser) expr() (Node, *Error) {
	x, err := p.and()
	if err != nil {
		return nil, err
	}
	if !isKw(p.peek(), "or") {
		return x, nil
	}
	b := &Binary{Op: Or, X: []Node{x}}
	for isKw(p.peek(), "or") {
		p.next()
		y, err := p.and()
		if err != nil {
			return nil, err
		}
		b.X = append(b.X, y)
	}
	return b, nil
}

func (p *parser) and() (Node, *Error) {
	x, err := p.unary()
	if err != nil {
		return nil, err
	}
	if !isKw(p.peek(), "and") {
		return x, nil
	}
	b := &Binary{Op: And, X: []Node{x}}
	for isKw(p.peek(), "and") {
		p.next()
		y, err := p.unary()
		if err != nil {
			return nil, err
		}
		b.X = append(b.X, y)
	}
	return b, nil
}

func (p *parser) enter(pos Pos) *Error {
	p.depth++
	if p.depth > MaxDepth {
		return &Error{Pos: pos, Msg: fmt.Sprintf("nesting deeper than %d", MaxDepth)}
	}
	return nil
}

func (p *parser) unary() (Node, *Error) {
	t := p.peek()
	if isKw(t, "not") {
		p.next()
		if err := p.enter(t.pos); err != nil {
			return nil, err
		}
		x, err := p.unary()
		p.depth--
		if err != nil {
			return nil, err
		}
		return &Not{X: x, Start: t.pos}, nil
	}
	return p.primary()
}

func (p *parser) primary() (Node, *Error) {
	t := p.next()
	switch t.kind {
	case tLParen:
		if err := p.enter(t.pos); err != nil {
			return nil, err
		}
		x, err := p.expr()
		p.depth--
		if err != nil {
			return nil, err
		}
		if r := p.next(); r.kind != tRParen {
			return nil, &Error{Pos: r.pos, Msg: fmt.Sprintf("expected \")\" to close \"(\" at %d, found %s", t.pos+1, describe(r))}
		}
		return x, nil
	case tIdent:
		switch {
		case isKw(t, "and") || isKw(t, "or") || isKw(t, "of") || isKw(t, "them"):
			return nil, &Error{Pos: t.pos, Msg: fmt.Sprintf("unexpected keyword %q", t.text)}
		case t.text == "1" || isKw(t, "all") || isKw(t, "any"):
			if isKw(p.peek(), "of") {
				p.next()
				tg := p.next()
				if tg.kind != tIdent || isKw(tg, "and") || isKw(tg, "or") || isKw(tg, "not") || isKw(tg, "of") {
					return nil, &Error{Pos: tg.pos, Msg: fmt.Sprintf("expected a search pattern or \"them\" after \"of\", found %s", describe(tg))}
				}
				of := &Of{All: isKw(t, "all"), Pattern: tg.text, Start: t.pos, End: tg.end}
				if isKw(tg, "them") {
					of.Them, of.Pattern = true, "them"
				}
				return of, nil
			}
			if t.text != "1" {
				return nil, &Error{Pos: p.peek().pos, Msg: fmt.Sprintf("expected \"of\" after %q", t.text)}
			}
		}
		if isKw(p.peek(), "of") {
			return nil, &Error{Pos: t.pos, Msg: fmt.Sprintf("quantifier %q not supported; use \"1\" or \"all\"", t.text)}
		}
		return &Ident{Name: t.text, Start: t.pos, End: t.end}, nil
	default:
		return nil, &Error{Pos: t.pos, Msg: fmt.Sprintf("expected a search identifier, found %s", describe(t))}
	}
}

func describe(t token) string {
	if t.kind == tEOF {
		return "end of condition"
	}
	return fmt.Sprintf("%q", t.text)
}
