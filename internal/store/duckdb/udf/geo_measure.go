package udf

// Geospatial measures and predicates on the sphere: distances, containment, lengths, areas, centroids, closest
// points, angles, and the simplification and densification of lines and polygons.

import (
	"math"

	"github.com/golang/geo/r3"
	"github.com/golang/geo/s1"
	"github.com/golang/geo/s2"
)

func init() {
	geoFunc("kql_geo_distance_2points", Real, func(a []any) any {
		p, ok1 := argPoint(a[0], a[1])
		q, ok2 := argPoint(a[2], a[3])
		if !ok1 || !ok2 {
			return nil
		}
		return meters(p.point().Distance(q.point()))
	}, Real, Real, Real, Real)
	geoFunc("kql_geo_point_in_circle", Bool, func(a []any) any {
		p, ok1 := argPoint(a[0], a[1])
		c, ok2 := argPoint(a[2], a[3])
		r, ok3 := argFloat(a[4])
		if !ok1 || !ok2 || !ok3 || r < 0 {
			return nil
		}
		return meters(p.point().Distance(c.point())) <= r
	}, Real, Real, Real, Real, Real)
	geoFunc("kql_geo_azimuth", Real, func(a []any) any {
		p, ok1 := argPoint(a[0], a[1])
		q, ok2 := argPoint(a[2], a[3])
		if !ok1 || !ok2 || degenerate(p, q) {
			return nil
		}
		return azimuth(p.point(), q.point())
	}, Real, Real, Real, Real)
	geoFunc("kql_geo_angle", Real, func(a []any) any {
		p1, ok1 := argPoint(a[0], a[1])
		p2, ok2 := argPoint(a[2], a[3])
		p3, ok3 := argPoint(a[4], a[5])
		// Equal or antipodal neighbours leave a line's direction undefined.
		if !ok1 || !ok2 || !ok3 || degenerate(p1, p2) || degenerate(p2, p3) {
			return nil
		}
		// Clockwise from the line to point1 to the line to point3, both seen from point2.
		d := azimuth(p2.point(), p3.point()) - azimuth(p2.point(), p1.point())
		if d < 0 {
			d += 2 * math.Pi
		}
		return d
	}, Real, Real, Real, Real, Real, Real)

	geoFunc("kql_geo_distance_point_to_line", Real, func(a []any) any {
		p, ok1 := argPoint(a[0], a[1])
		g, ok2 := parseLineArg(a[2])
		if !ok1 || !ok2 {
			return nil
		}
		_, d := closestOnEdges(p.point(), g.edges())
		return meters(d)
	}, Real, Real, JSON)
	geoFunc("kql_geo_distance_point_to_polygon", Real, func(a []any) any {
		p, ok1 := argPoint(a[0], a[1])
		g, ok2 := parsePolygonArg(a[2])
		if !ok1 || !ok2 {
			return nil
		}
		if g.s2Polygon().ContainsPoint(p.point()) {
			return 0.0
		}
		_, d := closestOnEdges(p.point(), g.edges())
		return meters(d)
	}, Real, Real, JSON)
	geoFunc("kql_geo_point_in_polygon", Bool, func(a []any) any {
		p, ok1 := argPoint(a[0], a[1])
		g, ok2 := parsePolygonArg(a[2])
		if !ok1 || !ok2 {
			return nil
		}
		return g.s2Polygon().ContainsPoint(p.point())
	}, Real, Real, JSON)
	geoFunc("kql_geo_closest_point_on_line", JSON, func(a []any) any {
		p, ok1 := argPoint(a[0], a[1])
		g, ok2 := parseLineArg(a[2])
		if !ok1 || !ok2 {
			return nil
		}
		c, _ := closestOnEdges(p.point(), g.edges())
		return pointJSON(snapToVertex(c, g))
	}, Real, Real, JSON)
	geoFunc("kql_geo_closest_point_on_polygon", JSON, func(a []any) any {
		p, ok1 := argPoint(a[0], a[1])
		g, ok2 := parsePolygonArg(a[2])
		if !ok1 || !ok2 {
			return nil
		}
		if g.s2Polygon().ContainsPoint(p.point()) {
			return pointJSON(p)
		}
		c, _ := closestOnEdges(p.point(), g.edges())
		return pointJSON(snapToVertex(c, g))
	}, Real, Real, JSON)

	geoFunc("kql_geo_line_length", Real, func(a []any) any {
		g, ok := parseLineArg(a[0])
		if !ok {
			return nil
		}
		var sum s1.Angle
		for _, l := range g.polylines() {
			sum += l.Length()
		}
		return meters(sum)
	}, JSON)
	geoFunc("kql_geo_line_centroid", JSON, func(a []any) any {
		g, ok := parseLineArg(a[0])
		if !ok {
			return nil
		}
		var sum r3.Vector
		for _, l := range g.polylines() {
			sum = sum.Add(l.Centroid().Vector)
		}
		if sum.Norm() == 0 {
			return nil
		}
		return pointJSON(fromPoint(s2.Point{Vector: sum.Normalize()}))
	}, JSON)
	geoFunc("kql_geo_line_locate_point", Real, func(a []any) any {
		g, ok1 := parseLineArg(a[0])
		p, ok2 := argPoint(a[1], a[2])
		if !ok1 || !ok2 || g.kind != kLine {
			return nil
		}
		return locate(g.lines[0], p.point())
	}, JSON, Real, Real)
	geoFunc("kql_geo_polygon_area", Real, func(a []any) any {
		g, ok := parsePolygonArg(a[0])
		if !ok {
			return nil
		}
		return g.s2Polygon().Area() * earthRadius * earthRadius
	}, JSON)
	geoFunc("kql_geo_polygon_perimeter", Real, func(a []any) any {
		g, ok := parsePolygonArg(a[0])
		if !ok {
			return nil
		}
		var sum s1.Angle
		for _, e := range g.edges() {
			sum += e[0].Distance(e[1])
		}
		return meters(sum)
	}, JSON)
	lineDensify := func(a []any) any {
		g, ok := parseLineArg(a[0])
		tol, ok2 := densifyTolerance(a)
		if !ok || !ok2 {
			return nil
		}
		out := make([][]lngLat, len(g.lines))
		for i, l := range g.lines {
			out[i] = densify(l, tol)
		}
		return multiLineJSON(out)
	}
	geoFunc("kql_geo_line_densify", JSON, lineDensify, JSON)
	geoFunc("kql_geo_line_densify", JSON, lineDensify, JSON, Real)
	polygonDensify := func(a []any) any {
		g, ok := parsePolygonArg(a[0])
		tol, ok2 := densifyTolerance(a)
		if !ok || !ok2 {
			return nil
		}
		out := make([][][]lngLat, len(g.polys))
		for i, p := range g.polys {
			out[i] = make([][]lngLat, len(p))
			for j, r := range p {
				out[i][j] = densify(r, tol)
			}
		}
		return multiPolygonJSON(out)
	}
	geoFunc("kql_geo_polygon_densify", JSON, polygonDensify, JSON)
	geoFunc("kql_geo_polygon_densify", JSON, polygonDensify, JSON, Real)

	lineSimplify := func(a []any) any {
		g, ok := parseLineArg(a[0])
		tol, ok2 := simplifyTolerance(a)
		if !ok || !ok2 {
			return nil
		}
		var out [][]lngLat
		for _, l := range g.lines {
			s := simplify(l, tol)
			if len(s) >= 2 {
				out = append(out, s)
			}
		}
		if len(out) == 0 {
			return nil
		}
		return multiLineJSON(out)
	}
	geoFunc("kql_geo_line_simplify", JSON, lineSimplify, JSON)
	geoFunc("kql_geo_line_simplify", JSON, lineSimplify, JSON, Real)
	polygonSimplify := func(a []any) any {
		g, ok := parsePolygonArg(a[0])
		tol, ok2 := simplifyTolerance(a)
		if !ok || !ok2 {
			return nil
		}
		var out [][][]lngLat
		for _, p := range g.polys {
			var rings [][]lngLat
			for j, r := range p {
				s := simplify(r, tol)
				// A ring needs three distinct vertices; a shell that collapses drops its polygon, a hole that
				// collapses is dropped.
				if len(s) < 4 {
					if j == 0 {
						break
					}
					continue
				}
				rings = append(rings, s)
			}
			if len(rings) > 0 {
				out = append(out, rings)
			}
		}
		if len(out) == 0 {
			return nil
		}
		return multiPolygonJSON(out)
	}
	geoFunc("kql_geo_polygon_simplify", JSON, polygonSimplify, JSON)
	geoFunc("kql_geo_polygon_simplify", JSON, polygonSimplify, JSON, Real)
}

