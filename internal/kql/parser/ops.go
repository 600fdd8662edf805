package parser

import (
	"fmt"
	"slices"
	"strings"

	"github.com/vigilsec/vigil/internal/kql/ast"
	"github.com/vigilsec/vigil/internal/kql/token"
	"github.com/vigilsec/vigil/internal/x/levenshtein"
)

// operator parses one tabular operator, starting at its keyword.
func (p *parser) operator() ast.Operator {
	p.enter()
	defer p.leave()
	t := p.tok()
	if t.Kind != token.Ident {
		p.unexpected("a tabular operator")
	}
	start := t.Span.Start
	kw := t.Text
	parse, ok := operators[kw]
	if !ok {
		if s := suggest(kw); s != "" {
			p.detail = fmt.Sprintf("did you mean %q?", s)
		}
		p.fail("unknown tabular operator %q", kw)
	}
	p.next()
	return parse(p, start, kw)
}

type opParser func(p *parser, start token.Pos, kw string) ast.Operator

var operators map[string]opParser

func init() {
	operators = map[string]opParser{
		"where": (*parser).filterOp, "filter": (*parser).filterOp,
		"extend":  (*parser).extendOp,
		"project": (*parser).projectOp, "project-away": (*parser).projectOp, "project-keep": (*parser).projectOp,
		"project-rename": (*parser).projectOp, "project-reorder": (*parser).projectOp,
		"summarize": (*parser).summarizeOp,
		"join":      (*parser).joinOp, "lookup": (*parser).joinOp,
		"union":    (*parser).unionOp,
		"distinct": (*parser).distinctOp,
		"sort":     (*parser).sortOp, "order": (*parser).sortOp,
		"top":         (*parser).topOp,
		"top-nested":  (*parser).topNestedOp,
		"top-hitters": (*parser).topHittersOp,
		"take":        (*parser).takeOp, "limit": (*parser).takeOp,
		"count":     (*parser).countOp,
		"mv-expand": (*parser).mvExpandOp, "mvexpand": (*parser).mvExpandOp,
		"mv-apply": (*parser).mvApplyOp, "mvapply": (*parser).mvApplyOp,
		"parse": (*parser).parseOp, "parse-where": (*parser).parseOp,
		"parse-kv":        (*parser).parseKVOp,
		"make-series":     (*parser).makeSeriesOp,
		"range":           func(p *parser, start token.Pos, _ string) ast.Operator { return p.rangeRest(start) },
		"datatable":       func(p *parser, start token.Pos, _ string) ast.Operator { return p.datatableRest(start) },
		"externaldata":    func(p *parser, start token.Pos, _ string) ast.Operator { return p.externalDataRest(start) },
		"print":           (*parser).printOp,
		"search":          (*parser).searchOp,
		"find":            (*parser).findOp,
		"evaluate":        (*parser).evaluateOp,
		"as":              (*parser).asOp,
		"serialize":       (*parser).serializeOp,
		"getschema":       func(p *parser, start token.Pos, _ string) ast.Operator { return &ast.GetSchemaOp{Loc: p.loc(start)} },
		"render":          (*parser).renderOp,
		"sample":          (*parser).sampleOp,
		"sample-distinct": (*parser).sampleDistinctOp,
		"invoke":          (*parser).invokeOp,
		"fork":            (*parser).forkOp,
		"facet":           (*parser).facetOp,
		"scan":            (*parser).scanOp,
		"consume":         (*parser).consumeOp,
		"reduce":          (*parser).reduceOp,
		"partition":       (*parser).partitionOp,
	}
}

// atOpEnd reports whether the current token ends an operator.
func (p *parser) atOpEnd() bool {
	switch p.tok().Kind {
	case token.Pipe, token.Semicolon, token.EOF, token.RParen, token.RBrace:
		return true
	}
	return false
}

