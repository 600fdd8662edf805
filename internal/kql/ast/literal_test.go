package ast_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/kql/ast"
)

func TestLiteralTimespan(t *testing.T) {
	tests := map[string]time.Duration{
		"1d": 24 * time.Hour, "1.5h": 90 * time.Minute, "30m": 30 * time.Minute, "10s": 10 * time.Second,
		"100ms": 100 * time.Millisecond, "5microseconds": 5 * time.Microsecond, "3ticks": 300 * time.Nanosecond,
		"2days": 48 * time.Hour, "time(1d)": 24 * time.Hour, "timespan(2)": 48 * time.Hour,
		"timespan(1.02:03:04.5)": 26*time.Hour + 3*time.Minute + 4500*time.Millisecond, "time(00:30)": 30 * time.Minute,
		"time(-1h)": -time.Hour,
	}
	for raw, want := range tests {
		got, err := (&ast.Literal{Kind: ast.LitTimespan, Raw: raw}).Timespan()
		require.NoError(t, err, raw)
		require.Equal(t, want, got, raw)
	}
	_, err := (&ast.Literal{Kind: ast.LitTimespan, Raw: "timespan(null)"}).Timespan()
	require.ErrorIs(t, err, ast.ErrNullLiteral)
	_, err = (&ast.Literal{Kind: ast.LitInt, Raw: "1"}).Timespan()
	require.Error(t, err)
}

func TestLiteralNumbers(t *testing.T) {
	n, err := (&ast.Literal{Kind: ast.LitInt, Raw: "0x1F"}).Int()
	require.NoError(t, err)
	require.Equal(t, int64(31), n)
	f, err := (&ast.Literal{Kind: ast.LitReal, Raw: "2.5e3"}).Float()
	require.NoError(t, err)
	require.InDelta(t, 2500.0, f, 0)
	b, err := (&ast.Literal{Kind: ast.LitBool, Raw: "True", Value: "true"}).Bool()
	require.NoError(t, err)
	require.True(t, b)
	require.Equal(t, "2024-01-01 10:00", (&ast.Literal{Kind: ast.LitDatetime, Raw: "datetime( 2024-01-01 10:00 )"}).Inner())
}
