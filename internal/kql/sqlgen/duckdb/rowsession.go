package duckdb

import (
	"fmt"

	"github.com/vigilsec/vigil/internal/kql/plan"
	"github.com/vigilsec/vigil/internal/schema"
)

// rowSession is the input of a projection with one row_window_session call computed as the column Name.
type rowSession struct {
	Input plan.Node
	Name  string
	Call  *plan.Call
}

func (n *rowSession) Schema() plan.Schema {
	return append(append(plan.Schema{}, n.Input.Schema()...), plan.Column{Name: n.Name, Type: schema.TypeDatetime})
}

func (n *rowSession) Inputs() []plan.Node { return []plan.Node{n.Input} }

// rowSessions compiles a projection that calls row_window_session: each call becomes a column of a rowSession
// node below the projection.
func (g *gen) rowSessions(n plan.Node) (string, bool) {
	switch v := n.(type) {
	case *rowSession:
		return g.rowSessionSQL(v), true
	case *plan.Project:
		in := v.Input
		var rewrite func(x plan.Expr) plan.Expr
		rewrite = func(x plan.Expr) plan.Expr {
			switch c := x.(type) {
			case *plan.Call:
				cc := *c
				cc.Args = make([]plan.Expr, len(c.Args))
				for i, a := range c.Args {
					cc.Args[i] = rewrite(a)
				}
				if c.Fn != "row_window_session" {
					return &cc
				}
				name := fmt.Sprintf("$session%d", len(in.Schema()))
				in = &rowSession{Input: in, Name: name, Call: &cc}
				return &plan.ColRef{Name: name, T: schema.TypeDatetime}
			case *plan.Member:
				m := *c
				m.X = rewrite(c.X)
				if c.Index != nil {
					m.Index = rewrite(c.Index)
				}
				return &m
			}
			return x
		}
		items := make([]plan.NamedExpr, len(v.Items))
		for i, it := range v.Items {
			items[i] = plan.NamedExpr{Name: it.Name, X: rewrite(it.X)}
		}
		if in == v.Input {
			return "", false
		}
		return g.node(&plan.Project{Input: in, Items: items}), true
	}
	return "", false
}

// rowSessionSQL computes row_window_session in three steps over the rows in their order: SQL windows number
// the rows and mark the rows that must start a session whatever came before (the first row, a null value or
// one after a null, a restart, a gap to the previous value of MaxDistanceBetweenNeighbors or more), which cuts
// the rows into segments; then a Go function splits each segment by MaxDistanceFromFirst, once per segment, and
// its starts join back to the rows. The cost is linear in the rows.
func (g *gen) rowSessionSQL(v *rowSession) string {
	a := v.Call.Args
	src, in := g.from(v.Input)
	x := g.expr(a[0], in+".")
	if a[0].Type() != schema.TypeDatetime {
		x = "TRY_CAST(" + x + " AS TIMESTAMP)"
	}
	restart := "FALSE"
	if len(a) == 4 {
		restart = "coalesce(" + g.expr(a[3], in+".") + ", FALSE)"
	}
	first, near := ivUS(g.expr(a[1], "")), g.expr(a[2], "")
	const rn, val, rs, seg = `"$rws_rn"`, `"$rws_v"`, `"$rws_r"`, `"$rws_seg"`
	numbered := "SELECT " + in + ".*, row_number() OVER () AS " + rn + ", " + x + " AS " + val + ", " + restart + " AS " + rs + " FROM " + src
	b := g.next()
	prevV := "lag(" + b + "." + val + ") OVER (ORDER BY " + b + "." + rn + ")"
	cut := "(" + b + "." + val + " IS NULL OR " + prevV + " IS NULL OR " + b + "." + rs + " OR " + b + "." + val + " >= " + prevV + " + " + near + ")"
	c := g.next()
	segmented := "SELECT " + c + ".*, sum(CAST(" + c + ".\"$rws_cut\" AS BIGINT)) OVER (ORDER BY " + c + "." + rn + " ROWS UNBOUNDED PRECEDING) AS " + seg +
		" FROM (SELECT " + b + ".*, " + cut + " AS \"$rws_cut\" FROM (" + numbered + ") AS " + b + ") AS " + c
	cte, d, s := g.next(), g.next(), g.next()
	starts := "SELECT unnest(list(" + rn + " ORDER BY " + rn + ")) AS " + rn + ", unnest(from_json(kql_row_window_session(CAST(to_json(list(epoch_us(" + val +
		") ORDER BY " + rn + ")) AS VARCHAR), " + first + "), '[\"BIGINT\"]')) AS \"$rws_start\" FROM " + cte + " GROUP BY " + seg
	cols := colList(v.Input.Schema(), d+".")
	return "WITH " + cte + " AS MATERIALIZED (" + segmented + ") SELECT " + cols + ", make_timestamp(" + s + ".\"$rws_start\") AS " + quoteIdent(v.Name) +
		" FROM " + cte + " AS " + d + " JOIN (" + starts + ") AS " + s + " ON " + d + "." + rn + " = " + s + "." + rn + " ORDER BY " + d + "." + rn
}

// windowDefault is the default value of prev() or next() as a value of the type t of their first argument. A
// number for a datetime counts 100-nanosecond ticks from 0001-01-01, Kusto's datetime representation, so
// next(Timestamp, 1, 0) is the least datetime.
func (g *gen) windowDefault(x plan.Expr, t schema.Type, p string) string {
	d := g.expr(x, p)
	if x.Type() == t {
		return d
	}
	switch {
	case t == schema.TypeDatetime && (x.Type() == schema.TypeLong || x.Type() == schema.TypeInt || x.Type() == schema.TypeReal):
		return "make_timestamp(CAST(" + d + " AS BIGINT) // 10 - 62135596800000000)"
	case t == schema.TypeDynamic:
		return "to_json(" + d + ")"
	}
	return "TRY_CAST(" + d + " AS " + sqlType(t) + ")"
}