// opParams parses name=value operator parameters whose name is one of
// names or starts with "hint.".
func (p *parser) opParams(names ...string) []*ast.OpParam {
	var out []*ast.OpParam
	for p.at(token.Ident) {
		t := p.tok()
		name, i := t.Text, 1
		for p.peek(i).Kind == token.Dot && p.peek(i+1).Kind == token.Ident {
			name += "." + p.peek(i+1).Text
			i += 2
		}
		if p.peek(i).Kind != token.Assign || !(strings.HasPrefix(name, "hint.") || slices.Contains(names, name)) {
			break
		}
		for range i + 1 {
			p.next()
		}
		v := p.paramValue()
		out = append(out, &ast.OpParam{Loc: p.loc(t.Span.Start), Name: name, Values: []ast.Expr{v}})
	}
	return out
}

// paramValue parses a parameter value: a name, a literal or a negated
// number.
func (p *parser) paramValue() ast.Expr {
	t := p.tok()
	switch t.Kind {
	case token.Ident:
		if !isPlainName(t.Text) {
			p.unexpected("a parameter value")
		}
		switch t.Text {
		case "true", "false", "True", "False", "TRUE", "FALSE":
			return p.primary()
		}
		p.next()
		return &ast.Ident{Loc: ast.Loc{Range: t.Span}, Name: t.Text}
	case token.Minus:
		p.next()
		x := p.primary()
		return &ast.Unary{Loc: p.loc(t.Span.Start), Op: "-", X: x}
	case token.LBrack:
		return p.name()
	}
	return p.primary()
}

// props parses "name = value[, value...]" properties separated by commas
// (render with, parse-kv with, reduce with, externaldata with).
func (p *parser) props() []*ast.OpParam {
	out := []*ast.OpParam{}
	for p.at(token.Ident) {
		start := p.tok().Span.Start
		name := p.dottedName()
		p.expect(token.Assign)
		pp := &ast.OpParam{Name: name, Values: []ast.Expr{p.expr()}}
		for p.at(token.Comma) && !(p.peek(1).Kind == token.Ident && p.peek(2).Kind == token.Assign) {
			p.next()
			pp.Values = append(pp.Values, p.expr())
		}
		pp.Loc = p.loc(start)
		out = append(out, pp)
		if !p.got(token.Comma) {
			break
		}
	}
	return out
}

func (p *parser) list(item func() ast.Expr) []ast.Expr {
	out := []ast.Expr{item()}
	for p.got(token.Comma) {
		out = append(out, item())
	}
	return out
}

// nameOrWildcard parses a column or table name that may contain "*"
// (Device*, *_CL), or else an expression.
func (p *parser) nameOrWildcard() ast.Expr {
	t := p.tok()
	if t.Kind == token.Ident || t.Kind == token.Star {
		end, i, star := t.Span.End, 1, t.Kind == token.Star
		for {
			n := p.peek(i)
			if n.Span.Start != end || (n.Kind != token.Ident && n.Kind != token.Star && n.Kind != token.Int) {
				break
			}
			star = star || n.Kind == token.Star
			end = n.Span.End
			i++
		}
		if star && (i > 1 || p.peek(1).Kind != token.LParen) {
			for range i {
				p.next()
			}
			return &ast.Wildcard{Loc: p.loc(t.Span.Start), Pattern: p.src[t.Span.Start:end]}
		}
	}
	return p.expr()
}

func (p *parser) nameList() []ast.Expr { return p.list(p.nameOrWildcard) }

func (p *parser) sortKey() *ast.SortKey {
	start := p.tok().Span.Start
	k := &ast.SortKey{X: p.expr()}
	if p.atWord("asc") || p.atWord("desc") {
		k.Dir = p.next().Text
	}
	if p.gotWord("nulls") {
		if !p.atWord("first") && !p.atWord("last") {
			p.unexpected(`"first" or "last"`)
		}
		k.Nulls = p.next().Text
	}
	k.Loc = p.loc(start)
	return k
}

func (p *parser) sortKeys() []*ast.SortKey {
	out := []*ast.SortKey{p.sortKey()}
	for p.got(token.Comma) {
		out = append(out, p.sortKey())
	}
	return out
}

func (p *parser) filterOp(start token.Pos, kw string) ast.Operator {
	pred := p.expr()
	return &ast.FilterOp{Loc: p.loc(start), Keyword: kw, Pred: pred}
}

func (p *parser) extendOp(start token.Pos, _ string) ast.Operator {
	xs := p.list(p.namedExpr)
	return &ast.ExtendOp{Loc: p.loc(start), Exprs: xs}
}

