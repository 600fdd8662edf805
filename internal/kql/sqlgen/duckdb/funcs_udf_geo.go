package duckdb

// geoUDFs are the geospatial functions compiled to the Go functions of internal/store/duckdb/udf/geo*.go, each
// registered as kql_<name>.
var geoUDFs = []string{
	"geo_point_to_s2cell", "geo_s2cell_to_central_point", "geo_s2cell_to_polygon", "geo_s2cell_neighbors",
	"geo_point_to_h3cell", "geo_h3cell_to_central_point", "geo_h3cell_to_polygon", "geo_h3cell_level",
	"geo_h3cell_parent", "geo_h3cell_children", "geo_h3cell_neighbors", "geo_h3cell_rings",
	"geo_point_to_geohash", "geo_geohash_to_central_point", "geo_geohash_to_polygon", "geo_geohash_neighbors",
	"geo_distance_2points", "geo_point_in_circle", "geo_azimuth", "geo_angle",
	"geo_distance_point_to_line", "geo_distance_point_to_polygon", "geo_point_in_polygon",
	"geo_closest_point_on_line", "geo_closest_point_on_polygon",
	"geo_line_length", "geo_line_centroid", "geo_line_locate_point",
	"geo_polygon_area", "geo_polygon_perimeter", "geo_polygon_centroid",
	"geo_line_densify", "geo_polygon_densify", "geo_line_simplify", "geo_polygon_simplify",
	"geo_intersects_2lines", "geo_intersects_2polygons", "geo_intersects_line_with_polygon",
	"geo_intersection_2lines", "geo_intersection_line_with_polygon", "geo_union_lines_array",
	"geo_line_to_s2cells", "geo_polygon_to_s2cells", "geo_polygon_to_h3cells", "geo_point_buffer",
	"geo_union_polygons_array", "geo_intersection_2polygons", "geo_line_buffer", "geo_polygon_buffer",
}

func init() {
	for _, n := range geoUDFs {
		udfFuncs[n] = udfCall{name: "kql_" + n}
	}
}
