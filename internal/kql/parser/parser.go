// Package parser turns KQL text into an [ast.Query].
//
// The parser is recursive descent over the token slice produced by
// internal/kql/lexer. It never panics on input: it collects every error it
// can (up to [token.MaxErrors]), recovering at "|" and ";" boundaries, caps
// nesting depth at [MaxDepth], and converts an unexpected internal panic
// into a [token.CodeInternal] error, which tests and fuzzers treat as a
// bug.
package parser

import (
	"fmt"
	"strings"

	"github.com/vigilsec/vigil/internal/kql/ast"
	"github.com/vigilsec/vigil/internal/kql/lexer"
	"github.com/vigilsec/vigil/internal/kql/token"
)

// MaxDepth is the deepest nesting of expressions, pipelines and blocks the
// parser accepts before reporting [token.CodeTooDeep].
const MaxDepth = 200

// Parse parses src as a KQL query. It always returns a non-nil query,
// possibly partial; errs is nil when src is syntactically valid. Errors are
// sorted by position, capped at [token.MaxErrors] and carry line and column.
func Parse(src string) (q *ast.Query, errs token.ErrorList) {
	toks, lexErrs := lexer.Tokenize(src)
	p := &parser{src: src, toks: toks}
	p.errs = append(p.errs, lexErrs...)
	q = &ast.Query{}
	q.Range = token.Span{Start: 0, End: token.Pos(len(src))}
	func() {
		defer func() {
			if r := recover(); r != nil {
				switch r.(type) {
				case bailout, fatal:
					return
				}
				p.errs.Add(token.CodeInternal, p.tok().Span, fmt.Sprintf("internal parser error: %v", r))
			}
		}()
		q.Stmts = p.stmts(token.EOF)
	}()
	errs = p.errs.Sort()
	if len(errs) > token.MaxErrors {
		last := errs[token.MaxErrors-1]
		errs = append(errs[:token.MaxErrors-1:token.MaxErrors-1], &token.Error{
			Code:    token.CodeTooManyErrors,
			Message: fmt.Sprintf("too many errors (more than %d)", token.MaxErrors),
			Span:    last.Span,
		})
	}
	errs.Resolve(src)
	if len(errs) == 0 {
		errs = nil
	}
	return q, errs
}

// ParseExpr parses src as a single scalar expression (for example an
// automation-rule condition).
func ParseExpr(src string) (ast.Expr, token.ErrorList) {
	q, errs := Parse(src)
	if errs != nil {
		return nil, errs
	}
	if len(q.Stmts) != 1 {
		errs.Add(token.CodeParseError, q.Range, "expected a single expression")
		errs.Resolve(src)
		return nil, errs
	}
	s, ok := q.Stmts[0].(*ast.ExprStmt)
	if !ok {
		errs.Add(token.CodeParseError, q.Stmts[0].Span(), "expected an expression, found a statement")
		errs.Resolve(src)
		return nil, errs
	}
	return s.X, nil
}

// bailout is the panic value used to abandon the current statement or
// operator after an error; it is recovered at "|" and ";" boundaries.
type bailout struct{}

// fatal is the panic value that abandons the whole parse (depth limit).
type fatal struct{}

type parser struct {
	src    string
	toks   []token.Token
	pos    int
	depth  int
	errs   token.ErrorList
	detail string // Detail for the next error
}

func (p *parser) tok() token.Token { return p.toks[p.pos] }

// peek returns the token i positions ahead (EOF past the end).
func (p *parser) peek(i int) token.Token {
	if p.pos+i < len(p.toks) {
		return p.toks[p.pos+i]
	}
	return p.toks[len(p.toks)-1]
}

func (p *parser) next() token.Token {
	t := p.toks[p.pos]
	if p.pos < len(p.toks)-1 {
		p.pos++
	}
	return t
}

func (p *parser) at(k token.Kind) bool { return p.toks[p.pos].Kind == k }

// atWord reports whether the current token is the identifier w.
func (p *parser) atWord(w string) bool {
	t := p.toks[p.pos]
	return t.Kind == token.Ident && t.Text == w
}

// peekWord reports whether the token i ahead is the identifier w.
func (p *parser) peekWord(i int, w string) bool {
	t := p.peek(i)
	return t.Kind == token.Ident && t.Text == w
}

func (p *parser) got(k token.Kind) bool {
	if p.at(k) {
		p.next()
		return true
	}
	return false
}

func (p *parser) gotWord(w string) bool {
	if p.atWord(w) {
		p.next()
		return true
	}
	return false
}

