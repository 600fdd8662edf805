package lexer_test

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/kql/lexer"
	"github.com/vigilsec/vigil/internal/kql/token"
)

type tok struct {
	Kind token.Kind
	Text string
}

func scan(src string) ([]tok, token.ErrorList) {
	toks, errs := lexer.Tokenize(src)
	var out []tok
	for _, t := range toks {
		if t.Kind == token.EOF {
			break
		}
		out = append(out, tok{t.Kind, t.Text})
	}
	return out, errs
}

func TestTokens(t *testing.T) {
	I, S, N, R, TS := token.Ident, token.String, token.Int, token.Real, token.Timespan
	tests := []struct {
		src  string
		want []tok
	}{
		{`T | where a == 1`, []tok{{I, "T"}, {token.Pipe, "|"}, {I, "where"}, {I, "a"}, {token.Eq, "=="}, {N, "1"}}},
		{`project-away a-b mv-expand mv-apply top-nested make-series parse-kv parse-where project-rename sample-distinct`,
			[]tok{{I, "project-away"}, {I, "a"}, {token.Minus, "-"}, {I, "b"}, {I, "mv-expand"}, {I, "mv-apply"}, {I, "top-nested"},
				{I, "make-series"}, {I, "parse-kv"}, {I, "parse-where"}, {I, "project-rename"}, {I, "sample-distinct"}}},
		{`project -away project-`, []tok{{I, "project"}, {token.Minus, "-"}, {I, "away"}, {I, "project"}, {token.Minus, "-"}}},
		{`!has !has_cs !contains !in !in~ in~ !between !startswith_cs ! x`, []tok{{I, "!has"}, {I, "!has_cs"}, {I, "!contains"},
			{I, "!in"}, {I, "!in~"}, {I, "in~"}, {I, "!between"}, {I, "!startswith_cs"}, {token.Bang, "!"}, {I, "x"}}},
		{`$left.a $right`, []tok{{I, "$left"}, {token.Dot, "."}, {I, "a"}, {I, "$right"}}},
		{`['a b'] ["c"]`, []tok{{token.LBrack, "["}, {S, "'a b'"}, {token.RBrack, "]"}, {token.LBrack, "["}, {S, `"c"`}, {token.RBrack, "]"}}},
		{`1 1.5 1e3 2.5E-3 0x1F 1..2 5MinuteBin`, []tok{{N, "1"}, {R, "1.5"}, {R, "1e3"}, {R, "2.5E-3"}, {N, "0x1F"}, {N, "1"}, {token.DotDot, ".."}, {N, "2"}, {I, "5MinuteBin"}}},
		{`1d 2h 30m 10s 100ms 5microsecond 1tick 1.5h 3days`, []tok{{TS, "1d"}, {TS, "2h"}, {TS, "30m"}, {TS, "10s"}, {TS, "100ms"},
			{TS, "5microsecond"}, {TS, "1tick"}, {TS, "1.5h"}, {TS, "3days"}}},
		{`datetime(2024-01-01 10:00) date(2024) time(1d) timespan(1.02:03:04) guid(74be27de-1e4e) datetime`,
			[]tok{{token.Datetime, "datetime(2024-01-01 10:00)"}, {token.Datetime, "date(2024)"}, {token.TimespanLit, "time(1d)"},
				{token.TimespanLit, "timespan(1.02:03:04)"}, {token.Guid, "guid(74be27de-1e4e)"}, {I, "datetime"}}},
		{`'a\'b' "c\"d" @'e''f' @"g\h" h'x' H"y" h@'z'`, []tok{{S, `'a\'b'`}, {S, `"c\"d"`}, {S, `@'e''f'`}, {S, `@"g\h"`},
			{S, `h'x'`}, {S, `H"y"`}, {S, `h@'z'`}}},
		{"```a\nb``` x", []tok{{S, "```a\nb```"}, {I, "x"}}},
		{`== != <> =~ !~ < <= > >= => = + - * / % . .. , ; : ( ) [ ] { } ?`, []tok{{token.Eq, "=="}, {token.NotEq, "!="}, {token.LtGt, "<>"},
			{token.EqTilde, "=~"}, {token.BangTilde, "!~"}, {token.Lt, "<"}, {token.LtEq, "<="}, {token.Gt, ">"}, {token.GtEq, ">="},
			{token.Arrow, "=>"}, {token.Assign, "="}, {token.Plus, "+"}, {token.Minus, "-"}, {token.Star, "*"}, {token.Slash, "/"},
			{token.Percent, "%"}, {token.Dot, "."}, {token.DotDot, ".."}, {token.Comma, ","}, {token.Semicolon, ";"}, {token.Colon, ":"},
			{token.LParen, "("}, {token.RParen, ")"}, {token.LBrack, "["}, {token.RBrack, "]"}, {token.LBrace, "{"}, {token.RBrace, "}"},
			{token.Question, "?"}}},
		{"a // comment\n// another\nb", []tok{{I, "a"}, {I, "b"}}},
		{"\ufeffnév\u00a0x", []tok{{I, "név"}, {I, "x"}}},
	}
	for _, tc := range tests {
		t.Run(tc.src, func(t *testing.T) {
			got, errs := scan(tc.src)
			require.Empty(t, errs)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestLexErrors(t *testing.T) {
	tests := []struct {
		src   string
		start token.Pos
		msg   string
	}{
		{`'abc`, 0, "unterminated string literal"},
		{"'ab\ncd", 0, "unterminated string literal"},
		{"```abc", 0, "unterminated multi-line string literal"},
		{`"a\qb"`, 2, `invalid escape sequence \q in string literal`},
		{`x @ y`, 2, `unexpected character "@"`},
		{`x # y`, 2, `unexpected character "#"`},
		{`datetime(2024`, 0, "unterminated datetime literal"},
		{`1.5abc`, 0, `invalid number or timespan "1.5abc"`},
	}
	for _, tc := range tests {
		t.Run(tc.src, func(t *testing.T) {
			toks, errs := lexer.Tokenize(tc.src)
			require.Len(t, errs, 1)
			require.Equal(t, token.CodeLexError, errs[0].Code)
			require.Equal(t, tc.start, errs[0].Span.Start)
			require.Equal(t, tc.msg, errs[0].Message)
			require.Equal(t, token.EOF, toks[len(toks)-1].Kind)
		})
	}
}

func TestUnquote(t *testing.T) {
	tests := map[string]string{
		`'abc'`:           "abc",
		`"a\"b\\c\n\t"`:   "a\"b\\c\n\t",
		`'it\'s'`:         "it's",
		`@'C:\x''y'`:      `C:\x'y`,
		`@"a""b"`:         `a"b`,
		`h'secret'`:       "secret",
		`H@"p\q"`:         `p\q`,
		"```a\nb```":      "a\nb",
		`"\u0041\x42"`:    "AB",
		`"\/"`:            "/",
		`'mixed "quote"'`: `mixed "quote"`,
	}
	for raw, want := range tests {
		got, err := lexer.Unquote(raw)
		require.NoError(t, err, raw)
		require.Equal(t, want, got, raw)
	}
	_, err := lexer.Unquote(`abc`)
	require.Error(t, err)
}

func TestSpans(t *testing.T) {
	src := "T\n| where  név == 'x'"
	toks, errs := lexer.Tokenize(src)
	require.Empty(t, errs)
	for _, tk := range toks {
		require.Equal(t, tk.Text, src[tk.Span.Start:tk.Span.End])
	}
	require.Equal(t, token.Span{Start: 11, End: 15}, toks[3].Span) // név is 4 bytes
}

// FuzzLexer checks that scanning never panics and that tokens are in
// order, inside the input, and hold exactly their source text.
func FuzzLexer(f *testing.F) {
	for _, s := range []string{
		"T | where a == 1", `print 'a\'b', @"c""d", h'x', 1d, 1.5e3, 0xff, datetime(2024-01-01)`,
		"project-away a-b !has !in~ in~ $left.x ['y']", "```multi\nline```", "'unterminated", "\"bad \\q\"",
	} {
		f.Add(s)
	}
	files, _ := filepath.Glob("../../../../shared/corpus/kql/*.jsonl")
	for _, file := range files {
		fh, err := os.Open(file)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
		for i := 0; sc.Scan(); i++ {
			var rec struct {
				Query string `json:"query"`
			}
			if i%4 == 0 && json.Unmarshal(sc.Bytes(), &rec) == nil {
				f.Add(rec.Query)
			}
		}
		fh.Close()
	}
	f.Fuzz(func(t *testing.T, src string) {
		toks, errs := lexer.Tokenize(src)
		if len(toks) == 0 || toks[len(toks)-1].Kind != token.EOF {
			t.Fatal("token stream does not end with EOF")
		}
		prev := token.Pos(0)
		for _, tk := range toks {
			if tk.Span.Start < prev || tk.Span.End < tk.Span.Start || int(tk.Span.End) > len(src) {
				t.Fatalf("bad span %v after %d", tk.Span, prev)
			}
			if tk.Text != src[tk.Span.Start:tk.Span.End] {
				t.Fatalf("token text %q does not match source %q", tk.Text, src[tk.Span.Start:tk.Span.End])
			}
			if tk.Kind != token.EOF && tk.Span.Len() == 0 {
				t.Fatalf("empty token %v", tk)
			}
			prev = tk.Span.End
		}
		for _, e := range errs {
			if int(e.Span.End) > len(src) || e.Span.End < e.Span.Start {
				t.Fatalf("bad error span %+v", e)
			}
		}
	})
}