// argPoint reads a longitude and a latitude.
func argPoint(lng, lat any) (lngLat, bool) {
	x, ok1 := argFloat(lng)
	y, ok2 := argFloat(lat)
	if !ok1 || !ok2 || !validCoord(x, y) {
		return lngLat{}, false
	}
	return lngLat{x, y}, true
}

// degenerate reports whether p and q are the same place or antipodes.
func degenerate(p, q lngLat) bool {
	a := p.point().Angle(q.point().Vector).Radians()
	return a < 1e-15 || a > math.Pi-1e-12
}

// azimuth is the clockwise angle in radians, in [0, 2π), from true north to the geodesic from p to q at p.
func azimuth(p, q s2.Point) float64 {
	a := s2.LatLngFromPoint(p)
	b := s2.LatLngFromPoint(q)
	dl := (b.Lng - a.Lng).Radians()
	y := math.Sin(dl) * math.Cos(b.Lat.Radians())
	x := math.Cos(a.Lat.Radians())*math.Sin(b.Lat.Radians()) - math.Sin(a.Lat.Radians())*math.Cos(b.Lat.Radians())*math.Cos(dl)
	az := math.Atan2(y, x)
	if az < 0 {
		az += 2 * math.Pi
	}
	return az
}

// closestOnEdges returns the point of the edges closest to p and its distance.
func closestOnEdges(p s2.Point, edges [][2]s2.Point) (s2.Point, s1.Angle) {
	best := s1.InfAngle()
	var at s2.Point
	for _, e := range edges {
		c := s2.Project(p, e[0], e[1])
		if d := p.Distance(c); d < best {
			best, at = d, c
		}
	}
	return at, best
}