func (p *parser) projectOp(start token.Pos, kw string) ast.Operator {
	var item func() ast.Expr
	switch kw {
	case "project-away", "project-keep":
		item = p.nameOrWildcard
	case "project-reorder":
		item = func() ast.Expr {
			s := p.tok().Span.Start
			x := p.nameOrWildcard()
			if p.atWord("asc") || p.atWord("desc") {
				return &ast.SortKey{X: x, Dir: p.next().Text, Loc: p.loc(s)}
			}
			return x
		}
	default:
		item = p.namedExpr
	}
	xs := p.list(item)
	return &ast.ProjectOp{Loc: p.loc(start), Keyword: kw, Exprs: xs}
}

func (p *parser) summarizeOp(start token.Pos, _ string) ast.Operator {
	s := &ast.SummarizeOp{Params: p.opParams()}
	if !p.atWord("by") {
		s.Aggs = p.list(p.namedExpr)
	}
	if p.gotWord("by") {
		s.HasBy = true
		s.By = p.list(p.namedExpr)
	}
	s.Loc = p.loc(start)
	return s
}

func (p *parser) joinOp(start token.Pos, kw string) ast.Operator {
	j := &ast.JoinOp{Keyword: kw, Params: p.opParams("kind", "withsource")}
	j.Right = p.unary()
	if p.gotWord("on") {
		j.On = p.list(p.expr)
	}
	j.Loc = p.loc(start)
	return j
}

func (p *parser) distinctOp(start token.Pos, _ string) ast.Operator {
	d := &ast.DistinctOp{Params: p.opParams()}
	d.Exprs = p.list(p.namedExpr)
	d.Loc = p.loc(start)
	return d
}

func (p *parser) sortOp(start token.Pos, kw string) ast.Operator {
	s := &ast.SortOp{Keyword: kw, Params: p.opParams()}
	p.expectWord("by")
	s.Keys = p.sortKeys()
	s.Loc = p.loc(start)
	return s
}

func (p *parser) topOp(start token.Pos, _ string) ast.Operator {
	t := &ast.TopOp{Params: p.opParams()}
	t.N = p.expr()
	p.expectWord("by")
	t.Keys = p.sortKeys()
	t.Loc = p.loc(start)
	return t
}

func (p *parser) topNestedOp(start token.Pos, _ string) ast.Operator {
	op := &ast.TopNestedOp{}
	cs := start
	for {
		c := &ast.TopNestedClause{}
		if !p.atWord("of") {
			c.N = p.expr()
		}
		p.expectWord("of")
		c.Of = p.namedExpr()
		if p.gotWord("with") {
			p.expectWord("others")
			p.expect(token.Assign)
			c.Others = p.expr()
		}
		p.expectWord("by")
		c.By = p.namedExpr()
		if p.atWord("asc") || p.atWord("desc") {
			c.Dir = p.next().Text
		}
		c.Loc = p.loc(cs)
		op.Clauses = append(op.Clauses, c)
		if !(p.at(token.Comma) && p.peekWord(1, "top-nested")) {
			break
		}
		p.next()
		cs = p.next().Span.Start
	}
	op.Loc = p.loc(start)
	return op
}

func (p *parser) topHittersOp(start token.Pos, _ string) ast.Operator {
	t := &ast.TopHittersOp{N: p.expr()}
	p.expectWord("of")
	t.Of = p.expr()
	if p.gotWord("by") {
		t.By = p.expr()
	}
	t.Loc = p.loc(start)
	return t
}

func (p *parser) takeOp(start token.Pos, kw string) ast.Operator {
	n := p.expr()
	return &ast.TakeOp{Loc: p.loc(start), Keyword: kw, N: n}
}

func (p *parser) countOp(start token.Pos, _ string) ast.Operator {
	return &ast.CountOp{Loc: p.loc(start)}
}

// suggest returns the operator name closest to kw (at most two edits
// away), or "".
func suggest(kw string) string {
	best, bestD := "", 3
	for name := range operators {
		if d := editDistance(kw, name); d < bestD || d == bestD && name < best {
			best, bestD = name, d
		}
	}
	return best
}

// editDistance returns the Levenshtein distance between a and b.
func editDistance(a, b string) int { return levenshtein.Distance(a, b) }
