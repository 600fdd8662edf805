package udf

// Geospatial cells: S2 cells (github.com/golang/geo), H3 cells (github.com/uber/h3-go) and geohashes (the public
// base-32 interleaving, written here). A cell function given an invalid token or level answers null; one that
// returns a token answers an empty string instead, as Kusto strings are never null.

import (
	"strings"

	"github.com/golang/geo/s2"
	"github.com/uber/h3-go/v4"
)

func init() {
	// S2
	pointToS2 := func(a []any) any {
		lng, lat, level, ok := pointCellArgs(a, 11, 30)
		if !ok {
			return ""
		}
		return s2.CellIDFromLatLng(s2.LatLngFromDegrees(lat, lng)).Parent(level).ToToken()
	}
	geoFunc("kql_geo_point_to_s2cell", String, pointToS2, Real, Real)
	geoFunc("kql_geo_point_to_s2cell", String, pointToS2, Real, Real, Real)
	geoFunc("kql_geo_s2cell_to_central_point", JSON, func(a []any) any {
		id, ok := s2Token(a[0])
		if !ok {
			return nil
		}
		return pointJSON(fromPoint(id.Point()))
	}, String)
	geoFunc("kql_geo_s2cell_to_polygon", JSON, func(a []any) any {
		id, ok := s2Token(a[0])
		if !ok {
			return nil
		}
		c := s2.CellFromCellID(id)
		ring := make([]lngLat, 5)
		for i := 0; i < 4; i++ {
			ring[i] = fromPoint(c.Vertex(i))
		}
		ring[4] = ring[0]
		return polygonJSON([][]lngLat{ring})
	}, String)
	geoFunc("kql_geo_s2cell_neighbors", JSON, func(a []any) any {
		id, ok := s2Token(a[0])
		if !ok {
			return nil
		}
		all := id.AllNeighbors(id.Level())
		var out []string
		seen := map[s2.CellID]bool{id: true}
		for _, i := range s2NeighborOrder {
			if n := all[i]; !seen[n] {
				seen[n] = true
				out = append(out, n.ToToken())
			}
		}
		return stringsJSON(out)
	}, String)

	// H3
	pointToH3 := func(a []any) any {
		lng, lat, res, ok := pointCellArgs(a, 6, 15)
		if !ok {
			return ""
		}
		return h3.LatLngToCell(h3.NewLatLng(lat, lng), res).String()
	}
	geoFunc("kql_geo_point_to_h3cell", String, pointToH3, Real, Real)
	geoFunc("kql_geo_point_to_h3cell", String, pointToH3, Real, Real, Real)
	geoFunc("kql_geo_h3cell_to_central_point", JSON, func(a []any) any {
		c, ok := h3Token(a[0])
		if !ok {
			return nil
		}
		ll := c.LatLng()
		return pointJSON(lngLat{ll.Lng, ll.Lat})
	}, String)
	geoFunc("kql_geo_h3cell_to_polygon", JSON, func(a []any) any {
		c, ok := h3Token(a[0])
		if !ok {
			return nil
		}
		return polygonJSON([][]lngLat{h3Ring(c)})
	}, String)
	geoFunc("kql_geo_h3cell_level", Long, func(a []any) any {
		c, ok := h3Token(a[0])
		if !ok {
			return nil
		}
		return int64(c.Resolution())
	}, String)
	h3Parent := func(a []any) any {
		c, ok := h3Token(a[0])
		if !ok {
			return ""
		}
		res := c.Resolution() - 1
		if len(a) > 1 {
			if res, ok = argInt(a[1]); !ok {
				return ""
			}
		}
		if res < 0 || res > c.Resolution() {
			return ""
		}
		return c.Parent(res).String()
	}
	geoFunc("kql_geo_h3cell_parent", String, h3Parent, String)
	geoFunc("kql_geo_h3cell_parent", String, h3Parent, String, Real)
	h3Children := func(a []any) any {
		c, ok := h3Token(a[0])
		if !ok {
			return nil
		}
		res := c.Resolution() + 1
		if len(a) > 1 {
			if res, ok = argInt(a[1]); !ok {
				return nil
			}
		}
		// Kusto allows at most 5 levels between a cell and its children (16,807 of them).
		if res < c.Resolution() || res > 15 || res-c.Resolution() > 5 {
			return nil
		}
		return h3JSON(c.Children(res))
	}
	geoFunc("kql_geo_h3cell_children", JSON, h3Children, String)
	geoFunc("kql_geo_h3cell_children", JSON, h3Children, String, Real)
	geoFunc("kql_geo_h3cell_neighbors", JSON, func(a []any) any {
		c, ok := h3Token(a[0])
		if !ok {
			return nil
		}
		rings := c.GridDiskDistances(1)
		if len(rings) < 2 {
			return nil
		}
		return h3JSON(rings[1])
	}, String)
	geoFunc("kql_geo_h3cell_rings", JSON, func(a []any) any {
		c, ok := h3Token(a[0])
		k, ok2 := argInt(a[1])
		if !ok || !ok2 || k < 0 || k > 142 {
			return nil
		}
		var b strings.Builder
		b.WriteByte('[')
		for i, ring := range c.GridDiskDistances(k) {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(h3JSON(ring))
		}
		b.WriteByte(']')
		return b.String()
	}, String, Real)

	// Geohash
	pointToGeohash := func(a []any) any {
		lng, ok1 := argFloat(a[0])
		lat, ok2 := argFloat(a[1])
		acc := 5
		if len(a) > 2 {
			var ok bool
			if acc, ok = argInt(a[2]); !ok {
				return ""
			}
		}
		if !ok1 || !ok2 || !validCoord(lng, lat) || acc < 1 || acc > 18 {
			return ""
		}
		return geohashEncode(lng, lat, acc)
	}
	geoFunc("kql_geo_point_to_geohash", String, pointToGeohash, Real, Real)
	geoFunc("kql_geo_point_to_geohash", String, pointToGeohash, Real, Real, Real)
	geoFunc("kql_geo_geohash_to_central_point", JSON, func(a []any) any {
		box, ok := geohashArg(a[0])
		if !ok {
			return nil
		}
		return pointJSON(lngLat{(box[0] + box[2]) / 2, (box[1] + box[3]) / 2})
	}, String)
	geoFunc("kql_geo_geohash_to_polygon", JSON, func(a []any) any {
		box, ok := geohashArg(a[0])
		if !ok {
			return nil
		}
		return polygonJSON([][]lngLat{boxRing(box)})
	}, String)
	geoFunc("kql_geo_geohash_neighbors", JSON, func(a []any) any {
		s, ok := argString(a[0])
		if !ok {
			return nil
		}
		box, ok := geohashDecode(s)
		if !ok {
			return nil
		}
		w, h := box[2]-box[0], box[3]-box[1]
		cx, cy := (box[0]+box[2])/2, (box[1]+box[3])/2
		var out []string
		for _, d := range geohashNeighborOrder {
			lat := cy + float64(d[1])*h
			if lat > 90 || lat < -90 {
				continue
			}
			lng := cx + float64(d[0])*w
			if lng > 180 {
				lng -= 360
			} else if lng < -180 {
				lng += 360
			}
			out = append(out, geohashEncode(lng, lat, len(s)))
		}
		return stringsJSON(out)
	}, String)
}

