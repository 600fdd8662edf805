// Package lexer turns KQL source text into [token.Token]s.
//
// The scanner is hand-written, works on bytes, and never panics: malformed
// input becomes a [token.Illegal] token plus a [token.Error] with code
// [token.CodeLexError]. Keywords are contextual in KQL, so they are scanned
// as identifiers; the lexer only joins the spellings that cannot be split
// later: hyphenated operator names (mv-expand, project-away, ...), negated
// string operators (!has, !contains, !in~, ...) and in~.
package lexer

import (
	"fmt"
	"unicode"
	"unicode/utf8"

	"github.com/vigilsec/vigil/internal/kql/token"
)

// Lexer scans one query. Create it with [New] and call [Lexer.Next] until it
// returns a token of kind [token.EOF]; EOF is then returned forever.
type Lexer struct {
	src  string
	off  int
	errs token.ErrorList
}

// New returns a Lexer over src.
func New(src string) *Lexer {
	l := &Lexer{src: src}
	if len(src) >= 3 && src[:3] == "\ufeff" {
		l.off = 3 // byte order mark
	}
	return l
}

// Tokenize scans all of src and returns its tokens, ending with EOF, and
// the lexical errors found.
func Tokenize(src string) ([]token.Token, token.ErrorList) {
	l := New(src)
	toks := make([]token.Token, 0, len(src)/4+1)
	for {
		t := l.Next()
		toks = append(toks, t)
		if t.Kind == token.EOF {
			return toks, l.errs
		}
	}
}

// Errors returns the lexical errors found so far, in source order. At most
// [token.MaxErrors]+1 errors are kept.
func (l *Lexer) Errors() token.ErrorList { return l.errs }

func (l *Lexer) errorf(start, end int, format string, args ...any) {
	if len(l.errs) > token.MaxErrors {
		return // the parser caps the list anyway; don't grow it without bound
	}
	l.errs.Add(token.CodeLexError, token.Span{Start: token.Pos(start), End: token.Pos(end)}, fmt.Sprintf(format, args...))
}

func (l *Lexer) peek(i int) byte {
	if l.off+i < len(l.src) {
		return l.src[l.off+i]
	}
	return 0
}

func (l *Lexer) tok(k token.Kind, start int) token.Token {
	return token.Token{Kind: k, Span: token.Span{Start: token.Pos(start), End: token.Pos(l.off)}, Text: l.src[start:l.off]}
}

// skipSpace skips white space and // comments.
func (l *Lexer) skipSpace() {
	for l.off < len(l.src) {
		c := l.src[l.off]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			l.off++
		case c == '/' && l.peek(1) == '/':
			for l.off < len(l.src) && l.src[l.off] != '\n' {
				l.off++
			}
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRuneInString(l.src[l.off:])
			if !unicode.IsSpace(r) && r != '\ufeff' && r != '\u200b' {
				return
			}
			l.off += n
		default:
			return
		}
	}
}

// Next returns the next token.
func (l *Lexer) Next() token.Token {
	l.skipSpace()
	start := l.off
	if l.off >= len(l.src) {
		return token.Token{Kind: token.EOF, Span: token.Span{Start: token.Pos(l.off), End: token.Pos(l.off)}}
	}
	c := l.src[l.off]
	switch {
	case isDigit(c):
		return l.number()
	case (c == 'h' || c == 'H') && (l.peek(1) == '\'' || l.peek(1) == '"' || (l.peek(1) == '@' && isQuote(l.peek(2)))):
		l.off++
		return l.str(start)
	case c == '@' && isQuote(l.peek(1)):
		return l.str(start)
	case c == '\'' || c == '"':
		return l.str(start)
	case c == '`' && l.peek(1) == '`' && l.peek(2) == '`':
		return l.str(start)
	case isIdentStart(c) || c >= utf8.RuneSelf && l.identRune():
		return l.ident()
	}
	l.off++
	k := token.Illegal
	two := func(next byte, k2, k1 token.Kind) token.Kind {
		if l.peek(0) == next {
			l.off++
			return k2
		}
		return k1
	}
	switch c {
	case '(':
		k = token.LParen
	case ')':
		k = token.RParen
	case '[':
		k = token.LBrack
	case ']':
		k = token.RBrack
	case '{':
		k = token.LBrace
	case '}':
		k = token.RBrace
	case ',':
		k = token.Comma
	case ';':
		k = token.Semicolon
	case ':':
		k = token.Colon
	case '.':
		k = two('.', token.DotDot, token.Dot)
	case '|':
		k = token.Pipe
	case '+':
		k = token.Plus
	case '-':
		k = token.Minus
	case '*':
		k = token.Star
	case '/':
		k = token.Slash
	case '%':
		k = token.Percent
	case '?':
		k = token.Question
	case '=':
		switch l.peek(0) {
		case '=':
			l.off++
			k = token.Eq
		case '~':
			l.off++
			k = token.EqTilde
		case '>':
			l.off++
			k = token.Arrow
		default:
			k = token.Assign
		}
	case '<':
		switch l.peek(0) {
		case '=':
			l.off++
			k = token.LtEq
		case '>':
			l.off++
			k = token.LtGt
		default:
			k = token.Lt
		}
	case '>':
		k = two('=', token.GtEq, token.Gt)
	case '!':
		switch l.peek(0) {
		case '=':
			l.off++
			k = token.NotEq
		case '~':
			l.off++
			k = token.BangTilde
		default:
			if t, ok := l.negated(start); ok {
				return t
			}
			k = token.Bang
		}
	}
	if k == token.Illegal {
		// Consume a whole rune so the error names the real character.
		_, n := utf8.DecodeRuneInString(l.src[start:])
		l.off = start + n
		l.errorf(start, l.off, "unexpected character %q", l.src[start:l.off])
	}
	return l.tok(k, start)
}

