package condition_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/sigma/condition"
)

func TestParse(t *testing.T) {
	tests := []struct {
		src, want string
	}{
		{"selection", "selection"},
		{"a and b or c", "(a and b) or c"},
		{"a or b and not c", "a or (b and not c)"},
		{"(a or b) and not c", "(a or b) and not c"},
		{"1 of selection_*", "1 of selection_*"},
		{"all of them", "all of them"},
		{"1 OF them AND NOT filter", "1 of them and not filter"},
		{"not not a", "not not a"},
		{"sel and\n  (1 of f_* or all of g*)", "sel and (1 of f_* or all of g*)"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			n, err := condition.Parse(tt.src)
			require.NoError(t, err)
			require.Equal(t, tt.want, n.String())
			// Printing re-parses to the same tree.
			n2, err := condition.Parse(n.String())
			require.NoError(t, err)
			require.Equal(t, n.String(), n2.String())
		})
	}
}

func TestParseSpans(t *testing.T) {
	n, err := condition.Parse("sel and not 1 of filter_*")
	require.NoError(t, err)
	b := n.(*condition.Binary)
	s, e := b.X[0].Span()
	require.Equal(t, [2]condition.Pos{0, 3}, [2]condition.Pos{s, e})
	s, e = b.X[1].Span()
	require.Equal(t, [2]condition.Pos{8, 25}, [2]condition.Pos{s, e})
	s, e = b.X[1].(*condition.Not).X.Span()
	require.Equal(t, [2]condition.Pos{12, 25}, [2]condition.Pos{s, e})
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		src string
		pos condition.Pos
		msg string
	}{
		{"", 0, `expected a search identifier, found end of condition`},
		{"a and", 5, `expected a search identifier, found end of condition`},
		{"(a or b", 7, `expected ")" to close "(" at 1, found end of condition`},
		{"a b", 2, `unexpected "b"`},
		{"selection | count() > 5", 10, `aggregation expressions are not supported; use a correlation rule`},
		{"1 of", 4, `expected a search pattern or "them" after "of", found end of condition`},
		{"all selection", 4, `expected "of" after "all"`},
		{"a = b", 2, `unexpected character '='`},
		{"2 of x*", 0, `quantifier "2" not supported; use "1" or "all"`},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			_, err := condition.Parse(tt.src)
			var ce *condition.Error
			require.ErrorAs(t, err, &ce)
			require.Equal(t, tt.pos, ce.Pos)
			require.Equal(t, tt.msg, ce.Msg)
		})
	}
}

func TestDepthLimit(t *testing.T) {
	src := ""
	for range condition.MaxDepth + 1 {
		src += "("
	}
	_, err := condition.Parse(src + "a")
	require.Error(t, err)
}

func TestMatchName(t *testing.T) {
	require.True(t, condition.MatchName("sel_*", "sel_a"))
	require.True(t, condition.MatchName("*_a", "sel_a"))
	require.True(t, condition.MatchName("s*l*a", "sel_a"))
	require.False(t, condition.MatchName("sel_*", "filter"))
	require.True(t, condition.MatchName("them", "x"))
}

func FuzzCondition(f *testing.F) {
	for _, s := range []string{"a", "a and not b", "1 of sel_* or all of them", "(a or (b and c))", "x | count() > 3", "((((", "not not not a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		n, err := condition.Parse(src)
		if err != nil {
			var ce *condition.Error
			require.ErrorAs(t, err, &ce)
			require.LessOrEqual(t, int(ce.Pos), len(src))
			return
		}
		// A parsed condition prints to text that parses to the same tree.
		n2, err := condition.Parse(n.String())
		require.NoError(t, err, "reparse %q", n.String())
		require.Equal(t, n.String(), n2.String())
	})
}
