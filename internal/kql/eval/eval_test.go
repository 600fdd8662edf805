package eval_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/kql/eval"
	"github.com/vigilsec/vigil/internal/kql/plan"
	"github.com/vigilsec/vigil/internal/schema"
)

var cols = plan.Schema{
	{Name: "Cmd", Type: schema.TypeString},
	{Name: "N", Type: schema.TypeLong},
	{Name: "T", Type: schema.TypeDatetime},
	{Name: "D", Type: schema.TypeDynamic},
	{Name: "Empty", Type: schema.TypeString},
}

func TestEval(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	row := eval.MapRow{
		"Cmd": "cmd.exe /c whoami", "N": int64(7), "T": now.Add(-30 * time.Minute),
		"D": map[string]any{"k": "v", "arr": []any{float64(1), float64(2)}}, "Empty": nil,
	}
	cases := []struct {
		src  string
		want any
	}{
		{`Cmd has "whoami"`, true},
		{`Cmd has "who"`, false},
		{`Cmd has "CMD.EXE"`, true},
		{`Cmd has_cs "CMD"`, false},
		{`Cmd hasprefix "who"`, true},
		{`Cmd contains "EXE /C"`, true},
		{`Cmd startswith "CMD"`, true},
		{`Cmd endswith "AMI"`, true},
		{`Cmd !contains "zz"`, true},
		{`Cmd =~ "CMD.EXE /C WHOAMI"`, true},
		{`Cmd matches regex @"^\w+\.exe"`, true},
		{`Cmd in ("a", "cmd.exe /c whoami")`, true},
		{`Cmd in~ ("CMD.EXE /C WHOAMI")`, true},
		{`Cmd has_any ("x", "whoami")`, true},
		{`Cmd has_all ("cmd", "nothere")`, false},
		{`N > 5 and N < 10`, true},
		{`N between (1 .. 6)`, false},
		{`N % 4`, int64(3)},
		{`-7 % 3`, int64(2)},
		{`N / 2`, int64(3)},
		{`N * 1.5`, 10.5},
		{`T > ago(1h)`, true},
		{`now() - T`, 30 * time.Minute},
		{`bin(T, 1h)`, now.Add(-time.Hour)},
		{`D.k == "v"`, true},
		{`tostring(D.arr[1])`, "2"},
		{`array_length(D.arr)`, int64(2)},
		{`isempty(Empty)`, true},
		{`isnotempty(Cmd)`, true},
		{`iff(N > 5, "big", "small")`, "big"},
		{`case(N < 5, 1, N < 10, 2, 3)`, int64(2)},
		{`strcat("a", N, "b")`, "a7b"},
		{`tolower("AbC")`, "abc"},
		{`substring("abcdef", 1, 2)`, "bc"},
		{`extract(@"(\d+)", 1, "n=42")`, "42"},
		{`split("a,b", ",")[1]`, "b"},
		{`toint("12")`, int64(12)},
		{`coalesce("", "x")`, "x"},
		{`not(N == 7)`, false},
		{`ipv4_is_private("10.0.0.1")`, true},
	}
	for _, c := range cases {
		t.Run(c.src, func(t *testing.T) {
			p, errs := eval.Compile(c.src, cols, now)
			require.Nil(t, errs, "%v", errs)
			got, err := p.Eval(row)
			require.NoError(t, err)
			require.Equal(t, c.want, got)
		})
	}
}

func TestEvalErrors(t *testing.T) {
	_, errs := eval.Compile(`Cmdd has "x"`, cols, time.Now())
	require.NotNil(t, errs)
	require.Equal(t, "kql_unknown_column", errs[0].Code)
}
