package duckdb

import (
	"encoding/json"
	"strings"

	"github.com/vigilsec/vigil/internal/kql/external"
	"github.com/vigilsec/vigil/internal/kql/plan"
	"github.com/vigilsec/vigil/internal/kql/sqlgen"
	"github.com/vigilsec/vigil/internal/schema"
)

// external compiles externaldata to the store's kql_externaldata table function (internal/store/duckdb/udf), which
// fetches under the externaldata policy, when the policy allows every URL; otherwise it is refused with the reason
// and the setting to change. The cells arrive as text and are cast to the declared types here.
func (g *gen) external(v *plan.External) string {
	if len(v.URLs) == 0 {
		panic(genError{&sqlgen.RefusedError{What: v.What, Span: v.Span, Reason: "its URLs must be constant strings"}})
	}
	for _, u := range v.URLs {
		if err := external.Allowed(u); err != nil {
			panic(genError{&sqlgen.RefusedError{What: v.What, Span: v.Span, Reason: strings.TrimPrefix(err.Error(), external.ErrNotAllowed.Error()+": ")}})
		}
	}
	names := make([]string, len(v.Cols))
	for i, c := range v.Cols {
		names[i] = c.Name
	}
	cols, _ := json.Marshal(names)
	ignore := "FALSE"
	if v.IgnoreFirst {
		ignore = "TRUE"
	}
	parts := make([]string, len(v.URLs))
	for i, u := range v.URLs {
		a := g.next()
		items := make([]string, len(v.Cols))
		for j, c := range v.Cols {
			items[j] = castText(a+"."+quoteIdent("c"+itoa(j)), c.Type) + " AS " + quoteIdent(c.Name)
		}
		parts[i] = "SELECT " + strings.Join(items, ", ") + " FROM kql_externaldata(" + quoteString(u) + ", " +
			quoteString(v.Format) + ", " + quoteString(string(cols)) + ", " + ignore + ") AS " + a
	}
	return strings.Join(parts, " UNION ALL ")
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}

// castText converts a text cell to a KQL type; text that does not convert is null.
func castText(x string, t schema.Type) string {
	switch t {
	case schema.TypeString, schema.TypeGUID:
		return x
	case schema.TypeDynamic:
		return "(CASE WHEN json_valid(" + x + ") THEN CAST(" + x + " AS JSON) ELSE to_json(" + x + ") END)"
	case schema.TypeBool:
		return "(CASE lower(trim(" + x + ")) WHEN 'true' THEN TRUE WHEN 'false' THEN FALSE WHEN '1' THEN TRUE WHEN '0' THEN FALSE END)"
	}
	return "TRY_CAST(" + x + " AS " + sqlType(t) + ")"
}
