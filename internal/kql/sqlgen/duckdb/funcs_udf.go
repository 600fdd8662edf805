package duckdb

import (
	"slices"
	"strconv"
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
	"hash":                       {name: "kql_hash"},
	"parse_xml":                  {name: "kql_parse_xml"},
	"parse_path":                 {name: "kql_parse_path"},
	"parse_command_line":         {name: "kql_parse_command_line"},
	"base64_decode_toarray":      {name: "kql_base64_decode_toarray"},
	"indexof_regex":              {name: "kql_indexof_regex"},
	"series_fit_line":            {name: "kql_series_fit_line"},
	"series_stats":               {name: "kql_series_stats"},
	"series_stats_dynamic":       {name: "kql_series_stats_dynamic"},
	"series_fit_line_dynamic":    {name: "kql_series_fit_line_dynamic"},
	"series_outliers":            {name: "kql_series_outliers"},
	"series_decompose":           {name: "kql_series_decompose"},
	"series_decompose_anomalies": {name: "kql_series_decompose_anomalies"},
	"series_periods_detect":      {name: "kql_series_periods_detect"},
}

func (g *gen) udf(u udfCall, c *plan.Call, p string) string {
	args := make([]string, len(c.Args))
	for i, a := range c.Args {
		x := g.expr(a, p)
		if a.Type() == schema.TypeString {
			// Strings are never null in KQL: a missing string is "".
			x = g.str(a, p)
		}
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

// tupleItem takes element i of a tuple result (a JSON array from a registered function) as the type sema gave it.
func (g *gen) tupleItem(c *plan.Call, p string) string {
	var idx int64
	isLong := false
	if l, ok := c.Args[1].(*plan.Lit); ok {
		idx, isLong = l.V.(int64)
	}
	if !isLong {
		g.fail("tuple_item with a non-constant index")
		return "NULL"
	}
	path := "'$[" + strconv.FormatInt(idx, 10) + "]'"
	x := "(" + g.expr(c.Args[0], p) + ")"
	switch c.T {
	case schema.TypeDynamic:
		return "(" + x + " -> " + path + ")"
	case schema.TypeString:
		return "(" + x + " ->> " + path + ")"
	}
	return "TRY_CAST(" + x + " ->> " + path + " AS " + sqlType(c.T) + ")"
}
