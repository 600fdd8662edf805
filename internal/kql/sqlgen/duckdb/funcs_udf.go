package duckdb

import (
	"strings"

	"github.com/vigilsec/vigil/internal/kql/plan"
	"github.com/vigilsec/vigil/internal/schema"
)

// udfCall describes a KQL function compiled to one of the Go functions the store registers in DuckDB
// (internal/store/duckdb/udf). Their DuckDB names start with "kql_".
type udfCall struct {
	// name is the DuckDB function.
	name string
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
		if a.Type() == schema.TypeDynamic {
			x = "CAST(" + x + " AS VARCHAR)"
		}
		args[i] = x
	}
	call := u.name + "(" + strings.Join(args, ", ") + ")"
	if c.T == schema.TypeDynamic {
		return "CAST(" + call + " AS JSON)"
	}
	return call
}
