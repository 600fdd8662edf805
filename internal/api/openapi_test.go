package api_test

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/api"
	"github.com/vigilsec/vigil/internal/schema"
)

// TestOpenAPIMatchesRoutes keeps the OpenAPI document and the router in sync: every registered route is
// documented with its method, and every documented operation is registered.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(api.OpenAPI(), &doc))
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	srv := api.New(api.Deps{Catalog: schema.NewCatalog(), Metrics: http.NotFoundHandler()})
	registered := map[string]bool{}
	for _, r := range srv.Routes() {
		path := r[1]
		if path != "/" {
			path = strings.TrimSuffix(path, "/")
		}
		registered[r[0]+" "+path] = true
	}
	var missing, extra []string
	for k := range registered {
		if !documented[k] {
			missing = append(missing, k)
		}
	}
	for k := range documented {
		if !registered[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	require.Empty(t, missing, "routes missing from openapi.json")
	require.Empty(t, extra, "operations in openapi.json with no route")
}

// TestEveryOperationNamesItsPermission checks that each documented operation says which permission it needs.
func TestEveryOperationNamesItsPermission(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]struct {
			Permission string `json:"x-permission"`
		} `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(api.OpenAPI(), &doc))
	for path, ops := range doc.Paths {
		for method, op := range ops {
			require.NotEmpty(t, op.Permission, "%s %s", method, path)
		}
	}
}
