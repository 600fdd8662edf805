package udf

import (
	"database/sql/driver"
	"testing"
)

// Per-row costs of the geo functions as DuckDB calls them (one call per row, the GeoJSON as text).
func BenchmarkGeo(b *testing.B) {
	const poly = `{"type":"Polygon","coordinates":[[[-73.92597198486328,40.87821814104651],[-73.94691467285156,40.85069618625578],[-73.94691467285156,40.841865966890786],[-74.01008605957031,40.7519385984599],[-74.01866912841797,40.704586878965245],[-74.01214599609375,40.699901911003046],[-73.99772644042969,40.70875101828792],[-73.97747039794922,40.71083299030839],[-73.97026062011719,40.7290474687069],[-73.97506713867186,40.734510840309376],[-73.970947265625,40.74543623770158],[-73.94210815429688,40.77586181063573],[-73.9434814453125,40.78080140115127],[-73.92974853515625,40.79691751000055],[-73.93077850341797,40.804454347291006],[-73.93489837646484,40.80965166748853],[-73.93524169921875,40.837190668541105],[-73.92288208007812,40.85770758108904],[-73.9101791381836,40.871728144624974],[-73.92597198486328,40.87821814104651]]]}`
	for _, c := range []struct {
		name string
		args []driver.Value
	}{
		{"kql_geo_point_in_polygon", []driver.Value{-73.985654, 40.748487, poly}},
		{"kql_geo_distance_point_to_polygon", []driver.Value{-73.874367, 40.777356, poly}},
		{"kql_geo_distance_2points", []driver.Value{-122.407628, 47.578557, -118.275287, 34.019056}},
		{"kql_geo_point_to_s2cell", []driver.Value{-80.195829, 25.802215, 16.0}},
		{"kql_geo_point_to_h3cell", []driver.Value{-80.195829, 25.802215, 9.0}},
		{"kql_geo_point_to_geohash", []driver.Value{-80.195829, 25.802215, 8.0}},
	} {
		var fn Func
		for _, f := range funcs[c.name] {
			if len(f.Args) == len(c.args) {
				fn = f
			}
		}
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := fn.Fn(c.args); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
