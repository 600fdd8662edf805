package duckdb

import (
	"strconv"

	"github.com/vigilsec/vigil/internal/kql/plan"
)

// geoMatch is the join condition of geo_polygon_lookup and geo_line_lookup: the left row's point inside the
// right row's polygon, or within the radius of its polygon or line, computed by the registered Go functions.
func geoMatch(m *plan.GeoMatch, l, r string) string {
	lng := "CAST(" + l + "." + quoteIdent(m.Lng) + " AS DOUBLE)"
	lat := "CAST(" + l + "." + quoteIdent(m.Lat) + " AS DOUBLE)"
	shape := "CAST(" + r + "." + quoteIdent(m.Shape) + " AS VARCHAR)"
	radius := strconv.FormatFloat(m.Radius, 'g', -1, 64)
	switch {
	case m.Line:
		return "coalesce(kql_geo_distance_point_to_line(" + lng + ", " + lat + ", " + shape + ") <= " + radius + ", FALSE)"
	case m.Radius > 0:
		return "coalesce(kql_geo_distance_point_to_polygon(" + lng + ", " + lat + ", " + shape + ") <= " + radius + ", FALSE)"
	}
	return "coalesce(kql_geo_point_in_polygon(" + lng + ", " + lat + ", " + shape + "), FALSE)"
}
