package duckdb

import "github.com/vigilsec/vigil/internal/kql/plan"

// examplesAgg compiles the aggregates that run as registered Go functions over the list of the group's values.
func (g *gen) examplesAgg(c *plan.AggCall, p string) (string, bool) {
	switch c.Fn {
	case "buildschema":
		x := g.expr(c.Args[0], p)
		l := "list(CAST(" + x + " AS JSON)) FILTER (WHERE " + x + " IS NOT NULL)"
		return "CAST(kql_buildschema(CAST(to_json(" + l + ") AS VARCHAR)) AS JSON)", true
	}
	return "", false
}
