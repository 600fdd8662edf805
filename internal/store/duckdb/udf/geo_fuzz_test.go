package udf

import (
	"database/sql/driver"
	"strings"
	"testing"
)

// FuzzGeo feeds arbitrary text to every geospatial function as its GeoJSON or token argument, with numbers in
// the other places: no input may panic, and a result is null, a string, a number or a bool.
func FuzzGeo(f *testing.F) {
	for _, s := range []string{
		`{"type":"Polygon","coordinates":[[[0,0],[10,0],[10,10],[0,0]]]}`,
		`{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[5,5],[6,5],[6,6],[5,5]]]]}`,
		`{"type":"LineString","coordinates":[[0,0],[1,1],[1,1],[2,0]]}`,
		`{"type":"MultiLineString","coordinates":[[[0,0],[0,0]]]}`,
		`{"type":"Polygon","coordinates":[[[0,90],[0,90],[0,90],[0,90]]]}`,
		`{"type":"Point","coordinates":[180,-90]}`,
		`[{"type":"LineString","coordinates":[[0,0],[1,1]]}]`,
		`{"type":"Polygon","coordinates":[[[0,0],[180,0],[0,1],[0,0]]]}`,
		`{"type":"LineString","coordinates":[[1e308,0],[0,0]]}`,
		"862a1072fffffff", "89c259", "sunny", "", `"x"`, "null", "[[[", `{"type":"Polygon","coordinates":[[]]}`,
	} {
		f.Add(s, 1.0, 2.0)
	}
	names := Names()
	f.Fuzz(func(t *testing.T, s string, x, y float64) {
		if len(s) > 4096 {
			return
		}
		for _, name := range names {
			if !strings.HasPrefix(name, "kql_geo_") || strings.Contains(name, "to_s2cells") || strings.Contains(name, "to_h3cells") {
				// Coverings are exercised by their tests; at fine levels a fuzzed polygon may cover up to the
				// limit's 65,536 cells, too slow for a fuzz loop.
				continue
			}
			for _, fn := range funcs[name] {
				args := make([]driver.Value, len(fn.Args))
				for i, a := range fn.Args {
					switch a {
					case JSON, String:
						args[i] = s
					default:
						if i%2 == 0 {
							args[i] = x
						} else {
							args[i] = y
						}
					}
				}
				v, err := fn.Fn(args)
				if err != nil {
					t.Fatalf("%s(%q, %v, %v): %v", name, s, x, y, err)
				}
				switch v.(type) {
				case nil, string, float64, int64, bool:
				default:
					t.Fatalf("%s gave a %T", name, v)
				}
			}
		}
	})
}
