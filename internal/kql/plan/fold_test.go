package plan

import (
	"testing"

	"github.com/vigilsec/vigil/internal/schema"
)

func TestFoldBool(t *testing.T) {
	col := &ColRef{Name: "a", T: schema.TypeBool}
	call := func(fn string, args ...Expr) *Call { return &Call{Fn: fn, Args: args, T: schema.TypeBool} }
	dyn := func(s string) *Lit { return &Lit{T: schema.TypeDynamic, V: s} }
	alen := func(x Expr) *Call { return &Call{Fn: "array_length", Args: []Expr{x}, T: schema.TypeLong} }
	cases := []struct {
		in   Expr
		want string
	}{
		{call("or", call("isnull", Null(schema.TypeDatetime)), col), "true"},
		{call("or", col, call("==", String("*"), String("*"))), "true"},
		{call("and", call("!=", String("*"), String("*")), col), "false"},
		{call("or", call("==", String("x"), String("*")), col), "a"},
		{call("and", col, call("==", alen(dyn("[]")), Long(0))), "a"},
		{call("or", call("==", alen(dyn("[1,2]")), Long(0)), col), "a"},
		{call("not", call("isnotnull", Long(3))), "false"},
		// KQL == on strings is case-sensitive: "A" == "a" is false.
		{call("or", call("==", String("A"), String("a")), col), "a"},
		// Left alone: a string is never null in KQL, JSON null is no array, and columns are not constants.
		{call("or", call("isnull", String("")), col), "(isnull(\"\") or a)"},
		{call("or", call("==", alen(dyn("null")), Long(0)), col), "((array_length(dynamic(null)) == 0) or a)"},
		{call("or", call("isnull", &ColRef{Name: "t", T: schema.TypeDatetime}), col), "(isnull(t) or a)"},
	}
	for _, c := range cases {
		if got := ExprString(foldBool(c.in)); got != c.want {
			t.Errorf("fold %s = %s, want %s", ExprString(c.in), got, c.want)
		}
	}
}

func TestFoldFiltersDropsTrueFilter(t *testing.T) {
	scan := &Scan{Table: "T", Cols: Schema{{Name: "a", Type: schema.TypeBool}}}
	n := 0
	got := foldFilters(&Filter{Input: scan, Pred: &Call{Fn: "or", Args: []Expr{&Call{Fn: "isnull", Args: []Expr{Null(schema.TypeLong)}, T: schema.TypeBool}, &ColRef{Name: "a", T: schema.TypeBool}}, T: schema.TypeBool}}, &n)
	if got != Node(scan) && Format(got) != Format(scan) || n != 1 {
		t.Fatalf("got %s (%d rewrites), want the scan alone", Format(got), n)
	}
}
