package kql_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/kql"
	"github.com/vigilsec/vigil/internal/kql/kqltest"
	"github.com/vigilsec/vigil/internal/schema"
)

// The geospatial functions and plugins compiled and run on DuckDB (the functions themselves are tested in
// internal/store/duckdb/udf).
func TestGeoExec(t *testing.T) {
	db := kqltest.OpenStore(t)
	const places = `let polygons = datatable(polygon_name:string, polygon:dynamic)
[
    "New York", dynamic({"type":"Polygon","coordinates":[[[-73.97375470114766,40.74300078124614],[-73.98653921014294,40.75486501361894],[-73.99910622331991,40.74112695466084],[-73.97375470114766,40.74300078124614]]]}),
    "Paris", dynamic({"type":"Polygon","coordinates":[[[2.57564669886321,48.769567764921334],[2.420098611499384,49.05163394896812],[2.1016783119165723,48.80113794475062],[2.57564669886321,48.769567764921334]]]}),
];
let roads = datatable(road_name:string, road:dynamic)
[
    "5th Avenue NY", dynamic({"type":"LineString","coordinates":[[-73.97291864770574,40.76428551254824],[-73.99708638113894,40.73145135821781]]}),
];
let locations = datatable(location_name:string, longitude:real, latitude:real)
[
    "Empire State Building", -73.98567337898565, 40.74842629977377,
    "Eiffel Tower", 2.294489426068907, 48.858263476169185,
    "Statue of Liberty", -74.04462223203123, 40.689195627512674,
];
`
	cases := []struct{ name, kql, want string }{
		{"functions", `print a = geo_point_to_s2cell(-80.195829, 25.802215, 8), b = geo_h3cell_level(geo_point_to_h3cell(1, 1, 10)),
c = geo_point_in_circle(-122.143564, 47.535677, -122.100896, 47.527351, 3500), d = isnull(geo_point_in_polygon(200, 1, dynamic({"type":"Polygon"}))),
e = geo_geohash_to_central_point("sunny").coordinates[0]`, `"88d9b" | 10 | true | true | 42.47314453125`},
		{"polygon_lookup", places + `locations | evaluate geo_polygon_lookup(polygons, polygon, longitude, latitude) | project location_name, polygon_name | order by location_name asc`,
			"\"Eiffel Tower\" | \"Paris\"\n\"Empire State Building\" | \"New York\""},
		{"polygon_lookup-radius-unmatched", places + `locations | evaluate geo_polygon_lookup(polygons, polygon, longitude, latitude, radius = 7000, return_unmatched = true) | project location_name, polygon_name | order by location_name asc`,
			"\"Eiffel Tower\" | \"Paris\"\n\"Empire State Building\" | \"New York\"\n\"Statue of Liberty\" | \"New York\""},
		{"polygon_lookup-key", places + `locations | where location_name startswith "Eiffel" | evaluate geo_polygon_lookup(polygons, polygon, longitude, latitude, return_lookup_key = true) | project tostring(polygon.type)`,
			`"Polygon"`},
		{"line_lookup", places + `locations | evaluate geo_line_lookup(roads, road, longitude, latitude, 100, true) | project location_name, road_name | order by location_name asc`,
			"\"Eiffel Tower\" | null\n\"Empire State Building\" | \"5th Avenue NY\"\n\"Statue of Liberty\" | null"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, run(t, db, c.kql))
		})
	}
}

func TestGeoLookupErrors(t *testing.T) {
	for _, c := range []struct{ kql, want string }{
		{`let L = datatable(l:dynamic)[]; datatable(x:real, y:real)[] | evaluate geo_line_lookup(L, l, x, y)`, "needs a radius"},
		{`let P = datatable(p:dynamic)[]; datatable(x:real, y:real)[] | evaluate geo_polygon_lookup(P, nope, x, y)`, "shape"},
		{`let P = datatable(p:dynamic)[]; datatable(x:real, y:real)[] | evaluate geo_polygon_lookup(P, p, x, zz)`, "longitude and latitude"},
		{`let P = datatable(p:dynamic)[]; datatable(x:real, y:real)[] | evaluate geo_polygon_lookup(P, p, x, y, radius = -1)`, "non-negative"},
		{`let P = datatable(p:dynamic)[]; datatable(x:real, y:real)[] | evaluate geo_polygon_lookup(P, p, x, y, return_unmatched = 3)`, "constant bool"},
	} {
		_, errs := kql.Compile(c.kql, schema.NewCatalog())
		require.NotEmpty(t, errs, c.kql)
		require.Contains(t, errs.Render(c.kql), c.want)
	}
}

// Coordinates read from dynamic values (JSON numbers) and decimals reach the functions like reals.
func TestGeoDynamicArguments(t *testing.T) {
	db := kqltest.OpenStore(t)
	require.Equal(t, `1.54675435e+06 | "862a1072fffffff" | true`, run(t, db, `print d = dynamic({"lng": -122.407628, "lat": 47.578557, "p": [-74.04450446039874, 40.689250859314974]})
| project a = round(geo_distance_2points(d.lng, d.lat, -118.275287, 34.019056), 2), b = geo_point_to_h3cell(d.p[0], d.p[1], 6),
  c = geo_point_in_circle(d.lng, d.lat, -122.407628, 47.578557, todecimal(1))`))
}