// negated scans "!word" for the negatable string operators; l.off is just
// after the "!".
func (l *Lexer) negated(start int) (token.Token, bool) {
	end := l.off
	for end < len(l.src) && isIdentByte(l.src[end]) {
		end++
	}
	word := l.src[l.off:end]
	if !negatable[word] {
		return token.Token{}, false
	}
	l.off = end
	if word == "in" && l.peek(0) == '~' {
		l.off++
	}
	return l.tok(token.Ident, start), true
}

var negatable = map[string]bool{
	"has": true, "has_cs": true, "hasprefix": true, "hasprefix_cs": true,
	"hassuffix": true, "hassuffix_cs": true, "contains": true, "contains_cs": true,
	"startswith": true, "startswith_cs": true, "endswith": true, "endswith_cs": true,
	"in": true, "between": true, "has_any": true, "has_all": true,
	"matches": true, "like": true,
}

// hyphenated lists the operator names spelled with a hyphen; they are
// scanned as one identifier, so "project-away" is never "project - away".
var hyphenated = map[string]bool{
	"project-away": true, "project-keep": true, "project-rename": true,
	"project-reorder": true, "project-smart": true, "mv-expand": true,
	"mv-apply": true, "parse-kv": true, "parse-where": true,
	"make-series": true, "top-nested": true, "top-hitters": true,
	"sample-distinct": true, "make-graph": true, "graph-match": true,
	"graph-merge": true, "graph-to-table": true, "graph-shortest-paths": true,
	"assert-schema": true, "execute-and-cache": true,
}

// rawLiterals maps the names whose parenthesised argument is scanned as raw
// text, because it is not made of KQL tokens (datetime(2024-01-01 10:00)).
var rawLiterals = map[string]token.Kind{
	"datetime": token.Datetime, "date": token.Datetime,
	"timespan": token.TimespanLit, "time": token.TimespanLit,
	"guid": token.Guid, "uniqueid": token.Guid,
}

func (l *Lexer) ident() token.Token {
	start := l.off
	if l.src[l.off] == '$' {
		l.off++
	}
	l.scanIdentRest()
	word := l.src[start:l.off]
	// Hyphenated operator names: join word-word(-word) when the result is known.
	for l.peek(0) == '-' && isIdentStart(l.peek(1)) {
		save := l.off
		l.off++
		l.scanIdentRest()
		if hyphenated[l.src[start:l.off]] {
			word = l.src[start:l.off]
			continue
		}
		if prefixOfHyphenated(l.src[start:l.off]) {
			continue
		}
		l.off = save
		break
	}
	// Trim back to the longest known hyphenated word (or the first word).
	if l.src[start:l.off] != word {
		l.off = start + len(word)
	}
	if word == "in" && l.peek(0) == '~' {
		l.off++
		return l.tok(token.Ident, start)
	}
	if k, ok := rawLiterals[word]; ok {
		j := l.off
		for j < len(l.src) && (l.src[j] == ' ' || l.src[j] == '\t') {
			j++
		}
		if j < len(l.src) && l.src[j] == '(' {
			for j < len(l.src) && l.src[j] != ')' && l.src[j] != '\n' {
				j++
			}
			if j >= len(l.src) || l.src[j] != ')' {
				l.off = j
				l.errorf(start, l.off, "unterminated %s literal", word)
				return l.tok(token.Illegal, start)
			}
			l.off = j + 1
			return l.tok(k, start)
		}
	}
	return l.tok(token.Ident, start)
}

func prefixOfHyphenated(s string) bool {
	for h := range hyphenated {
		if len(h) > len(s) && h[:len(s)] == s && h[len(s)] == '-' {
			return true
		}
	}
	return false
}

func (l *Lexer) scanIdentRest() {
	for l.off < len(l.src) {
		c := l.src[l.off]
		if isIdentByte(c) {
			l.off++
			continue
		}
		if c >= utf8.RuneSelf && l.identRune() {
			_, n := utf8.DecodeRuneInString(l.src[l.off:])
			l.off += n
			continue
		}
		return
	}
}

