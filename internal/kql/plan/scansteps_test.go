package plan

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/schema"
)

func scanTestExprs() []Expr {
	return []Expr{
		&ColRef{Name: "s1.x", T: schema.TypeLong},
		Long(-3), Real(2.5), String(`a"b`), Bool(true), Null(schema.TypeString),
		Datetime(time.Date(2024, 5, 28, 8, 15, 23, 0, time.UTC)), Timespan(90 * time.Minute),
		&Call{Fn: "iff", Args: []Expr{&Call{Fn: "isnull", Args: []Expr{&ColRef{Name: "v", T: schema.TypeReal}}, T: schema.TypeBool},
			Real(0), &ColRef{Name: "v", T: schema.TypeReal}}, T: schema.TypeReal},
		&Member{X: &ColRef{Name: "d", T: schema.TypeDynamic}, Key: "k"},
		&Member{X: &ColRef{Name: "d", T: schema.TypeDynamic}, Index: Long(1)},
		&InList{Op: "in~", X: &ColRef{Name: "s", T: schema.TypeString}, List: []Expr{String("a"), String("b")}},
		&Case{Whens: []Expr{Bool(false)}, Thens: []Expr{Long(1)}, Else: Long(2), T: schema.TypeLong},
		&Call{Fn: "now", Args: []Expr{}, T: schema.TypeDatetime},
	}
}

// Every expression the runtime evaluates survives the JSON round trip unchanged.
func TestEncodeExprRoundTrip(t *testing.T) {
	for _, x := range scanTestExprs() {
		b, err := EncodeExpr(x)
		require.NoError(t, err)
		got, err := DecodeExpr(b)
		require.NoError(t, err, string(b))
		require.Equal(t, x, got, string(b))
	}
	_, err := EncodeExpr(&Subquery{T: schema.TypeLong})
	require.ErrorContains(t, err, "cannot run outside SQL")
}

// DecodeExpr reads text from generated SQL; whatever it is given, it returns an error or an expression, never panics.
func FuzzDecodeExpr(f *testing.F) {
	for _, x := range scanTestExprs() {
		b, err := EncodeExpr(x)
		require.NoError(f, err)
		f.Add(string(b))
	}
	f.Add(`{"in":"in"}`)
	f.Add(`{"l":1e999,"t":"long"}`)
	f.Add(`{"m":{"c":"x"},"i":{"case":true}}`)
	f.Fuzz(func(t *testing.T, s string) {
		x, err := DecodeExpr([]byte(s))
		if err == nil && x != nil {
			_ = ExprString(x)
		}
	})
}
