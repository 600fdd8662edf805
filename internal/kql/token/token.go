// Package token defines the lexical tokens of the Kusto Query Language (KQL),
// source positions and spans, and the diagnostic type shared by the lexer,
// parser and later compiler stages.
//
// Positions are byte offsets into the query text; line and column are
// computed only when a diagnostic is rendered (see [Position]).
package token

import "strconv"

// Kind is the lexical class of a [Token].
type Kind uint8

// The token kinds. Keywords are not separate kinds: KQL keywords are
// contextual, so they are scanned as [Ident] and recognised by the parser.
const (
	Illegal     Kind = iota // a character or literal the lexer could not scan
	EOF                     // end of input
	Ident                   // name, keyword, $left, hyphenated keyword (mv-expand), negated operator (!has, in~)
	Int                     // 42, 0x2A
	Real                    // 1.5, 1e3
	Timespan                // 1d, 30m, 1.5h, 100ms
	String                  // '...', "...", @'...', ```...```, h'...'
	Datetime                // datetime(...) or date(...) with its raw content
	TimespanLit             // timespan(...) or time(...) with its raw content
	Guid                    // guid(...) with its raw content

	LParen    // (
	RParen    // )
	LBrack    // [
	RBrack    // ]
	LBrace    // {
	RBrace    // }
	Comma     // ,
	Semicolon // ;
	Colon     // :
	Dot       // .
	DotDot    // ..
	Pipe      // |
	Assign    // =
	Eq        // ==
	NotEq     // !=
	LtGt      // <>
	EqTilde   // =~
	BangTilde // !~
	Lt        // <
	LtEq      // <=
	Gt        // >
	GtEq      // >=
	Arrow     // =>
	Plus      // +
	Minus     // -
	Star      // *
	Slash     // /
	Percent   // %
	Bang      // !
	Question  // ?
)

var kindNames = [...]string{
	Illegal:     "illegal token",
	EOF:         "end of query",
	Ident:       "identifier",
	Int:         "integer literal",
	Real:        "real literal",
	Timespan:    "timespan literal",
	String:      "string literal",
	Datetime:    "datetime literal",
	TimespanLit: "timespan literal",
	Guid:        "guid literal",
	LParen:      "(",
	RParen:      ")",
	LBrack:      "[",
	RBrack:      "]",
	LBrace:      "{",
	RBrace:      "}",
	Comma:       ",",
	Semicolon:   ";",
	Colon:       ":",
	Dot:         ".",
	DotDot:      "..",
	Pipe:        "|",
	Assign:      "=",
	Eq:          "==",
	NotEq:       "!=",
	LtGt:        "<>",
	EqTilde:     "=~",
	BangTilde:   "!~",
	Lt:          "<",
	LtEq:        "<=",
	Gt:          ">",
	GtEq:        ">=",
	Arrow:       "=>",
	Plus:        "+",
	Minus:       "-",
	Star:        "*",
	Slash:       "/",
	Percent:     "%",
	Bang:        "!",
	Question:    "?",
}

// String returns the operator text for punctuation kinds and a description
// for the others.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "token(" + strconv.Itoa(int(k)) + ")"
}

// Pos is a byte offset into the query text, starting at 0.
type Pos int

// Span is the half-open byte range [Start, End) of a token or syntax node.
type Span struct {
	Start Pos `json:"start"`
	End   Pos `json:"end"`
}

// Len returns the number of bytes the span covers.
func (s Span) Len() int { return int(s.End - s.Start) }

// Join returns the smallest span covering both s and o.
func (s Span) Join(o Span) Span {
	return Span{Start: min(s.Start, o.Start), End: max(s.End, o.End)}
}

// Token is one lexical token: its kind, where it is, and its raw text.
type Token struct {
	Kind Kind
	Span Span
	Text string // the exact source text of the token
}

// String returns the raw text of the token, or its kind for EOF.
func (t Token) String() string {
	if t.Kind == EOF {
		return t.Kind.String()
	}
	return t.Text
}

// Position converts the byte offset off of src into a 1-based line and a
// 1-based column. Columns count Unicode code points (runes), not bytes, so
// they match what an editor shows; a tab counts as one column. Offsets
// beyond the end of src are clamped to len(src).
func Position(src string, off Pos) (line, col int) {
	o := min(max(int(off), 0), len(src))
	line, col = 1, 1
	for _, r := range src[:o] {
		if r == '\n' {
			line++
			col = 1
			continue
		}
		col++
	}
	return line, col
}

// LineAt returns the text of the line holding the byte offset off (without
// its line terminator) and the byte offset at which that line starts.
func LineAt(src string, off Pos) (text string, start Pos) {
	o := min(max(int(off), 0), len(src))
	s := o
	for s > 0 && src[s-1] != '\n' {
		s--
	}
	e := o
	for e < len(src) && src[e] != '\n' {
		e++
	}
	text = src[s:e]
	if len(text) > 0 && text[len(text)-1] == '\r' {
		text = text[:len(text)-1]
	}
	return text, Pos(s)
}
