package duckdb

import (
	"slices"
	"strings"

	"github.com/vigilsec/vigil/internal/kql/plan"
	"github.com/vigilsec/vigil/internal/schema"
)

// udfCall describes a KQL function compiled to one of the Go functions the store registers in DuckDB
// (internal/store/duckdb/udf). Their DuckDB names start with "kql_".
type udfCall struct {
	// name is the DuckDB function.
	name string
	// asJSON lists argument positions passed as the JSON text of their value, whatever their type.
	asJSON []int
	// cast, when set, is the SQL type the result is cast to (e.g. a decimal the function returns as text).
	cast string
}

// udfFuncs are the KQL functions compiled to registered Go functions. Arguments are passed as compiled; dynamic
// arguments travel as JSON text and a dynamic result comes back as JSON text, cast to JSON here.
var udfFuncs = map[string]udfCall{
	"hash": {name: "kql_hash"},
}

func (g *gen) udf(u udfCall, c *plan.Call, p string) string {
	args := make([]string, len(c.Args))
	for i, a := range c.Args {
		x := g.expr(a, p)
		if slices.Contains(u.asJSON, i) {
			x = "CAST(" + g.toJSON(a, p) + " AS VARCHAR)"
		} else if a.Type() == schema.TypeDynamic {
			x = "CAST(" + x + " AS VARCHAR)"
		}
		args[i] = x
	}
	call := u.name + "(" + strings.Join(args, ", ") + ")"
	if u.cast != "" {
		return "CAST(" + call + " AS " + u.cast + ")"
	}
	if c.T == schema.TypeDynamic {
		return "CAST(" + call + " AS JSON)"
	}
	return call
}