func s2Token(v any) (s2.CellID, bool) {
	s, ok := argString(v)
	if !ok || s == "" || len(s) > 16 {
		return 0, false
	}
	for _, r := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return 0, false
		}
	}
	id := s2.CellIDFromToken(s)
	return id, id.IsValid()
}

func h3Token(v any) (h3.Cell, bool) {
	s, ok := argString(v)
	if !ok || s == "" || len(s) > 16 {
		return 0, false
	}
	for _, r := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return 0, false
		}
	}
	c := h3.Cell(h3.IndexFromString(strings.ToLower(s)))
	return c, c.IsValid()
}

// h3Ring is the closed boundary of an H3 cell.
func h3Ring(c h3.Cell) []lngLat {
	b := c.Boundary()
	ring := make([]lngLat, 0, len(b)+1)
	for _, ll := range b {
		ring = append(ring, lngLat{ll.Lng, ll.Lat})
	}
	return append(ring, ring[0])
}

func h3JSON(cells []h3.Cell) string {
	out := make([]string, 0, len(cells))
	for _, c := range cells {
		if c != 0 {
			out = append(out, c.String())
		}
	}
	return stringsJSON(out)
}

const geohashAlphabet = "0123456789bcdefghjkmnpqrstuvwxyz"

// geohashEncode interleaves longitude and latitude bisections, longitude first, five bits a character.
func geohashEncode(lng, lat float64, n int) string {
	minLng, maxLng, minLat, maxLat := -180.0, 180.0, -90.0, 90.0
	out := make([]byte, n)
	even := true
	for i := 0; i < n; i++ {
		ch := 0
		for bit := 0; bit < 5; bit++ {
			ch <<= 1
			if even {
				mid := (minLng + maxLng) / 2
				if lng >= mid {
					ch |= 1
					minLng = mid
				} else {
					maxLng = mid
				}
			} else {
				mid := (minLat + maxLat) / 2
				if lat >= mid {
					ch |= 1
					minLat = mid
				} else {
					maxLat = mid
				}
			}
			even = !even
		}
		out[i] = geohashAlphabet[ch]
	}
	return string(out)
}

