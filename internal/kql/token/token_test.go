package token_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/kql/token"
)

func TestPosition(t *testing.T) {
	src := "ab\nné\tx\n\nz"
	tests := []struct {
		off       token.Pos
		line, col int
	}{
		{0, 1, 1}, {2, 1, 3}, {3, 2, 1}, {4, 2, 2}, {5, 2, 3}, {6, 2, 3}, {7, 2, 4}, {8, 2, 5},
		{10, 4, 1}, {11, 4, 2}, {100, 4, 2}, {-1, 1, 1},
	}
	for _, tc := range tests {
		line, col := token.Position(src, tc.off)
		require.Equal(t, []int{tc.line, tc.col}, []int{line, col}, "offset %d", tc.off)
	}
}

func TestLineAt(t *testing.T) {
	text, start := token.LineAt("a\r\nbcd\ne", 4)
	require.Equal(t, "bcd", text)
	require.Equal(t, token.Pos(3), start)
}

func TestErrorRender(t *testing.T) {
	src := "T\n| where\tx ==\n| take 1"
	e := &token.Error{Code: token.CodeParseError, Message: "boom", Span: token.Span{Start: 10, End: 14}}
	require.Equal(t, "2:9: boom\n | | where\tx ==\n |        \t^~~~", e.Render(src))
	// A span running past the end of the line is cut at the line end.
	e = &token.Error{Code: token.CodeParseError, Message: "m", Span: token.Span{Start: 12, End: 20}}
	require.Equal(t, "2:11: m\n | | where\tx ==\n |        \t  ^~", e.Render(src))
}

func TestErrorList(t *testing.T) {
	var l token.ErrorList
	l.Add(token.CodeParseError, token.Span{Start: 5, End: 6}, "b")
	l.Add(token.CodeLexError, token.Span{Start: 1, End: 2}, "a")
	l.Add(token.CodeLexError, token.Span{Start: 1, End: 2}, "a")
	l = l.Sort()
	l.Resolve("xxxxxxxx")
	require.Len(t, l, 2)
	require.Equal(t, "1:2: a\n1:6: b", l.Error())
	require.ErrorIs(t, l.Err(), token.ErrParse)
	require.NotErrorIs(t, l.Err(), token.ErrInternal)
	var e *token.Error
	require.ErrorAs(t, l.Err(), &e)
	require.Equal(t, "a", e.Message)
	require.NoError(t, token.ErrorList(nil).Err())

	b, err := json.Marshal(l[0])
	require.NoError(t, err)
	require.JSONEq(t, `{"code":"kql_lex_error","message":"a","span":{"start":1,"end":2},"line":1,"col":2}`, string(b))

	deep := &token.Error{Code: token.CodeTooDeep}
	require.True(t, errors.Is(deep, token.ErrLimit))
}

func TestKindString(t *testing.T) {
	require.Equal(t, "==", token.Eq.String())
	require.Equal(t, "identifier", token.Ident.String())
	require.Equal(t, "token(200)", token.Kind(200).String())
}
