package token

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Stable diagnostic codes. Clients may match on them; they never change
// meaning.
const (
	CodeLexError      = "kql_lex_error"       // malformed literal or character
	CodeParseError    = "kql_parse_error"     // input does not follow the grammar
	CodeTooDeep       = "kql_too_deep"        // nesting exceeds the parser's depth limit
	CodeTooManyErrors = "kql_too_many_errors" // the error list was truncated
	CodeInternal      = "kql_internal_error"  // a bug: the parser recovered from a panic
)

// Error classes matched by [Error.Is], so callers can write
// errors.Is(err, token.ErrParse) without string matching.
var (
	ErrParse    = errors.New("kql syntax error")
	ErrLimit    = errors.New("kql limit exceeded")
	ErrInternal = errors.New("kql internal error")
)

// MaxErrors is the default cap on the number of diagnostics an
// [ErrorList] keeps.
const MaxErrors = 50

// Error is one query diagnostic. It is data: it marshals to JSON for the
// API, and Line and Col (1-based, columns in runes) are filled in from
// the source by [ErrorList.Resolve] or when the error is created.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Span    Span   `json:"span"`
	Line    int    `json:"line"`
	Col     int    `json:"col"`
	Detail  string `json:"detail,omitempty"`
}

// Error returns "line:col: message" (or "offset N: message" when the line is
// not known).
func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Message)
	}
	return fmt.Sprintf("offset %d: %s", e.Span.Start, e.Message)
}

// Is reports whether e belongs to the class target ([ErrParse], [ErrLimit]
// or [ErrInternal]).
func (e *Error) Is(target error) bool {
	switch target {
	case ErrParse:
		return e.Code == CodeLexError || e.Code == CodeParseError
	case ErrLimit:
		return e.Code == CodeTooDeep || e.Code == CodeTooManyErrors
	case ErrInternal:
		return e.Code == CodeInternal
	}
	return false
}

// Render returns the human form of e: "line:col: message", then the source
// line and a caret line underlining the span, in the style of
//
//	2:9: expected expression, found "|"
//	 | T | where | take 1
//	 |         ^
func (e *Error) Render(src string) string {
	var b strings.Builder
	line, col := e.Line, e.Col
	if line == 0 {
		line, col = Position(src, e.Span.Start)
	}
	fmt.Fprintf(&b, "%d:%d: %s", line, col, e.Message)
	if e.Detail != "" {
		b.WriteString("\n  ")
		b.WriteString(e.Detail)
	}
	text, start := LineAt(src, e.Span.Start)
	b.WriteString("\n | ")
	b.WriteString(text)
	b.WriteString("\n | ")
	pre := text[:min(int(e.Span.Start-start), len(text))]
	for _, r := range pre {
		if r == '\t' {
			b.WriteByte('\t')
		} else {
			b.WriteByte(' ')
		}
	}
	// Underline the part of the span that is on this line, at least one rune.
	end := min(int(e.Span.End-start), len(text))
	n := 1
	if end > len(pre) {
		n = max(utf8.RuneCountInString(text[len(pre):end]), 1)
	}
	b.WriteByte('^')
	b.WriteString(strings.Repeat("~", n-1))
	return b.String()
}

// ErrorList is a list of diagnostics, kept sorted by position by [ErrorList.Sort].
// The zero value is an empty list.
type ErrorList []*Error

// Add appends an error for span with the given code and message.
func (l *ErrorList) Add(code string, span Span, msg string) {
	*l = append(*l, &Error{Code: code, Message: msg, Span: span})
}

// Sort orders the list by start position, then end position, then
// message, and removes exact duplicates.
func (l ErrorList) Sort() ErrorList {
	slices.SortStableFunc(l, func(a, b *Error) int {
		if a.Span.Start != b.Span.Start {
			return int(a.Span.Start - b.Span.Start)
		}
		if a.Span.End != b.Span.End {
			return int(a.Span.End - b.Span.End)
		}
		return strings.Compare(a.Message, b.Message)
	})
	return slices.CompactFunc(l, func(a, b *Error) bool {
		return a.Span == b.Span && a.Code == b.Code && a.Message == b.Message
	})
}

// Resolve fills in Line and Col of every error from src.
func (l ErrorList) Resolve(src string) {
	for _, e := range l {
		e.Line, e.Col = Position(src, e.Span.Start)
	}
}

// Error joins the messages of all errors, one per line.
func (l ErrorList) Error() string {
	switch len(l) {
	case 0:
		return "no errors"
	case 1:
		return l[0].Error()
	}
	msgs := make([]string, len(l))
	for i, e := range l {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Err returns l as an error, or nil when l is empty.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// Unwrap returns the individual errors, so errors.Is and errors.As see
// each of them.
func (l ErrorList) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}

// Render returns the human form of every error (see [Error.Render]),
// separated by blank lines.
func (l ErrorList) Render(src string) string {
	parts := make([]string, len(l))
	for i, e := range l {
		parts[i] = e.Render(src)
	}
	return strings.Join(parts, "\n\n")
}
