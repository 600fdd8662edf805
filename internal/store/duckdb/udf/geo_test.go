package udf_test

import (
	"database/sql"
	"encoding/json"
	"math"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// Geospatial functions called through DuckDB as the compiled KQL calls them. Expected values are the outputs
// the Kusto documentation gives for the same calls, or values derived here from the sphere's geometry.

const earthRadius = 6371010.0

// geoCase is one SQL expression and what it must give: nil (null), a string, a bool, a number (compared to 1e-9
// relative), or json (a JSON text compared by value, numbers to 1e-9 relative).
type geoCase struct {
	expr string
	want any
}

type jsonText string

func runGeo(t *testing.T, db *sql.DB, cases []geoCase) {
	t.Helper()
	for _, c := range cases {
		var got any
		if err := db.QueryRow("SELECT " + c.expr).Scan(&got); err != nil {
			t.Errorf("%s: %v", c.expr, err)
			continue
		}
		if !geoEqual(c.want, got) {
			t.Errorf("%s = %v, want %v", c.expr, got, c.want)
		}
	}
}

func geoEqual(want, got any) bool {
	switch w := want.(type) {
	case nil:
		return got == nil
	case float64:
		g, ok := got.(float64)
		return ok && math.Abs(g-w) <= 1e-9*math.Max(1, math.Abs(w))
	case int:
		switch g := got.(type) {
		case int64:
			return g == int64(w)
		case uint64:
			return g == uint64(w)
		case int32:
			return g == int32(w)
		}
		return false
	case jsonText:
		s, ok := got.(string)
		if !ok {
			return false
		}
		var a, b any
		if json.Unmarshal([]byte(w), &a) != nil || json.Unmarshal([]byte(s), &b) != nil {
			return false
		}
		return jsonClose(a, b)
	}
	return reflect.DeepEqual(want, got)
}

func jsonClose(a, b any) bool {
	switch x := a.(type) {
	case float64:
		y, ok := b.(float64)
		return ok && math.Abs(x-y) <= 1e-9*math.Max(1, math.Abs(x))
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !jsonClose(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k := range x {
			if !jsonClose(x[k], y[k]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

func q(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func TestGeoCells(t *testing.T) {
	db := open(t)
	runGeo(t, db, []geoCase{
		// S2 (documented: geo_point_to_s2cell, geo_s2cell_to_polygon, geo_s2cell_neighbors).
		{"kql_geo_point_to_s2cell(-80.195829, 25.802215, 8)", "88d9b"},
		{"kql_geo_point_to_s2cell(10.1234, 53, 8)", "47b1d"},
		{"kql_geo_point_to_s2cell(10.6842, 53, 8)", "47ae3"},
		{"kql_geo_point_to_s2cell(300, 1, 8)", ""},
		{"kql_geo_point_to_s2cell(1, 1, 35)", ""},
		{"kql_geo_point_to_s2cell(1, 1, 1.5)", ""},
		{"kql_geo_point_to_s2cell(1, 1, NULL)", nil},
		{"kql_geo_s2cell_to_polygon('89c259')", jsonText(`{"type":"Polygon","coordinates":[[[-74.030012249838478,40.8012684339439],[-74.030012249838478,40.7222262918358],[-73.935982114337421,40.708880489804564],[-73.935982114337421,40.787917134506841],[-74.030012249838478,40.8012684339439]]]}`)},
		{"kql_geo_s2cell_to_polygon('a')", nil},
		{"kql_geo_s2cell_to_polygon('zz')", nil},
		{"kql_geo_s2cell_neighbors('89c259')", jsonText(`["89c25d","89c2f9","89c251","89c257","89c25f","89c25b","89c2f7","89c2f5"]`)},
		{"kql_geo_s2cell_neighbors('a')", nil},
		// The north pole is one place whatever its longitude; cells on either side of the antimeridian are
		// neighbours.
		{"kql_geo_point_to_s2cell(0, 90, 10) = kql_geo_point_to_s2cell(123, 90, 10)", true},
		{"list_contains(CAST(kql_geo_s2cell_neighbors(kql_geo_point_to_s2cell(179.99, 10, 10)) AS VARCHAR[]), kql_geo_point_to_s2cell(-179.99, 10, 10))", true},

		// H3 (documented: geo_point_to_h3cell, geo_h3cell_*).
		{"kql_geo_point_to_h3cell(-74.04450446039874, 40.689250859314974, 6)", "862a1072fffffff"},
		{"kql_geo_point_to_h3cell(-73.956683, 40.807907, 5)", "852a100bfffffff"},
		{"kql_geo_point_to_h3cell(300, 1, 8)", ""},
		{"kql_geo_point_to_h3cell(1, 1, 16)", ""},
		{"kql_geo_h3cell_to_central_point('862a1072fffffff')", jsonText(`{"type":"Point","coordinates":[-74.016008479792447,40.7041679083504]}`)},
		{"kql_geo_h3cell_to_central_point('1')", nil},
		{"kql_geo_h3cell_to_polygon('862a1072fffffff')", jsonText(`{"type":"Polygon","coordinates":[[[-74.0022744646159,40.735376026215022],[-74.046908029686236,40.727986222489115],[-74.060610712223664,40.696775140349033],[-74.029724408156682,40.672970047595463],[-73.985140983708192,40.680349049267583],[-73.971393761028622,40.71154393543933],[-74.0022744646159,40.735376026215022]]]}`)},
		{"kql_geo_h3cell_to_polygon('@')", nil},
		{"kql_geo_h3cell_level('862a1072fffffff')", 6},
		{"kql_geo_h3cell_level('abc')", nil},
		{"kql_geo_h3cell_parent('862a1072fffffff')", "852a1073fffffff"},
		{"kql_geo_h3cell_parent('862a1072fffffff', 1)", "812a3ffffffffff"},
		{"kql_geo_h3cell_parent('862a1072fffffff', 15)", ""},
		{"kql_geo_h3cell_parent('123')", ""},
		{"kql_geo_h3cell_children('862a1072fffffff')", jsonText(`["872a10728ffffff","872a10729ffffff","872a1072affffff","872a1072bffffff","872a1072cffffff","872a1072dffffff","872a1072effffff"]`)},
		{"json_array_length(kql_geo_h3cell_children('862a1072fffffff', 9))", 343},
		{"kql_geo_h3cell_children(kql_geo_point_to_h3cell(1, 1, 9), 15)", nil},
		{"kql_geo_h3cell_children('abc')", nil},
		{"kql_geo_h3cell_neighbors('862a1072fffffff')", jsonText(`["862a10727ffffff","862a10707ffffff","862a1070fffffff","862a10777ffffff","862a100dfffffff","862a100d7ffffff"]`)},
		{"kql_geo_h3cell_rings('861f8894fffffff', 1)", jsonText(`[["861f8894fffffff"],["861f88947ffffff","861f8895fffffff","861f88867ffffff","861f8d497ffffff","861f8d4b7ffffff","861f8896fffffff"]]`)},
		{"kql_geo_h3cell_rings('861f8894fffffff', 150)", nil},
		{"kql_geo_h3cell_rings('abc', 3)", nil},
		// Poles: the cell of the north pole has a boundary all around it.
		{"kql_geo_h3cell_level(kql_geo_point_to_h3cell(0, 90, 4))", 4},

		// Geohash (documented: geo_point_to_geohash, geo_geohash_*).
		{"kql_geo_point_to_geohash(-80.195829, 25.802215, 8)", "dhwfz15h"},
		{"kql_geo_point_to_geohash(-122.303404, 47.570482)", "c23n8"},
		{"kql_geo_point_to_geohash(200, 1, 8)", ""},
		{"kql_geo_point_to_geohash(1, 1, 19)", ""},
		{"kql_geo_geohash_to_central_point('sunny')", jsonText(`{"type":"Point","coordinates":[42.47314453125,23.70849609375]}`)},
		{"kql_geo_geohash_to_central_point('a')", nil},
		{"kql_geo_geohash_to_polygon('dr5ru')", jsonText(`{"type":"Polygon","coordinates":[[[-74.00390625,40.7373046875],[-73.9599609375,40.7373046875],[-73.9599609375,40.78125],[-74.00390625,40.78125],[-74.00390625,40.7373046875]]]}`)},
		{"kql_geo_geohash_neighbors('sunny')", jsonText(`["sunnt","sunpj","sunnx","sunpn","sunnv","sunpp","sunnz","sunnw"]`)},
		{"kql_geo_geohash_neighbors('a')", nil},
		// Next to the north pole there is nothing further north: five neighbours.
		{"json_array_length(kql_geo_geohash_neighbors(kql_geo_point_to_geohash(0, 89.99, 3)))", 5},
	})

	// Across the antimeridian, the neighbours of a cell at 180° include cells at -180°.
	var ns string
	if err := db.QueryRow("SELECT kql_geo_geohash_neighbors(kql_geo_point_to_geohash(179.99, 0, 4))").Scan(&ns); err != nil {
		t.Fatal(err)
	}
	var cells []string
	if err := json.Unmarshal([]byte(ns), &cells); err != nil {
		t.Fatal(err)
	}
	west := 0
	for _, c := range cells {
		var p string
		if err := db.QueryRow("SELECT kql_geo_geohash_to_central_point(" + q(c) + ")").Scan(&p); err != nil {
			t.Fatal(err)
		}
		var pt struct{ Coordinates []float64 }
		if err := json.Unmarshal([]byte(p), &pt); err != nil {
			t.Fatal(err)
		}
		if pt.Coordinates[0] < 0 {
			west++
		}
	}
	if len(cells) != 8 || west != 3 {
		t.Errorf("neighbours across the antimeridian: %v (%d west of it), want 8 with 3 west", cells, west)
	}
}

const (
	vegasLine   = `{"type":"LineString","coordinates":[[-115.115385,36.229195],[-115.136995,36.200366],[-115.140252,36.192470],[-115.143558,36.188523],[-115.144076,36.181954],[-115.154662,36.174483],[-115.166431,36.176388],[-115.183289,36.175007],[-115.192612,36.176736],[-115.202485,36.173439],[-115.225355,36.174365]]}`
	centralPark = `{"type":"Polygon","coordinates":[[[-73.9495,40.7969],[-73.95807266235352,40.80068603561921],[-73.98201942443848,40.76825672305777],[-73.97317886352539,40.76455136505513],[-73.9495,40.7969]]]}`
	// A square across the antimeridian, and a triangle around the north pole.
	dateLineSquare = `{"type":"Polygon","coordinates":[[[170,-10],[-170,-10],[-170,10],[170,10],[170,-10]]]}`
	polarCap       = `{"type":"Polygon","coordinates":[[[0,80],[120,80],[-120,80],[0,80]]]}`
)

func TestGeoMeasures(t *testing.T) {
	db := open(t)
	deg := earthRadius * math.Pi / 180
	runGeo(t, db, []geoCase{
		{"kql_geo_distance_2points(-122.407628, 47.578557, -118.275287, 34.019056)", 1546754.35197381},
		{"kql_geo_distance_2points(300, 1, 1, 1)", nil},
		{"kql_geo_distance_2points(179.5, 0, -179.5, 0)", deg},
		{"kql_geo_distance_2points(0, 90, 180, 90)", 0.0},
		{"kql_geo_distance_2points(0, 90, 0, -90)", math.Pi * earthRadius},
		{"kql_geo_point_in_circle(-122.143564, 47.535677, -122.100896, 47.527351, 3500)", true},
		{"kql_geo_point_in_circle(-122.137575, 47.630683, -122.100896, 47.527351, 3500)", false},
		{"kql_geo_point_in_circle(200, 1, 1, 1, 1)", nil},
		{"kql_geo_point_in_circle(1, 1, 1, 1, -1)", nil},
		{"kql_geo_azimuth(0, 0, 0, 1)", 0.0},
		{"kql_geo_azimuth(0, 0, 1, 0)", math.Pi / 2},
		{"kql_geo_azimuth(0, 0, -1, 0)", 3 * math.Pi / 2},
		{"kql_geo_azimuth(1, 1, 1, 1)", nil},
		{"kql_geo_angle(0, 1, 0, 0, 1, 0)", math.Pi / 2},
		{"kql_geo_angle(0, 10, 0, 5, 3, -10)", 2.94493843406882},
		{"kql_geo_angle(0, 10, 0, 10, 3, -10)", nil},
		{"kql_geo_angle(0, 10, 180, -10, 3, -10)", nil},

		{"kql_geo_distance_point_to_line(-115.199625, 36.210419, " + q(vegasLine) + ")", 3797.88887253334},
		{`kql_geo_distance_point_to_line(1, 1, '{"type":"LineString"}')`, nil},
		{`kql_geo_distance_point_to_line(300, 3, '{"type":"LineString","coordinates":[[1,1],[2,2]]}')`, nil},
		{"kql_geo_closest_point_on_line(-115.199625, 36.210419, " + q(vegasLine) + ")", jsonText(`{"type":"Point","coordinates":[-115.192612,36.176736]}`)},
		{"kql_geo_distance_point_to_polygon(-73.9839, 40.7705, " + q(centralPark) + ")", 259.940756070596},
		{"kql_geo_distance_point_to_polygon(-73.965, 40.785, " + q(centralPark) + ")", 0.0},
		{`kql_geo_distance_point_to_polygon(1, 1, '{"type":"Polygon","coordinates":[[[0,0],[10,10],[10,10],[0,0]]]}')`, nil},
		{"kql_geo_point_in_polygon(-73.965, 40.785, " + q(centralPark) + ")", true},
		{"kql_geo_point_in_polygon(-73.9839, 40.7705, " + q(centralPark) + ")", false},
		{"kql_geo_point_in_polygon(180, 0, " + q(dateLineSquare) + ")", true},
		{"kql_geo_point_in_polygon(-175, 5, " + q(dateLineSquare) + ")", true},
		{"kql_geo_point_in_polygon(0, 0, " + q(dateLineSquare) + ")", false},
		{"kql_geo_point_in_polygon(45, 90, " + q(polarCap) + ")", true},
		{"kql_geo_point_in_polygon(45, 70, " + q(polarCap) + ")", false},
		{`kql_geo_point_in_polygon(200, 1, '{"type":"Polygon","coordinates":[[[0,0],[10,10],[10,1],[0,0]]]}')`, nil},
		{`kql_geo_point_in_polygon(1, 1, '{"type":"Polygon","coordinates":[[[0,0],[10,10],[10,1]]]}')`, nil},
		{`kql_geo_point_in_polygon(1, 1, 'not json')`, nil},
		{`kql_geo_point_in_polygon(1, 1, '{"type":"Point","coordinates":[1,1]}')`, nil},

		{`kql_geo_line_length('{"type":"LineString","coordinates":[[0,0],[1,0],[1,1]]}')`, 2 * deg},
		{`kql_geo_line_length('{"type":"LineString","coordinates":[[179.5,0],[-179.5,0]]}')`, deg},
		{`kql_geo_line_length('{"type":"LineString","coordinates":[[0,0],[180,0]]}')`, nil},
		{`kql_geo_line_centroid('{"type":"LineString","coordinates":[[-73.95796,40.80042],[-73.97317,40.764486]]}')`,
			jsonText(`{"type":"Point","coordinates":[-73.965567057230942,40.782453249627416]}`)},
		{`kql_geo_line_centroid('{"type":"LineString","coordinates":[[1,1]]}')`, nil},
		{`kql_geo_line_locate_point('{"type":"LineString","coordinates":[[-73.95796,40.80042],[-73.97317,40.764486]]}', -73.965, 40.792)`, 0.25560135100307552},
		{"kql_geo_polygon_centroid(" + q(centralPark) + ")", jsonText(`{"type":"Point","coordinates":[-73.965735689907618,40.782550538057812]}`)},
		{`kql_geo_polygon_area('{"type":"Polygon","coordinates":[[[0,0],[10,10],[10,10],[0,0]]]}')`, nil},
	})

	var area, perim float64
	if err := db.QueryRow(`SELECT kql_geo_polygon_area('{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}'),
		kql_geo_polygon_perimeter('{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}')`).Scan(&area, &perim); err != nil {
		t.Fatal(err)
	}
	// A one-degree square on the equator: about R²·Δλ·(sin φ2 − sin φ1) (its edges are geodesics, not parallels,
	// so not exactly), and a perimeter of about four degrees.
	band := earthRadius * earthRadius * (math.Pi / 180) * math.Sin(math.Pi/180)
	if math.Abs(area-band)/band > 1e-4 {
		t.Errorf("area of the one-degree square = %v, want about %v", area, band)
	}
	if math.Abs(perim-4*deg)/(4*deg) > 1e-4 {
		t.Errorf("perimeter of the one-degree square = %v, want about %v", perim, 4*deg)
	}
	// A hole takes its area away; the area does not depend on the rings' direction.
	var holed, reversed float64
	if err := db.QueryRow(`SELECT kql_geo_polygon_area('{"type":"Polygon","coordinates":[[[0,0],[2,0],[2,2],[0,2],[0,0]],[[0.5,0.5],[0.5,1.5],[1.5,1.5],[1.5,0.5],[0.5,0.5]]]}'),
		kql_geo_polygon_area('{"type":"Polygon","coordinates":[[[0,0],[0,1],[1,1],[1,0],[0,0]]]}')`).Scan(&holed, &reversed); err != nil {
		t.Fatal(err)
	}
	if math.Abs(holed-3*area)/(3*area) > 1e-3 || math.Abs(reversed-area) > 1e-6*area {
		t.Errorf("holed area %v (want about %v), reversed ring %v (want %v)", holed, 3*area, reversed, area)
	}
}

func TestGeoDensifySimplify(t *testing.T) {
	db := open(t)
	runGeo(t, db, []geoCase{
		{`kql_geo_line_densify('{"type":"LineString","coordinates":[[-73.949247,40.796860],[-73.973017,40.764323]]}')`,
			jsonText(`{"type":"LineString","coordinates":[[-73.949247,40.796860],[-73.973017,40.764323]]}`)},
		{`kql_geo_line_densify('{"type":"LineString","coordinates":[[50,50],[51,51]]}')`,
			jsonText(`{"type":"LineString","coordinates":[[50,50],[50.125,50.125],[50.25,50.25],[50.375,50.375],[50.5,50.5],[50.625,50.625],[50.75,50.75],[50.875,50.875],[51,51]]}`)},
		{`kql_geo_line_densify('{"type":"LineString","coordinates":[[300,1],[1,1]]}')`, nil},
		{`kql_geo_line_densify('{"type":"LineString","coordinates":[[1,1],[2,2]]}', 0)`, nil},
		{`kql_geo_polygon_densify('{"type":"Polygon","coordinates":[[[10,10],[11,10],[11,11],[10,11],[10,10]]]}')`,
			jsonText(`{"type":"Polygon","coordinates":[[[10,10],[10.25,10],[10.5,10],[10.75,10],[11,10],[11,11],[10.75,11],[10.5,11],[10.25,11],[10,11],[10,10]]]}`)},
		{`kql_geo_polygon_densify('{"type":"Polygon","coordinates":[[[10,900],[11,10],[11,11],[10,11],[10,10]]]}')`, nil},
		{`kql_geo_line_simplify('{"type":"LineString","coordinates":[[-73.97033169865608,40.789063020152824],[-73.97039607167244,40.78897975920816],[-73.9704617857933,40.78888837512432],[-73.97052884101868,40.7887949601531],[-73.9706052839756,40.788698498903564],[-73.97065222263336,40.78862640672032],[-73.97072866559029,40.78852791445617],[-73.97079303860664,40.788434498977836]]}', 10)`,
			jsonText(`{"type":"LineString","coordinates":[[-73.97033169865608,40.789063020152824],[-73.97079303860664,40.788434498977836]]}`)},
		{`kql_geo_line_simplify('{"type":"LineString","coordinates":[[1,1]]}')`, nil},
		{`kql_geo_line_simplify('{"type":"LineString","coordinates":[[1,1],[2,2]]}', -1)`, nil},
		{`kql_geo_line_simplify('{"type":"LineString","coordinates":[[1.1,1.1],[1.2,1.2]]}', 100000)`, nil},
		{`kql_geo_polygon_simplify('{"type":"Polygon","coordinates":[[[-73.94885122776031,40.79673476355657],[-73.94885927438736,40.79692258628347],[-73.94887939095497,40.79692055577034],[-73.9488673210144,40.79693476936093],[-73.94888743758202,40.79693476936093],[-73.9488834142685,40.796959135509105],[-73.94890084862709,40.79695304397289],[-73.94906312227248,40.79710736271788],[-73.94923612475395,40.7968708081794],[-73.94885122776031,40.79673476355657]]]}')`,
			jsonText(`{"type":"Polygon","coordinates":[[[-73.948851227760315,40.796734763556572],[-73.949063122272477,40.797107362717881],[-73.949236124753952,40.7968708081794],[-73.948851227760315,40.796734763556572]]]}`)},
		{`kql_geo_polygon_simplify('{"type":"Polygon","coordinates":[[[5,48],[0,50],[0,47],[4,47],[5,48]]]}', 1000000)`, nil},
		{`kql_geo_polygon_simplify('{"type":"Polygon","coordinates":[[[5,48],[0,50],[0,47],[4,47],[5,48]]]}', -0.1)`, nil},
	})
}

func TestGeoRelations(t *testing.T) {
	db := open(t)
	const l1 = `{"type":"LineString","coordinates":[[-73.978929,40.785155],[-73.980903,40.782621]]}`
	const l2 = `{"type":"LineString","coordinates":[[-73.985195,40.788275],[-73.974552,40.779761]]}`
	runGeo(t, db, []geoCase{
		{"kql_geo_intersects_2lines(" + q(l1) + ", " + q(l2) + ")", true},
		{`kql_geo_intersects_2lines('{"type":"LineString","coordinates":[[1,1],[2,2]]}', '{"type":"LineString","coordinates":[[3,3],[4,4]]}')`, false},
		{"kql_geo_intersects_2lines(" + q(l1) + `, '{"type":"LineString","coordinates":[[-73.985195,40.788275]]}')`, nil},
		{"kql_geo_intersection_2lines(" + q(l1) + ", " + q(l2) + ")", jsonText(`{"type":"Point","coordinates":[-73.979837116670978,40.783989289772165]}`)},
		{"kql_geo_intersection_2lines(" + q(l1) + ", " + q(l1) + ")", jsonText(l1)},
		{`kql_geo_intersection_2lines('{"type":"LineString","coordinates":[[1,1],[2,2]]}', '{"type":"LineString","coordinates":[[3,3],[4,4]]}')`, jsonText(`{"type":"GeometryCollection","geometries":[]}`)},
		{"kql_geo_intersection_2lines(" + q(l1) + ", " + q(centralPark) + ")", nil},
		{"kql_geo_intersection_line_with_polygon(" + q(l2) + `, '{"type":"Polygon","coordinates":[[[-73.9712905883789,40.78580561168767],[-73.98004531860352,40.775276834803655],[-73.97000312805176,40.77852663535664],[-73.9712905883789,40.78580561168767]]]}')`,
			jsonText(`{"type":"LineString","coordinates":[[-73.975611956578192,40.78060906714618],[-73.974552,40.779761]]}`)},
		{`kql_geo_intersection_line_with_polygon('{"type":"LineString","coordinates":[[-110.522,39.198],[-91.428,40.880]]}', '{"type":"Polygon","coordinates":[[[-90.263,36.738],[-102.041,45.274],[-109.335,36.527],[-90.263,36.738]],[[-100.393,41.705],[-103.139,38.925],[-97.558,39.113],[-100.393,41.705]]]}')`,
			jsonText(`{"type":"MultiLineString","coordinates":[[[-106.89353655881905,39.769226209776306],[-101.74448553679453,40.373506008712525]],[[-99.136499431328858,40.589336512699994],[-95.284527737311791,40.799060242246348]]]}`)},
		{"kql_geo_intersects_line_with_polygon(" + q(l2) + ", " + q(centralPark) + ")", false},
		{"kql_geo_intersects_2polygons(" + q(centralPark) + ", " + q(centralPark) + ")", true},
		{"kql_geo_intersects_2polygons(" + q(dateLineSquare) + ", " + q(centralPark) + ")", false},
		{`kql_geo_union_lines_array('[{"type":"LineString","coordinates":[[-73.95683884620665,40.80502891480884],[-73.95633727312088,40.8057171711177],[-73.95489156246185,40.80510200431311]]},{"type":"LineString","coordinates":[[-73.95633727312088,40.8057171711177],[-73.95489156246185,40.80510200431311],[-73.95537436008453,40.804413741624515]]}]')`,
			jsonText(`{"type":"LineString","coordinates":[[-73.956838846206651,40.805028914808844],[-73.95633727312088,40.8057171711177],[-73.954891562461853,40.80510200431312],[-73.955374360084534,40.804413741624522]]}`)},
		{`kql_geo_union_lines_array('[{"type":"LineString","coordinates":[[1,1]]}]')`, nil},
	})
}

func TestGeoCoverings(t *testing.T) {
	db := open(t)
	const triangle = `{"type":"Polygon","coordinates":[[[0,0],[0,50],[100,50],[0,0]]]}`
	runGeo(t, db, []geoCase{
		// Documented: 286 level-5 cells cover the triangle; level 30 would need more than 65,536.
		{"json_array_length(kql_geo_polygon_to_s2cells(" + q(triangle) + ", 5))", 286},
		{"kql_geo_polygon_to_s2cells(" + q(triangle) + ", 30)", nil},
		{`kql_geo_line_to_s2cells('{"type":"LineString","coordinates":[[[0,0],[0,0]]]}')`, nil},
		{`kql_geo_polygon_to_h3cells('{"type":"Polygon","coordinates":[[[0,0],[1,1]]]}')`, nil},
	})
	// Every covering holds the cell of a point inside (or on) the shape, and more cells with a radius.
	var inside, line, near, far bool
	if err := db.QueryRow(`SELECT
		list_contains(CAST(kql_geo_polygon_to_s2cells(`+q(centralPark)+`, 16) AS VARCHAR[]), kql_geo_point_to_s2cell(-73.965, 40.785, 16)),
		list_contains(CAST(kql_geo_line_to_s2cells(`+q(vegasLine)+`, 14) AS VARCHAR[]), kql_geo_point_to_s2cell(-115.166431, 36.176388, 14)),
		list_contains(CAST(kql_geo_line_to_s2cells(`+q(vegasLine)+`, 14, 5000) AS VARCHAR[]), kql_geo_point_to_s2cell(-115.199625, 36.210419, 14)),
		list_contains(CAST(kql_geo_line_to_s2cells(`+q(vegasLine)+`, 14) AS VARCHAR[]), kql_geo_point_to_s2cell(-115.199625, 36.210419, 14))`).
		Scan(&inside, &line, &near, &far); err != nil {
		t.Fatal(err)
	}
	if !inside || !line || !near || far {
		t.Errorf("coverings: polygon holds inside point %v, line holds vertex %v, radius 5 km reaches a point 3.8 km away %v, no radius reaches it %v",
			inside, line, near, far)
	}
	// H3: the cells whose centres the polygon holds (the documented 13 for this polygon; Kusto lists them in
	// another order).
	var cells string
	if err := db.QueryRow(`SELECT kql_geo_polygon_to_h3cells('{"type":"Polygon","coordinates":[[[-3.659,40.553],[-3.913,40.409],[-3.729,40.273],[-3.524,40.440],[-3.659,40.553]]]}')`).Scan(&cells); err != nil {
		t.Fatal(err)
	}
	var got []string
	if err := json.Unmarshal([]byte(cells), &got); err != nil {
		t.Fatal(err)
	}
	want := []string{"86390cb57ffffff", "86390cb0fffffff", "86390ca27ffffff", "86390cb87ffffff", "86390cb07ffffff", "86390ca2fffffff", "86390ca37ffffff", "86390cb17ffffff", "86390cb1fffffff", "86390cb8fffffff", "86390cba7ffffff", "86390ca07ffffff", "86390cbafffffff"}
	sort.Strings(got)
	sort.Strings(want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("geo_polygon_to_h3cells = %v, want %v", got, want)
	}
}

func TestGeoPointBuffer(t *testing.T) {
	db := open(t)
	// Every vertex of the buffer lies on the circle, and the circle's middle is inside it; also around a pole
	// and across the antimeridian.
	for _, c := range [][3]float64{{0.003159306017352037, 51.502929224128394, 300}, {179.999, 0, 1000}, {0, 89.999, 500}} {
		var poly string
		args := strings.Join([]string{ftoa(c[0]), ftoa(c[1]), ftoa(c[2])}, ", ")
		if err := db.QueryRow("SELECT kql_geo_point_buffer(" + args + ")").Scan(&poly); err != nil {
			t.Fatal(err)
		}
		var g struct{ Coordinates [][][2]float64 }
		if err := json.Unmarshal([]byte(poly), &g); err != nil {
			t.Fatal(err)
		}
		ring := g.Coordinates[0]
		if len(ring) < 5 || ring[0] != ring[len(ring)-1] {
			t.Fatalf("buffer of %v: ring %v", c, ring)
		}
		for _, v := range ring {
			var d float64
			if err := db.QueryRow("SELECT kql_geo_distance_2points(" + ftoa(v[0]) + ", " + ftoa(v[1]) + ", " + ftoa(c[0]) + ", " + ftoa(c[1]) + ")").Scan(&d); err != nil {
				t.Fatal(err)
			}
			if math.Abs(d-c[2]) > 1e-6*c[2] {
				t.Fatalf("buffer of %v: vertex %v is %v m from the centre", c, v, d)
			}
		}
		var in bool
		if err := db.QueryRow("SELECT kql_geo_point_in_polygon(" + ftoa(c[0]) + ", " + ftoa(c[1]) + ", " + q(poly) + ")").Scan(&in); err != nil || !in {
			t.Errorf("buffer of %v does not hold its centre (%v)", c, err)
		}
	}
	runGeo(t, db, []geoCase{
		{"kql_geo_point_buffer(0, 0, 0)", nil},
		{"kql_geo_point_buffer(200, 0, 10)", nil},
	})
}

func ftoa(f float64) string {
	b, _ := json.Marshal(f)
	return string(b)
}

func TestGeoOverlay(t *testing.T) {
	db := open(t)
	const p1 = `{"type":"Polygon","coordinates":[[[-73.9495,40.7969],[-73.95807,40.80068],[-73.98201,40.76825],[-73.97317,40.76455],[-73.9495,40.7969]]]}`
	const p2 = `{"type":"Polygon","coordinates":[[[-73.94622,40.79249],[-73.96888,40.79282],[-73.9577,40.7789],[-73.94622,40.79249]]]}`
	const tri = `{"type":"Polygon","coordinates":[[[2,45],[0,45],[1,44],[2,45]]]}`
	runGeo(t, db, []geoCase{
		// Documented outputs.
		{"kql_geo_union_polygons_array(" + q("["+p1+","+p2+"]") + ")", jsonText(`{"type":"Polygon","coordinates":[[[-73.9495,40.7969],[-73.95807,40.80068],[-73.9639277517478,40.792748258673875],[-73.96888,40.792819999999992],[-73.9662719791645,40.7895734224338],[-73.98201,40.76825],[-73.97317,40.76455],[-73.960302383706178,40.782140794645024],[-73.9577,40.7789],[-73.94622,40.79249],[-73.9526593223173,40.792584227716468],[-73.9495,40.7969]]]}`)},
		{`kql_geo_union_polygons_array('[` + p1 + `,{"type":"Polygon","coordinates":[[[-73.94622,40.79249]]]}]')`, nil},
		{`kql_geo_intersection_2polygons('{"type":"Polygon","coordinates":[[[-73.9630937576294,40.77498840732385],[-73.963565826416,40.774383111780914],[-73.96205306053162,40.773745311181585],[-73.96160781383514,40.7743912365898],[-73.9630937576294,40.77498840732385]]]}', '{"type":"Polygon","coordinates":[[[-73.96213352680206,40.775045280447145],[-73.9631313085556,40.774578106920345],[-73.96207988262177,40.77416780398293],[-73.96213352680206,40.775045280447145]]]}')`,
			jsonText(`{"type":"Polygon","coordinates":[[[-73.962105776437156,40.774591360999679],[-73.962642403166868,40.774807020251778],[-73.9631313085556,40.774578106920352],[-73.962079882621765,40.774167803982927],[-73.962105776437156,40.774591360999679]]]}`)},
		{"kql_geo_intersection_2polygons(" + q(tri) + `, '{"type":"Polygon","coordinates":[[[3,44],[2,45],[2,43],[3,44]]]}')`, jsonText(`{"type":"Point","coordinates":[2,45]}`)},
		{"kql_geo_intersection_2polygons(" + q(tri) + `, '{"type":"MultiPolygon","coordinates":[[[[3,44],[2,45],[2,43],[3,44]]],[[[1.192,45.265],[1.005,44.943],[1.356,44.937],[1.192,45.265]]]]}')`,
			jsonText(`{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[2,45]},{"type":"Polygon","coordinates":[[[1.3227075526410679,45.003909145068739],[1.0404565374899824,45.004356403066552],[1.005,44.943],[1.356,44.937],[1.3227075526410679,45.003909145068739]]]}]}`)},
		{"kql_geo_intersection_2polygons(" + q(tri) + `, '{"type":"Polygon","coordinates":[[[3,44],[3,45],[2,43],[3,44]]]}')`, jsonText(`{"type":"GeometryCollection","geometries":[]}`)},
		{`kql_geo_intersection_2polygons('{"type":"Polygon"}', ` + q(tri) + `)`, nil},
		// Polygons sharing an edge meet along it.
		{`kql_geo_intersection_2polygons('{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}', '{"type":"Polygon","coordinates":[[[1,0],[2,0],[2,1],[1,1],[1,0]]]}')`,
			jsonText(`{"type":"LineString","coordinates":[[1,0],[1,1]]}`)},
		// Disjoint polygons stay apart; a polygon inside another's hole fills it.
		{`kql_geo_union_polygons_array('[{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]},{"type":"Polygon","coordinates":[[[5,5],[6,5],[6,6],[5,5]]]}]')`,
			jsonText(`{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[5,5],[6,5],[6,6],[5,5]]]]}`)},
		{`kql_geo_union_polygons_array('[{"type":"Polygon","coordinates":[[[0,0],[3,0],[3,3],[0,3],[0,0]],[[1,1],[1,2],[2,2],[2,1],[1,1]]]},{"type":"Polygon","coordinates":[[[1,1],[2,1],[2,2],[1,2],[1,1]]]}]')`,
			jsonText(`{"type":"Polygon","coordinates":[[[0,0],[3,0],[3,3],[0,3],[0,0]]]}`)},
		// Shapes farther apart than a hemisphere are not supported: null.
		{`kql_geo_union_polygons_array('[{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]},{"type":"Polygon","coordinates":[[[179,0],[180,0],[180,1],[179,0]]]}]')`, nil},
		{`kql_geo_line_buffer('{"type":"LineString"}', 5)`, nil},
		{`kql_geo_line_buffer('{"type":"LineString","coordinates":[[0,0],[1,1]]}', 0)`, nil},
		{`kql_geo_polygon_buffer('{"type":"p"}', 1)`, nil},
		{`kql_geo_polygon_buffer('{"type":"Polygon","coordinates":[[[10,10],[0,10],[0,0],[10,10]]]}', 0)`, nil},
	})

	// The union of a geohash and its neighbours covers the nine cells' area exactly, with the documented
	// outline's 13 vertices (Kusto starts the ring elsewhere).
	var cells []string
	var ns string
	if err := db.QueryRow("SELECT kql_geo_geohash_neighbors('sunny')").Scan(&ns); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(ns), &cells); err != nil {
		t.Fatal(err)
	}
	cells = append(cells, "sunny")
	polys := make([]string, len(cells))
	sum := 0.0
	for i, c := range cells {
		var a float64
		if err := db.QueryRow("SELECT kql_geo_geohash_to_polygon("+q(c)+"), kql_geo_polygon_area(kql_geo_geohash_to_polygon("+q(c)+"))").Scan(&polys[i], &a); err != nil {
			t.Fatal(err)
		}
		sum += a
	}
	var union string
	var area float64
	arr := "[" + strings.Join(polys, ",") + "]"
	if err := db.QueryRow("SELECT kql_geo_union_polygons_array("+q(arr)+"), kql_geo_polygon_area(kql_geo_union_polygons_array("+q(arr)+"))").Scan(&union, &area); err != nil {
		t.Fatal(err)
	}
	var u struct{ Coordinates [][][2]float64 }
	if err := json.Unmarshal([]byte(union), &u); err != nil {
		t.Fatal(err)
	}
	if len(u.Coordinates) != 1 || len(u.Coordinates[0]) != 13 || math.Abs(area-sum) > 1e-9*sum {
		t.Errorf("union of sunny and its neighbours: %s (area %v, cells %v)", union, area, sum)
	}
}

func TestGeoBuffers(t *testing.T) {
	db := open(t)
	const line = `{"type":"LineString","coordinates":[[14.429214068940496,50.10043066548272],[14.431184174126173,50.10046525983731],[14.4303847111523,50.10020274910934]]}`
	var buf string
	var area, length float64
	if err := db.QueryRow("SELECT kql_geo_line_buffer("+q(line)+", 20, 0.1), kql_geo_polygon_area(kql_geo_line_buffer("+q(line)+", 20, 0.1)), kql_geo_line_length("+q(line)+")").Scan(&buf, &area, &length); err != nil {
		t.Fatal(err)
	}
	// Two edges meeting at a sharp angle: less than the two bands and a disk, more than the longer band.
	if full := 2*20*length + math.Pi*20*20; area > full || area < 0.6*full {
		t.Errorf("line buffer area %v, bands and disk %v", area, full)
	}
	// Points within the radius of the line are inside; points beyond it are not.
	for _, c := range []struct {
		lng, lat float64
		in       bool
	}{
		{14.4302, 50.10045, true},   // on the line
		{14.4302, 50.10060, true},   // about 15 m north of it
		{14.4302, 50.10090, false},  // about 50 m north
		{14.42895, 50.10043, true},  // 19 m west of its start
		{14.42880, 50.10043, false}, // 24 m west of its start
	} {
		var in bool
		if err := db.QueryRow("SELECT kql_geo_point_in_polygon(" + ftoa(c.lng) + ", " + ftoa(c.lat) + ", " + q(buf) + ")").Scan(&in); err != nil {
			t.Fatal(err)
		}
		if in != c.in {
			var d float64
			_ = db.QueryRow("SELECT kql_geo_distance_point_to_line(" + ftoa(c.lng) + ", " + ftoa(c.lat) + ", " + q(line) + ")").Scan(&d)
			t.Errorf("point %v,%v (%.1f m from the line) in buffer = %v", c.lng, c.lat, d, in)
		}
	}
	// A polygon's buffer holds the polygon and grows it by about perimeter × radius.
	const square = `{"type":"Polygon","coordinates":[[[12.45,41.90],[12.46,41.90],[12.46,41.91],[12.45,41.91],[12.45,41.90]]]}`
	var parea, barea, perim float64
	if err := db.QueryRow("SELECT kql_geo_polygon_area("+q(square)+"), kql_geo_polygon_area(kql_geo_polygon_buffer("+q(square)+", 100, 0.1)), kql_geo_polygon_perimeter("+q(square)+")").Scan(&parea, &barea, &perim); err != nil {
		t.Fatal(err)
	}
	if want := parea + perim*100 + math.Pi*100*100; math.Abs(barea-want) > 0.01*want {
		t.Errorf("polygon buffer area %v, want about %v", barea, want)
	}
}

// DuckDB calls the functions from several threads over a large input; the shared parsed polygon must give every
// row its answer.
func TestGeoManyRows(t *testing.T) {
	db := open(t)
	var n int64
	const box = `{"type":"Polygon","coordinates":[[[0,0],[10,0],[10,10],[0,10],[0,0]]]}`
	if err := db.QueryRow("SELECT count(*) FROM range(200000) r(i) WHERE kql_geo_point_in_polygon((i % 100) * 0.2 - 5, 5, " + q(box) + ")").Scan(&n); err != nil {
		t.Fatal(err)
	}
	// Longitudes 0.2 to 9.8 of every hundred rows are inside.
	if n != 98000 {
		t.Errorf("rows inside = %d, want 98000", n)
	}
}