// snapToVertex returns the input coordinate when c is (numerically) one of g's vertices, so a vertex comes back
// exactly as it went in.
func snapToVertex(c s2.Point, g *geometry) lngLat {
	for _, l := range g.lines {
		for _, v := range l {
			if v.point().Distance(c) < 1e-15 {
				return v
			}
		}
	}
	for _, p := range g.polys {
		for _, r := range p {
			for _, v := range r {
				if v.point().Distance(c) < 1e-15 {
					return v
				}
			}
		}
	}
	return fromPoint(c)
}

// locate is the fraction of the line's length from its start to the point of the line closest to p.
func locate(l []lngLat, p s2.Point) any {
	var total, before s1.Angle
	best := s1.InfAngle()
	for i := 1; i < len(l); i++ {
		a, b := l[i-1].point(), l[i].point()
		c := s2.Project(p, a, b)
		if d := p.Distance(c); d < best {
			best = d
			before = total + a.Distance(c)
		}
		total += a.Distance(b)
	}
	if total == 0 {
		return nil
	}
	return float64(before / total)
}

// densifyTolerance reads the optional tolerance in metres of geo_*_densify: default 10, valid in [0.1, 10000].
func densifyTolerance(a []any) (float64, bool) {
	if len(a) < 2 {
		return 10, true
	}
	t, ok := argFloat(a[1])
	if !ok || t < 0.1 || t > 10000 {
		return 0, false
	}
	return t, true
}