// prevEnd returns the end of the last consumed token.
func (p *parser) prevEnd() token.Pos {
	if p.pos == 0 {
		return 0
	}
	return p.toks[p.pos-1].Span.End
}

// span returns the span from start to the end of the last consumed token.
func (p *parser) span(start token.Pos) token.Span {
	return token.Span{Start: start, End: max(p.prevEnd(), start)}
}

func (p *parser) loc(start token.Pos) ast.Loc { return ast.Loc{Range: p.span(start)} }

// fail records an error at the current token and abandons the current
// operator or statement.
func (p *parser) fail(format string, args ...any) {
	p.failAt(p.tok().Span, format, args...)
}

func (p *parser) failAt(span token.Span, format string, args ...any) {
	if p.tok().Kind == token.Illegal {
		// The lexer has already reported this token.
		panic(bailout{})
	}
	p.errs.Add(token.CodeParseError, span, fmt.Sprintf(format, args...))
	if p.detail != "" {
		p.errs[len(p.errs)-1].Detail = p.detail
		p.detail = ""
	}
	if len(p.errs) > token.MaxErrors {
		panic(fatal{})
	}
	panic(bailout{})
}

// unexpected fails with "expected what, found <current token>". When the
// current token is on a later line than the previous one (or is the end of
// the query), the error points just after the previous token, where the
// missing piece belongs, rather than at the start of an unrelated line;
// except after a ";", where the current token starts a new statement.
func (p *parser) unexpected(what string) {
	t := p.tok()
	span := t.Span
	if end := p.prevEnd(); p.pos > 0 && p.toks[p.pos-1].Kind != token.Semicolon &&
		(t.Kind == token.EOF || strings.Contains(p.src[end:t.Span.Start], "\n")) {
		span = token.Span{Start: end, End: end}
	}
	p.failAt(span, "expected %s, found %s", what, describe(t))
}

// extraneous fails because the current token cannot follow a complete
// statement or operator. A closing bracket is reported where it stands;
// anything else is reported like [parser.unexpected], as a missing "|" or
// ";" (or a missing comma before it).
func (p *parser) extraneous() {
	switch t := p.tok(); t.Kind {
	case token.RParen, token.RBrack, token.RBrace:
		p.failAt(t.Span, "unexpected %s", describe(t))
	}
	p.unexpected(`";" or "|"`)
}

func describe(t token.Token) string {
	switch t.Kind {
	case token.EOF:
		return "end of query"
	case token.Ident:
		return fmt.Sprintf("%q", t.Text)
	case token.String, token.Int, token.Real, token.Timespan:
		s := t.Text
		if len(s) > 30 {
			s = s[:27] + "..."
		}
		return fmt.Sprintf("%s %s", t.Kind, s)
	}
	return fmt.Sprintf("%q", t.Text)
}

func (p *parser) expect(k token.Kind) token.Token {
	if !p.at(k) {
		p.unexpected(fmt.Sprintf("%q", k.String()))
	}
	return p.next()
}

func (p *parser) expectWord(w string) token.Token {
	if !p.atWord(w) {
		p.unexpected(fmt.Sprintf("%q", w))
	}
	return p.next()
}

// enter increments the nesting depth; leave must be deferred.
func (p *parser) enter() {
	p.depth++
	if p.depth > MaxDepth {
		p.errs.Add(token.CodeTooDeep, p.tok().Span, fmt.Sprintf("query is nested too deeply (more than %d levels)", MaxDepth))
		panic(fatal{})
	}
}

func (p *parser) leave() { p.depth-- }

// skipTo skips tokens up to (not including) the first of stops found at
// bracket depth 0 relative to the current position, or EOF. Unbalanced
// closing brackets at depth 0 are skipped as well.
func (p *parser) skipTo(stops ...token.Kind) {
	depth := 0
	for !p.at(token.EOF) {
		k := p.tok().Kind
		if depth == 0 {
			for _, s := range stops {
				if k == s {
					return
				}
			}
		}
		switch k {
		case token.LParen, token.LBrack, token.LBrace:
			depth++
		case token.RParen, token.RBrack, token.RBrace:
			if depth > 0 {
				depth--
			}
		}
		p.next()
	}
}

// guard runs f and recovers a bailout, returning false when f failed.
// Fatal and internal panics propagate.
func (p *parser) guard(f func()) (ok bool) {
	depth := p.depth
	defer func() {
		if r := recover(); r != nil {
			if _, isBail := r.(bailout); !isBail {
				panic(r)
			}
			p.depth = depth
			ok = false
		}
	}()
	f()
	return true
}
