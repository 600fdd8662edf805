package udf

// Geospatial relations and constructions on the sphere: intersection tests, intersections of lines and of a line
// with a polygon, the union of lines, S2 and H3 coverings, and the buffer of a point.

import (
	"encoding/json"
	"math"
	"sort"

	"github.com/golang/geo/s1"
	"github.com/golang/geo/s2"
	"github.com/uber/h3-go/v4"
)

// maxCoverCells is the most cells a covering may have (Kusto's documented limit); beyond it the result is null.
const maxCoverCells = 65536

// onEdge is the distance (radians) under which a point counts as lying on an edge: about 6 µm on Earth.
const onEdge = 1e-12

func init() {
	geoFunc("kql_geo_intersects_2lines", Bool, func(a []any) any {
		g1, ok1 := parseLineArg(a[0])
		g2, ok2 := parseLineArg(a[1])
		if !ok1 || !ok2 {
			return nil
		}
		return edgesTouch(g1.edges(), g2.edges())
	}, JSON, JSON)
	geoFunc("kql_geo_intersects_2polygons", Bool, func(a []any) any {
		g1, ok1 := parsePolygonArg(a[0])
		g2, ok2 := parsePolygonArg(a[1])
		if !ok1 || !ok2 {
			return nil
		}
		p1, p2 := g1.s2Polygon(), g2.s2Polygon()
		return edgesTouch(g1.edges(), g2.edges()) || p1.Intersects(p2)
	}, JSON, JSON)
	geoFunc("kql_geo_intersects_line_with_polygon", Bool, func(a []any) any {
		l, ok1 := parseLineArg(a[0])
		p, ok2 := parsePolygonArg(a[1])
		if !ok1 || !ok2 {
			return nil
		}
		if edgesTouch(l.edges(), p.edges()) {
			return true
		}
		poly := p.s2Polygon()
		for _, line := range l.lines {
			if poly.ContainsPoint(line[0].point()) {
				return true
			}
		}
		return false
	}, JSON, JSON)
	geoFunc("kql_geo_intersection_2lines", JSON, func(a []any) any {
		g1, ok1 := parseLineArg(a[0])
		g2, ok2 := parseLineArg(a[1])
		if !ok1 || !ok2 {
			return nil
		}
		return lineIntersection(g1, g2)
	}, JSON, JSON)
	geoFunc("kql_geo_intersection_line_with_polygon", JSON, func(a []any) any {
		l, ok1 := parseLineArg(a[0])
		p, ok2 := parsePolygonArg(a[1])
		if !ok1 || !ok2 {
			return nil
		}
		return clipLine(l, p)
	}, JSON, JSON)
	geoFunc("kql_geo_union_lines_array", JSON, func(a []any) any {
		x, ok := argJSON(a[0])
		arr, ok2 := x.([]any)
		if !ok || !ok2 || len(arr) == 0 {
			return nil
		}
		var lines [][]lngLat
		for _, v := range arr {
			g, ok := parseGeometry(mustJSON(v))
			if !ok || !g.isLine() {
				return nil
			}
			lines = append(lines, g.lines...)
		}
		return unionLines(lines)
	}, JSON)

	lineCover := func(a []any) any {
		g, ok := parseLineArg(a[0])
		level, radius, ok2 := coverArgs(a, 30)
		if !ok || !ok2 {
			return nil
		}
		edges := g.edges()
		return s2Cover(level, func(c s2.Cell) bool {
			return minCellDistance(c, edges) <= radius
		})
	}
	geoFunc("kql_geo_line_to_s2cells", JSON, lineCover, JSON)
	geoFunc("kql_geo_line_to_s2cells", JSON, lineCover, JSON, Real)
	geoFunc("kql_geo_line_to_s2cells", JSON, lineCover, JSON, Real, Real)
	polygonCover := func(a []any) any {
		g, ok := parsePolygonArg(a[0])
		level, radius, ok2 := coverArgs(a, 30)
		if !ok || !ok2 {
			return nil
		}
		poly := g.s2Polygon()
		edges := g.edges()
		return s2Cover(level, func(c s2.Cell) bool {
			return poly.IntersectsCell(c) || (radius > 0 && minCellDistance(c, edges) <= radius)
		})
	}
	geoFunc("kql_geo_polygon_to_s2cells", JSON, polygonCover, JSON)
	geoFunc("kql_geo_polygon_to_s2cells", JSON, polygonCover, JSON, Real)
	geoFunc("kql_geo_polygon_to_s2cells", JSON, polygonCover, JSON, Real, Real)
	h3Cover := func(a []any) any {
		g, ok := parsePolygonArg(a[0])
		res, radius, ok2 := coverArgs(a, 15)
		if !ok || !ok2 {
			return nil
		}
		return h3Covering(g, res, radius)
	}
	geoFunc("kql_geo_polygon_to_h3cells", JSON, h3Cover, JSON)
	geoFunc("kql_geo_polygon_to_h3cells", JSON, h3Cover, JSON, Real)
	geoFunc("kql_geo_polygon_to_h3cells", JSON, h3Cover, JSON, Real, Real)

	pointBuffer := func(a []any) any {
		c, ok := argPoint(a[0], a[1])
		r, ok2 := argFloat(a[2])
		tol, ok3 := bufferTolerance(a, 3, r)
		if !ok || !ok2 || !ok3 || r <= 0 || r > math.Pi*earthRadius/2 {
			return nil
		}
		return polygonJSON([][]lngLat{circleRing(c, r, tol)})
	}
	geoFunc("kql_geo_point_buffer", JSON, pointBuffer, Real, Real, Real)
	geoFunc("kql_geo_point_buffer", JSON, pointBuffer, Real, Real, Real, Real)
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// edgesTouch reports whether an edge of one set crosses or touches an edge of the other.
func edgesTouch(e1, e2 [][2]s2.Point) bool {
	for _, a := range e1 {
		for _, b := range e2 {
			if s2.CrossingSign(a[0], a[1], b[0], b[1]) == s2.Cross {
				return true
			}
			if s2.DistanceFromSegment(a[0], b[0], b[1]).Radians() < onEdge ||
				s2.DistanceFromSegment(a[1], b[0], b[1]).Radians() < onEdge ||
				s2.DistanceFromSegment(b[0], a[0], a[1]).Radians() < onEdge ||
				s2.DistanceFromSegment(b[1], a[0], a[1]).Radians() < onEdge {
				return true
			}
		}
	}
	return false
}

// vertex is a point with the coordinate it came from, so that input vertices are written back unchanged.
type vertex struct {
	p s2.Point
	c lngLat
}

func vtx(c lngLat) vertex           { return vertex{c.point(), c} }
func vtxP(p s2.Point) vertex        { return vertex{p, fromPoint(p)} }
func (v vertex) same(o vertex) bool { return v.p.Distance(o.p).Radians() < onEdge }

// lineIntersection is the intersection of two lines: the points where they cross or touch and the stretches
// they share, as a Point, MultiPoint, (Multi)LineString, GeometryCollection, or an empty GeometryCollection.
func lineIntersection(g1, g2 *geometry) string {
	var pts []vertex
	var segs [][2]vertex
	for _, l1 := range g1.lines {
		for i := 1; i < len(l1); i++ {
			a0, a1 := vtx(l1[i-1]), vtx(l1[i])
			for _, l2 := range g2.lines {
				for j := 1; j < len(l2); j++ {
					b0, b1 := vtx(l2[j-1]), vtx(l2[j])
					p, s, ok := edgeIntersection(a0, a1, b0, b1)
					if !ok {
						continue
					}
					if s != nil {
						segs = append(segs, *s)
					} else {
						pts = append(pts, p)
					}
				}
			}
		}
	}
	// Points on a shared stretch, and repeated points, are dropped.
	var keep []lngLat
	var kept []vertex
	for _, p := range pts {
		dup := false
		for _, s := range segs {
			if s2.DistanceFromSegment(p.p, s[0].p, s[1].p).Radians() < onEdge {
				dup = true
			}
		}
		for _, k := range kept {
			if k.same(p) {
				dup = true
			}
		}
		if !dup {
			kept = append(kept, p)
			keep = append(keep, p.c)
		}
	}
	lines := chainSegments(segs)
	var parts []string
	switch len(keep) {
	case 0:
	case 1:
		parts = append(parts, pointJSON(keep[0]))
	default:
		parts = append(parts, multiPointJSON(keep))
	}
	if len(lines) > 0 {
		parts = append(parts, multiLineJSON(lines))
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return collectionJSON(parts)
}

// edgeIntersection intersects edges a0-a1 and b0-b1: a point, or the stretch they share when they lie on one
// great circle and overlap.
func edgeIntersection(a0, a1, b0, b1 vertex) (vertex, *[2]vertex, bool) {
	on := func(x, s0, s1 vertex) bool { return s2.DistanceFromSegment(x.p, s0.p, s1.p).Radians() < onEdge }
	// Shared stretch: the endpoints of each edge that lie on the other.
	var ends []vertex
	add := func(v vertex) {
		for _, e := range ends {
			if e.same(v) {
				return
			}
		}
		ends = append(ends, v)
	}
	for _, v := range []vertex{a0, a1} {
		if on(v, b0, b1) {
			add(v)
		}
	}
	for _, v := range []vertex{b0, b1} {
		if on(v, a0, a1) {
			add(v)
		}
	}
	if len(ends) >= 2 {
		// Order along a.
		sort.Slice(ends, func(i, j int) bool { return a0.p.Distance(ends[i].p) < a0.p.Distance(ends[j].p) })
		s := [2]vertex{ends[0], ends[len(ends)-1]}
		return vertex{}, &s, true
	}
	if len(ends) == 1 {
		return ends[0], nil, true
	}
	if s2.CrossingSign(a0.p, a1.p, b0.p, b1.p) == s2.Cross {
		return vtxP(s2.Intersection(a0.p, a1.p, b0.p, b1.p)), nil, true
	}
	return vertex{}, nil, false
}

// chainSegments joins segments that share endpoints into lines, in the order the segments come.
func chainSegments(segs [][2]vertex) [][]lngLat {
	var lines [][]vertex
	for _, s := range segs {
		joined := false
		for i, l := range lines {
			if l[len(l)-1].same(s[0]) {
				lines[i] = append(l, s[1])
				joined = true
				break
			}
			if l[len(l)-1].same(s[1]) {
				lines[i] = append(l, s[0])
				joined = true
				break
			}
		}
		if !joined {
			lines = append(lines, []vertex{s[0], s[1]})
		}
	}
	out := make([][]lngLat, len(lines))
	for i, l := range lines {
		for _, v := range l {
			out[i] = append(out[i], v.c)
		}
	}
	return out
}

// clipLine is the part of the line l inside the polygon p: every edge is cut where it crosses the polygon's
// boundary and the pieces whose middles are inside are kept, joined where they meet.
func clipLine(l, p *geometry) string {
	poly := p.s2Polygon()
	pedges := p.edges()
	var lines [][]lngLat
	for _, line := range l.lines {
		var cur []lngLat
		flush := func() {
			if len(cur) >= 2 {
				lines = append(lines, cur)
			}
			cur = nil
		}
		for i := 1; i < len(line); i++ {
			a, b := vtx(line[i-1]), vtx(line[i])
			cuts := []vertex{a}
			for _, e := range pedges {
				if s2.CrossingSign(a.p, b.p, e[0], e[1]) == s2.Cross {
					cuts = append(cuts, vtxP(s2.Intersection(a.p, b.p, e[0], e[1])))
				}
			}
			sort.Slice(cuts[1:], func(i, j int) bool {
				return a.p.Distance(cuts[1+i].p) < a.p.Distance(cuts[1+j].p)
			})
			cuts = append(cuts, b)
			for k := 1; k < len(cuts); k++ {
				s0, s1 := cuts[k-1], cuts[k]
				if s0.same(s1) {
					continue
				}
				mid := s2.Interpolate(0.5, s0.p, s1.p)
				if !poly.ContainsPoint(mid) {
					flush()
					continue
				}
				if len(cur) == 0 {
					cur = append(cur, s0.c)
				}
				cur = append(cur, s1.c)
			}
		}
		flush()
	}
	if len(lines) == 0 {
		return collectionJSON(nil)
	}
	return multiLineJSON(lines)
}

// unionLines merges lines into the fewest lines covering the same edges once: repeated edges (either way round)
// are dropped, and edges that continue each other are chained.
func unionLines(lines [][]lngLat) string {
	type edge struct{ a, b lngLat }
	var edges []edge
	seen := map[edge]bool{}
	for _, l := range lines {
		for i := 1; i < len(l); i++ {
			e := edge{l[i-1], l[i]}
			if e.a == e.b || seen[e] || seen[edge{e.b, e.a}] {
				continue
			}
			seen[e] = true
			edges = append(edges, e)
		}
	}
	used := make([]bool, len(edges))
	var out [][]lngLat
	for i := range edges {
		if used[i] {
			continue
		}
		used[i] = true
		chain := []lngLat{edges[i].a, edges[i].b}
		for grown := true; grown; {
			grown = false
			for j := range edges {
				if used[j] {
					continue
				}
				switch {
				case edges[j].a == chain[len(chain)-1]:
					chain = append(chain, edges[j].b)
				case edges[j].b == chain[0]:
					chain = append([]lngLat{edges[j].a}, chain...)
				default:
					continue
				}
				used[j] = true
				grown = true
			}
		}
		out = append(out, chain)
	}
	return multiLineJSON(out)
}

// coverArgs reads the optional level (default 11 for S2, 6 for H3 when max is 15) and radius (default 0) of a
// covering function.
func coverArgs(a []any, max int) (int, float64, bool) {
	level := 11
	if max == 15 {
		level = 6
	}
	radius := 0.0
	if len(a) > 1 {
		var ok bool
		if level, ok = argInt(a[1]); !ok {
			return 0, 0, false
		}
	}
	if len(a) > 2 {
		var ok bool
		if radius, ok = argFloat(a[2]); !ok {
			return 0, 0, false
		}
	}
	if level < 0 || level > max || radius < 0 || radius > math.Pi*earthRadius {
		return 0, 0, false
	}
	return level, radius, true
}

// minCellDistance is the distance in metres from a cell to the nearest of the edges.
func minCellDistance(c s2.Cell, edges [][2]s2.Point) float64 {
	best := s1.InfChordAngle()
	for _, e := range edges {
		if d := c.DistanceToEdge(e[0], e[1]); d < best {
			best = d
		}
	}
	return meters(best.Angle())
}

// s2Cover lists the cells of the level for which hit is true, descending only into cells that hit (a cell that a
// region touches has a parent that touches it). It answers null when the cells are more than maxCoverCells.
func s2Cover(level int, hit func(s2.Cell) bool) any {
	var out []string
	var walk func(id s2.CellID) bool
	walk = func(id s2.CellID) bool {
		c := s2.CellFromCellID(id)
		if !hit(c) {
			return true
		}
		if id.Level() == level {
			out = append(out, id.ToToken())
			return len(out) <= maxCoverCells
		}
		for _, ch := range id.Children() {
			if !walk(ch) {
				return false
			}
		}
		return true
	}
	for f := 0; f < 6; f++ {
		if !walk(s2.CellIDFromFace(f)) {
			return nil
		}
	}
	return stringsJSON(out)
}

// h3Covering lists the H3 cells of the resolution that represent a polygon as Kusto defines it: the cells whose
// centres the polygon contains, its edges straight lines in longitude and latitude (H3's polygon fill). With a
// radius, the cells whose centres lie within radius metres of the polygon are added.
func h3Covering(g *geometry, res int, radius float64) any {
	seen := map[h3.Cell]bool{}
	var out []h3.Cell
	for _, p := range g.polys {
		gp := h3.GeoPolygon{GeoLoop: h3Loop(p[0])}
		for _, hole := range p[1:] {
			gp.Holes = append(gp.Holes, h3Loop(hole))
		}
		for _, c := range h3.PolygonToCells(gp, res) {
			if c != 0 && !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
		if len(out) > maxH3Cells {
			return nil
		}
	}
	if radius > 0 {
		poly := g.s2Polygon()
		edges := g.edges()
		near := func(c h3.Cell) bool {
			ll := c.LatLng()
			p := lngLat{ll.Lng, ll.Lat}.point()
			if poly.ContainsPoint(p) {
				return true
			}
			_, d := closestOnEdges(p, edges)
			return meters(d) <= radius
		}
		queue := append([]h3.Cell(nil), out...)
		for _, p := range g.polys {
			for _, v := range p[0] {
				c := h3.LatLngToCell(h3.NewLatLng(v.lat, v.lng), res)
				if !seen[c] && near(c) {
					seen[c] = true
					out = append(out, c)
					queue = append(queue, c)
				}
			}
		}
		for len(queue) > 0 {
			c := queue[0]
			queue = queue[1:]
			for _, n := range c.GridDisk(1) {
				if n == 0 || seen[n] {
					continue
				}
				seen[n] = true
				if near(n) {
					out = append(out, n)
					queue = append(queue, n)
					if len(out) > maxH3Cells {
						return nil
					}
				}
			}
		}
	}
	return h3JSON(out)
}

// maxH3Cells is the most cells geo_polygon_to_h3cells returns (Kusto's documented limit).
const maxH3Cells = 61680

func h3Loop(ring []lngLat) h3.GeoLoop {
	loop := make(h3.GeoLoop, 0, len(ring)-1)
	for _, c := range ring[:len(ring)-1] {
		loop = append(loop, h3.NewLatLng(c.lat, c.lng))
	}
	return loop
}

// bufferTolerance reads the optional tolerance in metres of a buffer (argument i): how far the buffer's edges
// may stray from the ideal radius r. The default is 10 m; below a millionth of the radius it is invalid, and
// above the radius it is brought under it.
func bufferTolerance(a []any, i int, r float64) (float64, bool) {
	tol := 10.0
	if len(a) > i {
		var ok bool
		if tol, ok = argFloat(a[i]); !ok {
			return 0, false
		}
	}
	if tol <= 0 || tol < r*1e-6 {
		return 0, false
	}
	if tol >= r {
		tol = r * 0.5
	}
	return tol, true
}

// circleRing is the closed ring of a circle of radius r metres around c, with enough vertices that the chords
// stray at most tol metres inside the circle.
func circleRing(c lngLat, r, tol float64) []lngLat {
	// A chord of angle θ is short of the arc by r(1-cos(θ/2)).
	n := int(math.Ceil(math.Pi / math.Acos(1-tol/r)))
	if n < 4 {
		n = 4
	}
	if n > 1<<14 {
		n = 1 << 14
	}
	center := c.point()
	d := r / earthRadius
	lat1 := s2.LatLngFromPoint(center).Lat.Radians()
	lng1 := s2.LatLngFromPoint(center).Lng.Radians()
	ring := make([]lngLat, 0, n+1)
	for i := 0; i < n; i++ {
		// Counter-clockwise: bearings decreasing from north.
		brg := -2 * math.Pi * float64(i) / float64(n)
		lat2 := math.Asin(math.Sin(lat1)*math.Cos(d) + math.Cos(lat1)*math.Sin(d)*math.Cos(brg))
		lng2 := lng1 + math.Atan2(math.Sin(brg)*math.Sin(d)*math.Cos(lat1), math.Cos(d)-math.Sin(lat1)*math.Sin(lat2))
		lng := math.Remainder(lng2*180/math.Pi, 360)
		ring = append(ring, lngLat{lng, lat2 * 180 / math.Pi})
	}
	return append(ring, ring[0])
}