// geohashDecode returns the box of a geohash: min longitude, min latitude, max longitude, max latitude.
func geohashDecode(s string) ([4]float64, bool) {
	if s == "" || len(s) > 18 {
		return [4]float64{}, false
	}
	minLng, maxLng, minLat, maxLat := -180.0, 180.0, -90.0, 90.0
	even := true
	for i := 0; i < len(s); i++ {
		ch := strings.IndexByte(geohashAlphabet, s[i])
		if ch < 0 {
			return [4]float64{}, false
		}
		for bit := 4; bit >= 0; bit-- {
			on := ch>>bit&1 == 1
			if even {
				mid := (minLng + maxLng) / 2
				if on {
					minLng = mid
				} else {
					maxLng = mid
				}
			} else {
				mid := (minLat + maxLat) / 2
				if on {
					minLat = mid
				} else {
					maxLat = mid
				}
			}
			even = !even
		}
	}
	return [4]float64{minLng, minLat, maxLng, maxLat}, true
}

func geohashArg(v any) ([4]float64, bool) {
	s, ok := argString(v)
	if !ok {
		return [4]float64{}, false
	}
	return geohashDecode(s)
}

// boxRing is the closed ring of a longitude/latitude box, counter-clockwise from its south-west corner.
func boxRing(b [4]float64) []lngLat {
	return []lngLat{{b[0], b[1]}, {b[2], b[1]}, {b[2], b[3]}, {b[0], b[3]}, {b[0], b[1]}}
}

// geohashNeighborOrder is the order (longitude step, latitude step) in which the neighbours of a geohash are
// listed: the order of Kusto's documented example (south-west, north-west, south-east, north, west, north-east,
// east, south). Kusto does not document the order; this one reproduces its output.
var geohashNeighborOrder = [8][2]int{{-1, -1}, {-1, 1}, {1, -1}, {0, 1}, {-1, 0}, {1, 1}, {1, 0}, {0, -1}}

// s2NeighborOrder lists the neighbours S2 computes (in (i, j) cell space: lower-left, lower-right, below, above,
// left, right, upper-left, upper-right) in the order of Kusto's documented example.
var s2NeighborOrder = [8]int{7, 0, 1, 2, 3, 5, 4, 6}

// pointCellArgs reads the (longitude, latitude [, level]) arguments of a point-to-cell function: level defaults to
// def and must lie in 0..max; ok is false for an invalid coordinate or level.
func pointCellArgs(a []any, def, max int) (lng, lat float64, level int, ok bool) {
	lng, ok1 := argFloat(a[0])
	lat, ok2 := argFloat(a[1])
	level = def
	if len(a) > 2 {
		var okl bool
		if level, okl = argInt(a[2]); !okl {
			return 0, 0, 0, false
		}
	}
	return lng, lat, level, ok1 && ok2 && validCoord(lng, lat) && level >= 0 && level <= max
}
