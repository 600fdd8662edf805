package sema

// The geospatial functions (geo_*). They are compiled to Go functions registered in DuckDB
// (internal/store/duckdb/udf/geo*.go); GeoJSON values are dynamic.
func init() {
	for _, f := range []struct {
		name     string
		min, max int
		ret      retRule
	}{
		// S2, H3 and geohash cells.
		{"geo_point_to_s2cell", 2, 3, fixed(tS)},
		{"geo_s2cell_to_central_point", 1, 1, fixed(tY)},
		{"geo_s2cell_to_polygon", 1, 1, fixed(tY)},
		{"geo_s2cell_neighbors", 1, 1, fixed(tY)},
		{"geo_point_to_h3cell", 2, 3, fixed(tS)},
		{"geo_h3cell_to_central_point", 1, 1, fixed(tY)},
		{"geo_h3cell_to_polygon", 1, 1, fixed(tY)},
		{"geo_h3cell_level", 1, 1, fixed(tI)},
		{"geo_h3cell_parent", 1, 2, fixed(tS)},
		{"geo_h3cell_children", 1, 2, fixed(tY)},
		{"geo_h3cell_neighbors", 1, 1, fixed(tY)},
		{"geo_h3cell_rings", 2, 2, fixed(tY)},
		{"geo_point_to_geohash", 2, 3, fixed(tS)},
		{"geo_geohash_to_central_point", 1, 1, fixed(tY)},
		{"geo_geohash_to_polygon", 1, 1, fixed(tY)},
		{"geo_geohash_neighbors", 1, 1, fixed(tY)},
		// Measures and predicates.
		{"geo_distance_2points", 4, 4, fixed(tR)},
		{"geo_point_in_circle", 5, 5, fixed(tB)},
		{"geo_azimuth", 4, 4, fixed(tR)},
		{"geo_angle", 6, 6, fixed(tR)},
		{"geo_distance_point_to_line", 3, 3, fixed(tR)},
		{"geo_distance_point_to_polygon", 3, 3, fixed(tR)},
		{"geo_point_in_polygon", 3, 3, fixed(tB)},
		{"geo_closest_point_on_line", 3, 3, fixed(tY)},
		{"geo_closest_point_on_polygon", 3, 3, fixed(tY)},
		{"geo_line_length", 1, 1, fixed(tR)},
		{"geo_line_centroid", 1, 1, fixed(tY)},
		{"geo_line_locate_point", 3, 3, fixed(tR)},
		{"geo_polygon_area", 1, 1, fixed(tR)},
		{"geo_polygon_perimeter", 1, 1, fixed(tR)},
		{"geo_polygon_centroid", 1, 1, fixed(tY)},
		{"geo_line_densify", 1, 2, fixed(tY)},
		{"geo_polygon_densify", 1, 2, fixed(tY)},
		{"geo_line_simplify", 1, 2, fixed(tY)},
		{"geo_polygon_simplify", 1, 2, fixed(tY)},
		// Relations, constructions and coverings.
		{"geo_intersects_2lines", 2, 2, fixed(tB)},
		{"geo_intersects_2polygons", 2, 2, fixed(tB)},
		{"geo_intersects_line_with_polygon", 2, 2, fixed(tB)},
		{"geo_intersection_2lines", 2, 2, fixed(tY)},
		{"geo_intersection_line_with_polygon", 2, 2, fixed(tY)},
		{"geo_union_lines_array", 1, 1, fixed(tY)},
		{"geo_line_to_s2cells", 1, 3, fixed(tY)},
		{"geo_polygon_to_s2cells", 1, 3, fixed(tY)},
		{"geo_polygon_to_h3cells", 1, 3, fixed(tY)},
		{"geo_point_buffer", 3, 4, fixed(tY)},
		{"geo_union_polygons_array", 1, 1, fixed(tY)},
		{"geo_intersection_2polygons", 2, 2, fixed(tY)},
		{"geo_line_buffer", 2, 3, fixed(tY)},
		{"geo_polygon_buffer", 2, 3, fixed(tY)},
	} {
		def(f.name, f.min, f.max, f.ret)
	}
}