// simplifyTolerance reads the optional tolerance in metres of geo_*_simplify: default 10, valid in
// [0, ~7,800,000].
func simplifyTolerance(a []any) (float64, bool) {
	if len(a) < 2 {
		return 10, true
	}
	t, ok := argFloat(a[1])
	if !ok || t < 0 || t > 7800000 {
		return 0, false
	}
	return t, true
}

// densify turns the planar edges of l (straight in longitude and latitude) into geodesic ones: each edge is
// halved (in longitude and latitude) until no part's geodesic strays more than tol metres from the planar edge
// it replaces, measured at the parts' middles.
func densify(l []lngLat, tol float64) []lngLat {
	out := []lngLat{l[0]}
	for i := 1; i < len(l); i++ {
		a, b := l[i-1], l[i]
		n := 1
		for ; n < 1<<16; n *= 2 {
			if densifyError(a, b, n) <= tol {
				break
			}
		}
		for k := 1; k < n; k++ {
			f := float64(k) / float64(n)
			out = append(out, lngLat{a.lng + (b.lng-a.lng)*f, a.lat + (b.lat-a.lat)*f})
		}
		out = append(out, b)
	}
	return out
}

// densifyError is the largest distance in metres between the planar edge a-b and its n geodesic parts.
func densifyError(a, b lngLat, n int) float64 {
	worst := 0.0
	at := func(f float64) lngLat { return lngLat{a.lng + (b.lng-a.lng)*f, a.lat + (b.lat-a.lat)*f} }
	for k := 0; k < n; k++ {
		p, q := at(float64(k)/float64(n)), at(float64(k+1)/float64(n))
		mid := s2.Interpolate(0.5, p.point(), q.point())
		planar := at((float64(k) + 0.5) / float64(n)).point()
		if d := meters(mid.Distance(planar)); d > worst {
			worst = d
		}
	}
	return worst
}

// simplify removes vertices of l (a line, or a closed ring) by Douglas-Peucker on the sphere: a chain of
// vertices is replaced by one geodesic edge when every vertex lies within tol metres of it. Then no two kept
// vertices are closer than tol: a vertex too close to the last kept one is dropped.
func simplify(l []lngLat, tol float64) []lngLat {
	keep := make([]bool, len(l))
	keep[0], keep[len(l)-1] = true, true
	var dp func(i, j int)
	dp = func(i, j int) {
		if j <= i+1 {
			return
		}
		a, b := l[i].point(), l[j].point()
		far, at := -1.0, -1
		for k := i + 1; k < j; k++ {
			var d float64
			if a == b {
				d = meters(l[k].point().Distance(a))
			} else {
				d = meters(s2.DistanceFromSegment(l[k].point(), a, b))
			}
			if d > far {
				far, at = d, k
			}
		}
		if far > tol {
			keep[at] = true
			dp(i, at)
			dp(at, j)
		}
	}
	closed := len(l) > 3 && l[0] == l[len(l)-1]
	if closed {
		// Split a ring at its vertex farthest from the first one.
		far, at := -1.0, 1
		for k := 1; k < len(l)-1; k++ {
			if d := meters(l[k].point().Distance(l[0].point())); d > far {
				far, at = d, k
			}
		}
		keep[at] = true
		dp(0, at)
		dp(at, len(l)-1)
	} else {
		dp(0, len(l)-1)
	}
	var out []lngLat
	for i, k := range keep {
		if !k {
			continue
		}
		if len(out) > 0 && meters(out[len(out)-1].point().Distance(l[i].point())) < tol && i != len(l)-1 {
			continue
		}
		if len(out) > 0 && i == len(l)-1 && meters(out[len(out)-1].point().Distance(l[i].point())) < tol {
			// The last vertex stays; the one before it goes when they are too close (but never the first).
			if len(out) > 1 {
				out = out[:len(out)-1]
			} else if !closed {
				return out
			}
		}
		out = append(out, l[i])
	}
	if closed {
		distinct := map[lngLat]bool{}
		for _, c := range out[:len(out)-1] {
			distinct[c] = true
		}
		if len(distinct) < 3 {
			return nil
		}
	}
	return out
}