// identRune reports whether the rune at l.off is a non-ASCII letter.
func (l *Lexer) identRune() bool {
	r, _ := utf8.DecodeRuneInString(l.src[l.off:])
	return unicode.IsLetter(r)
}

func (l *Lexer) number() token.Token {
	start := l.off
	if l.src[l.off] == '0' && (l.peek(1) == 'x' || l.peek(1) == 'X') && isHex(l.peek(2)) {
		l.off += 2
		for isHex(l.peek(0)) {
			l.off++
		}
		return l.tok(token.Int, start)
	}
	kind := token.Int
	for isDigit(l.peek(0)) {
		l.off++
	}
	if l.peek(0) == '.' && l.peek(1) != '.' {
		kind = token.Real
		l.off++
		for isDigit(l.peek(0)) {
			l.off++
		}
	}
	if c := l.peek(0); c == 'e' || c == 'E' {
		j := 1
		if s := l.peek(1); s == '+' || s == '-' {
			j = 2
		}
		if isDigit(l.peek(j)) {
			kind = token.Real
			l.off += j
			for isDigit(l.peek(0)) {
				l.off++
			}
		}
	}
	if isIdentStart(l.peek(0)) {
		ustart := l.off
		for isIdentByte(l.peek(0)) {
			l.off++
		}
		if !timespanUnits[l.src[ustart:l.off]] {
			if kind == token.Int {
				// Names may start with digits (5MinuteBin).
				l.scanIdentRest()
				return l.tok(token.Ident, start)
			}
			l.errorf(start, l.off, "invalid number or timespan %q", l.src[start:l.off])
			return l.tok(token.Illegal, start)
		}
		kind = token.Timespan
	}
	return l.tok(kind, start)
}

var timespanUnits = map[string]bool{
	"d": true, "day": true, "days": true,
	"h": true, "hr": true, "hrs": true, "hour": true, "hours": true,
	"m": true, "min": true, "minute": true, "minutes": true,
	"s": true, "sec": true, "second": true, "seconds": true,
	"ms": true, "milli": true, "millis": true, "millisecond": true, "milliseconds": true,
	"microsecond": true, "microseconds": true, "micros": true,
	"nanosecond": true, "nanoseconds": true,
	"tick": true, "ticks": true,
}

// str scans a string literal starting at l.off; start includes any h/H
// prefix already consumed.
func (l *Lexer) str(start int) token.Token {
	if l.src[l.off] == '`' {
		l.off += 3
		for l.off+2 < len(l.src) {
			if l.src[l.off] == '`' && l.src[l.off+1] == '`' && l.src[l.off+2] == '`' {
				l.off += 3
				return l.tok(token.String, start)
			}
			l.off++
		}
		l.off = len(l.src)
		l.errorf(start, l.off, "unterminated multi-line string literal")
		return l.tok(token.Illegal, start)
	}
	verbatim := false
	if l.src[l.off] == '@' {
		verbatim = true
		l.off++
	}
	q := l.src[l.off]
	l.off++
	bad := false
	for l.off < len(l.src) {
		c := l.src[l.off]
		switch {
		case c == '\n':
			l.errorf(start, l.off, "unterminated string literal")
			return l.tok(token.Illegal, start)
		case c == '\\' && !verbatim:
			if n := escapeLen(l.src[l.off:]); n > 0 {
				l.off += n
				continue
			}
			_, n := utf8.DecodeRuneInString(l.src[l.off+1:])
			l.errorf(l.off, l.off+1+n, "invalid escape sequence %s in string literal", l.src[l.off:l.off+1+n])
			l.off += 1 + n
			bad = true
			continue
		case c == q:
			l.off++
			if verbatim && l.peek(0) == q {
				l.off++
				continue
			}
			if bad {
				return l.tok(token.Illegal, start)
			}
			return l.tok(token.String, start)
		}
		l.off++
	}
	l.off = min(l.off, len(l.src))
	l.errorf(start, l.off, "unterminated string literal")
	return l.tok(token.Illegal, start)
}

func isQuote(c byte) bool { return c == '\'' || c == '"' }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isHex(c byte) bool   { return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }
func isIdentStart(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' || c == '$'
}
func isIdentByte(c byte) bool { return isIdentStart(c) && c != '$' || isDigit(c) }

// escapeLen returns the length of the valid escape sequence at the start of
// s (which starts with a backslash), or 0 if it is not valid.
func escapeLen(s string) int {
	if len(s) < 2 {
		return 0
	}
	switch s[1] {
	case '\\', '\'', '"', 'n', 't', 'r', 'a', 'b', 'f', 'v', '/', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return 2
	case 'x':
		if len(s) >= 4 && isHex(s[2]) && isHex(s[3]) {
			return 4
		}
	case 'u':
		if len(s) >= 6 && isHex(s[2]) && isHex(s[3]) && isHex(s[4]) && isHex(s[5]) {
			return 6
		}
	}
	return 0
}
