package udf

// Union and intersection of polygons, and the buffers built on them.
//
// The shapes are projected gnomonically from the middle of their vertices: that projection maps every geodesic
// to a straight line, so planar overlay in the projected plane is exact for geodesic edges. It needs every
// vertex in the hemisphere around that middle (well inside it); farther-flung shapes answer null. The overlay
// cuts every edge where it meets another, keeps the pieces that separate the inside of the result from its
// outside (tested just left and right of each piece), and joins the kept pieces into rings.

import (
	"math"
	"sort"

	"github.com/golang/geo/r3"
	"github.com/golang/geo/s2"
)

func init() {
	geoFunc("kql_geo_union_polygons_array", JSON, func(a []any) any {
		x, ok := argJSON(a[0])
		arr, ok2 := x.([]any)
		if !ok || !ok2 || len(arr) == 0 {
			return nil
		}
		var polys [][][]lngLat
		for _, v := range arr {
			g, ok := parsePolygonArg(mustJSON(v))
			if !ok {
				return nil
			}
			polys = append(polys, g.polys...)
		}
		return overlayJSON(polys, nil, false)
	}, JSON)
	geoFunc("kql_geo_intersection_2polygons", JSON, func(a []any) any {
		g1, ok1 := parsePolygonArg(a[0])
		g2, ok2 := parsePolygonArg(a[1])
		if !ok1 || !ok2 {
			return nil
		}
		return overlayJSON(g1.polys, g2.polys, true)
	}, JSON, JSON)
	geoFunc("kql_geo_polygon_centroid", JSON, func(a []any) any {
		g, ok := parsePolygonArg(a[0])
		if !ok {
			return nil
		}
		p := g.s2Polygon()
		if len(g.polys) > 1 {
			// The centroid of a multipolygon is that of the union of its polygons.
			u, ok := overlay(g.polys, nil, false)
			if !ok {
				return nil
			}
			p = (&geometry{kind: kMultiPolygon, polys: u.polys}).s2Polygon()
		}
		c := p.Centroid()
		if c.Norm() == 0 {
			return nil
		}
		return pointJSON(fromPoint(s2.Point{Vector: c.Normalize()}))
	}, JSON)

	lineBuffer := func(a []any) any {
		g, ok := parseLineArg(a[0])
		r, ok2 := argFloat(a[1])
		if !ok || !ok2 || r <= 0 || r > 1e6 {
			return nil
		}
		tol, ok3 := bufferTolerance(a, 2, r)
		if !ok3 {
			return nil
		}
		return overlayJSON(lineBufferParts(g.lines, r, tol), nil, false)
	}
	geoFunc("kql_geo_line_buffer", JSON, lineBuffer, JSON, Real)
	geoFunc("kql_geo_line_buffer", JSON, lineBuffer, JSON, Real, Real)
	polygonBuffer := func(a []any) any {
		g, ok := parsePolygonArg(a[0])
		r, ok2 := argFloat(a[1])
		if !ok || !ok2 || r <= 0 || r > 1e6 {
			return nil
		}
		tol, ok3 := bufferTolerance(a, 2, r)
		if !ok3 {
			return nil
		}
		parts := append([][][]lngLat(nil), g.polys...)
		for _, p := range g.polys {
			parts = append(parts, lineBufferParts(p, r, tol)...)
		}
		return overlayJSON(parts, nil, false)
	}
	geoFunc("kql_geo_polygon_buffer", JSON, polygonBuffer, JSON, Real)
	geoFunc("kql_geo_polygon_buffer", JSON, polygonBuffer, JSON, Real, Real)
}

// lineBufferParts are the polygons whose union is the buffer of the lines: a circle around every vertex and a
// band along every edge.
func lineBufferParts(lines [][]lngLat, r, tol float64) [][][]lngLat {
	var parts [][][]lngLat
	for _, l := range lines {
		for i, v := range l {
			parts = append(parts, [][]lngLat{circleRing(v, r, tol)})
			if i == 0 || l[i-1] == v {
				continue
			}
			a, b := l[i-1].point(), v.point()
			// The band's sides: the edge moved r metres to either side, perpendicular to it at each end.
			n := s2.Point{Vector: a.Cross(b.Vector).Normalize()}
			off := r / earthRadius
			side := func(p s2.Point, sign float64) lngLat {
				return fromPoint(s2.Point{Vector: p.Mul(math.Cos(off)).Add(n.Mul(sign * math.Sin(off))).Normalize()})
			}
			parts = append(parts, [][]lngLat{{side(a, 1), side(a, -1), side(b, -1), side(b, 1), side(a, 1)}})
		}
	}
	return parts
}

// maxOverlaySegments bounds the edges an overlay takes (it compares every pair); beyond it the result is null.
const maxOverlaySegments = 20000

// xy is a point of the projected plane.
type xy struct{ x, y float64 }

// gnomonic is the projection centred on c.
type gnomonic struct{ c, e1, e2 r3.Vector }

func newGnomonic(polys ...[][][]lngLat) (*gnomonic, bool) {
	var sum r3.Vector
	n := 0
	for _, ps := range polys {
		for _, p := range ps {
			for _, r := range p {
				for _, v := range r {
					sum = sum.Add(v.point().Vector)
					n++
				}
			}
		}
	}
	if n == 0 || sum.Norm() < 1e-9 {
		return nil, false
	}
	c := sum.Normalize()
	e1 := c.Ortho()
	g := &gnomonic{c: c, e1: e1, e2: c.Cross(e1)}
	for _, ps := range polys {
		for _, p := range ps {
			for _, r := range p {
				for _, v := range r {
					// At most about 84° from the centre.
					if v.point().Dot(c) < 0.1 {
						return nil, false
					}
				}
			}
		}
	}
	return g, true
}

func (g *gnomonic) fwd(v lngLat) xy {
	p := v.point().Vector
	d := p.Dot(g.c)
	return xy{p.Dot(g.e1) / d, p.Dot(g.e2) / d}
}

func (g *gnomonic) inv(q xy) lngLat {
	return fromPoint(s2.Point{Vector: g.c.Add(g.e1.Mul(q.x)).Add(g.e2.Mul(q.y)).Normalize()})
}

// region is one input polygon in the plane: its rings, read even-odd.
type region [][]xy

func (r region) contains(p xy) bool {
	in := false
	for _, ring := range r {
		for i, j := 0, len(ring)-1; i < len(ring); j, i = i, i+1 {
			a, b := ring[i], ring[j]
			if (a.y > p.y) != (b.y > p.y) && p.x < (b.x-a.x)*(p.y-a.y)/(b.y-a.y)+a.x {
				in = !in
			}
		}
	}
	return in
}

// overlayResult is the outcome of an overlay: polygons, and for an intersection the points and lines where the
// inputs touch without sharing area.
type overlayResult struct {
	polys  [][][]lngLat
	points []lngLat
	lines  [][]lngLat
}

// overlay computes the union of a's polygons (b nil), or the intersection of the union of a's with the union of
// b's.
func overlay(a, b [][][]lngLat, intersect bool) (*overlayResult, bool) {
	g, ok := newGnomonic(a, b)
	if !ok {
		return nil, false
	}
	// The vertices: input vertices keep their coordinates; the others are projected back.
	var verts []vert
	scale := 0.0
	var regions [2][]region
	var segs [][2]int
	var segSide []int
	// Vertices closer than snap are one; a grid of snap-sized squares finds them.
	var snap float64
	grid := map[[2]int64][]int{}
	addVert := func(p xy, orig *lngLat) int {
		kx, ky := int64(math.Floor(p.x/snap)), int64(math.Floor(p.y/snap))
		for dx := int64(-1); dx <= 1; dx++ {
			for dy := int64(-1); dy <= 1; dy++ {
				for _, i := range grid[[2]int64{kx + dx, ky + dy}] {
					v := verts[i]
					if math.Abs(v.p.x-p.x) <= snap && math.Abs(v.p.y-p.y) <= snap {
						if v.orig == nil && orig != nil {
							verts[i].orig = orig
						}
						return i
					}
				}
			}
		}
		verts = append(verts, vert{p, orig})
		grid[[2]int64{kx, ky}] = append(grid[[2]int64{kx, ky}], len(verts)-1)
		return len(verts) - 1
	}
	for _, ps := range [2][][][]lngLat{a, b} {
		for _, p := range ps {
			for _, ring := range p {
				for _, v := range ring {
					q := g.fwd(v)
					scale = math.Max(scale, math.Max(math.Abs(q.x), math.Abs(q.y)))
				}
			}
		}
	}
	if scale == 0 {
		scale = 1
	}
	snap = 1e-13 * scale
	for side, ps := range [2][][][]lngLat{a, b} {
		for _, p := range ps {
			var reg region
			for _, ring := range p {
				pr := make([]xy, 0, len(ring))
				for k := range ring {
					v := ring[k]
					q := g.fwd(v)
					pr = append(pr, q)
					if k > 0 {
						vv := v
						prev := ring[k-1]
						i0 := addVert(g.fwd(prev), &prev)
						i1 := addVert(q, &vv)
						if i0 != i1 {
							segs = append(segs, [2]int{i0, i1})
							segSide = append(segSide, side)
						}
					}
				}
				reg = append(reg, pr[:len(pr)-1])
			}
			regions[side] = append(regions[side], reg)
		}
	}
	if len(segs) > maxOverlaySegments {
		return nil, false
	}
	// Cut every segment where others meet it.
	type cut struct {
		t float64
		v int
	}
	cuts := make([][]cut, len(segs))
	eps := 1e-12 * scale
	for i, s := range segs {
		p0, p1 := verts[s[0]].p, verts[s[1]].p
		for j, o := range segs {
			if i == j {
				continue
			}
			q0, q1 := verts[o[0]].p, verts[o[1]].p
			if math.Max(q0.x, q1.x) < math.Min(p0.x, p1.x)-eps || math.Min(q0.x, q1.x) > math.Max(p0.x, p1.x)+eps ||
				math.Max(q0.y, q1.y) < math.Min(p0.y, p1.y)-eps || math.Min(q0.y, q1.y) > math.Max(p0.y, p1.y)+eps {
				continue
			}
			d := xy{p1.x - p0.x, p1.y - p0.y}
			e := xy{q1.x - q0.x, q1.y - q0.y}
			den := d.x*e.y - d.y*e.x
			ll := d.x*d.x + d.y*d.y
			onSeg := func(q xy) (float64, bool) {
				t := ((q.x-p0.x)*d.x + (q.y-p0.y)*d.y) / ll
				px, py := p0.x+t*d.x, p0.y+t*d.y
				return t, t > 0 && t < 1 && math.Hypot(q.x-px, q.y-py) <= eps
			}
			// Endpoints of the other segment lying on this one (touches and overlaps).
			if t, ok := onSeg(q0); ok {
				cuts[i] = append(cuts[i], cut{t, o[0]})
			}
			if t, ok := onSeg(q1); ok {
				cuts[i] = append(cuts[i], cut{t, o[1]})
			}
			if math.Abs(den) <= 1e-18*ll {
				continue
			}
			w := xy{q0.x - p0.x, q0.y - p0.y}
			t := (w.x*e.y - w.y*e.x) / den
			u := (w.x*d.y - w.y*d.x) / den
			if t > 1e-12 && t < 1-1e-12 && u > 1e-12 && u < 1-1e-12 {
				x := xy{p0.x + t*d.x, p0.y + t*d.y}
				cuts[i] = append(cuts[i], cut{t, addVert(x, nil)})
			}
		}
	}
	// The pieces, each once whichever way round.
	type piece struct{ a, b int }
	seen := map[piece]bool{}
	var pieces []piece
	touch := map[int]*[2]bool{}
	mark := func(v, side int) {
		if touch[v] == nil {
			touch[v] = &[2]bool{}
		}
		touch[v][side] = true
	}
	for i, s := range segs {
		cs := append(cuts[i], cut{0, s[0]}, cut{1, s[1]})
		sort.Slice(cs, func(x, y int) bool { return cs[x].t < cs[y].t })
		for k := 1; k < len(cs); k++ {
			u, v := cs[k-1].v, cs[k].v
			mark(u, segSide[i])
			mark(v, segSide[i])
			if u == v || seen[piece{u, v}] || seen[piece{v, u}] {
				continue
			}
			seen[piece{u, v}] = true
			pieces = append(pieces, piece{u, v})
		}
	}
	inside := func(p xy) bool {
		inSide := func(side int) bool {
			for _, r := range regions[side] {
				if r.contains(p) {
					return true
				}
			}
			return false
		}
		if intersect {
			return inSide(0) && inSide(1)
		}
		return inSide(0)
	}
	// Keep the pieces with the result on exactly one side, directed with it on their left.
	out := map[int][]int{}
	var kept [][2]int
	for _, pc := range pieces {
		p, q := verts[pc.a].p, verts[pc.b].p
		m := xy{(p.x + q.x) / 2, (p.y + q.y) / 2}
		dx, dy := q.x-p.x, q.y-p.y
		l := math.Hypot(dx, dy)
		off := math.Max(l*1e-6, scale*1e-11)
		nx, ny := -dy/l*off, dx/l*off
		left, right := inside(xy{m.x + nx, m.y + ny}), inside(xy{m.x - nx, m.y - ny})
		if left == right {
			continue
		}
		e := [2]int{pc.a, pc.b}
		if right {
			e = [2]int{pc.b, pc.a}
		}
		out[e[0]] = append(out[e[0]], len(kept))
		kept = append(kept, e)
	}
	// Join the kept pieces into rings, turning as far left as possible where several continue.
	used := make([]bool, len(kept))
	var rings [][]int
	for i := range kept {
		if used[i] {
			continue
		}
		used[i] = true
		ring := []int{kept[i][0], kept[i][1]}
		cur := i
		for ring[len(ring)-1] != ring[0] {
			at := kept[cur][1]
			prev := verts[kept[cur][0]].p
			here := verts[at].p
			inAng := math.Atan2(here.y-prev.y, here.x-prev.x)
			best, bestTurn := -1, -10.0
			for _, j := range out[at] {
				if used[j] {
					continue
				}
				nxt := verts[kept[j][1]].p
				turn := math.Atan2(nxt.y-here.y, nxt.x-here.x) - inAng
				for turn <= -math.Pi {
					turn += 2 * math.Pi
				}
				for turn > math.Pi {
					turn -= 2 * math.Pi
				}
				if turn > bestTurn {
					best, bestTurn = j, turn
				}
			}
			if best < 0 {
				break
			}
			used[best] = true
			ring = append(ring, kept[best][1])
			cur = best
		}
		if len(ring) >= 4 && ring[len(ring)-1] == ring[0] {
			rings = append(rings, ring)
		}
	}
	coord := func(v int) lngLat {
		if verts[v].orig != nil {
			return *verts[v].orig
		}
		return g.inv(verts[v].p)
	}
	area := func(r []int) float64 {
		s := 0.0
		for k := 1; k < len(r); k++ {
			p, q := verts[r[k-1]].p, verts[r[k]].p
			s += p.x*q.y - q.x*p.y
		}
		return s / 2
	}
	res := &overlayResult{}
	var shells, holes [][]int
	for _, r := range rings {
		if area(r) > 0 {
			shells = append(shells, r)
		} else {
			holes = append(holes, r)
		}
	}
	toLL := func(r []int) []lngLat {
		out := make([]lngLat, len(r))
		for k, v := range r {
			out[k] = coord(v)
		}
		return out
	}
	for _, sh := range shells {
		poly := [][]lngLat{toLL(sh)}
		shReg := region{ringXY(verts, sh)}
		for _, h := range holes {
			if shReg.contains(verts[h[0]].p) || shReg.contains(midXY(verts[h[0]].p, verts[h[1]].p)) {
				poly = append(poly, toLL(h))
			}
		}
		res.polys = append(res.polys, poly)
	}
	if intersect {
		// Where the inputs' boundaries meet outside the result's area: shared stretches and single points.
		onResult := map[int]bool{}
		for _, r := range rings {
			for _, v := range r {
				onResult[v] = true
			}
		}
		var shared [][2]vertex
		sharedV := map[int]bool{}
		for _, pc := range pieces {
			ta, tb := touch[pc.a], touch[pc.b]
			if ta == nil || tb == nil || !ta[0] || !ta[1] || !tb[0] || !tb[1] || onResult[pc.a] && onResult[pc.b] {
				continue
			}
			p, q := verts[pc.a].p, verts[pc.b].p
			m := midXY(p, q)
			if onSegments(m, regions[0]) && onSegments(m, regions[1]) {
				shared = append(shared, [2]vertex{vtx(coord(pc.a)), vtx(coord(pc.b))})
				sharedV[pc.a], sharedV[pc.b] = true, true
			}
		}
		res.lines = chainSegments(shared)
		var ids []int
		for v, t := range touch {
			if t[0] && t[1] && !onResult[v] && !sharedV[v] {
				ids = append(ids, v)
			}
		}
		sort.Ints(ids)
		for _, v := range ids {
			res.points = append(res.points, coord(v))
		}
	}
	return res, true
}

// vert is a vertex of the overlay: its place in the plane, and the input coordinate it came from (nil for the
// points where edges cross), written back unchanged.
type vert struct {
	p    xy
	orig *lngLat
}

func ringXY(verts []vert, r []int) []xy {
	out := make([]xy, 0, len(r))
	for _, v := range r[:len(r)-1] {
		out = append(out, verts[v].p)
	}
	return out
}

func midXY(p, q xy) xy { return xy{(p.x + q.x) / 2, (p.y + q.y) / 2} }

// onSegments reports whether p lies on a ring edge of the regions.
func onSegments(p xy, regs []region) bool {
	for _, r := range regs {
		for _, ring := range r {
			for i, j := 0, len(ring)-1; i < len(ring); j, i = i, i+1 {
				a, b := ring[j], ring[i]
				dx, dy := b.x-a.x, b.y-a.y
				l := dx*dx + dy*dy
				if l == 0 {
					continue
				}
				t := ((p.x-a.x)*dx + (p.y-a.y)*dy) / l
				if t < 0 || t > 1 {
					continue
				}
				if math.Hypot(a.x+t*dx-p.x, a.y+t*dy-p.y) <= 1e-12*math.Sqrt(l)+1e-15 {
					return true
				}
			}
		}
	}
	return false
}

// overlayJSON writes an overlay's result: a Polygon or MultiPolygon, for an intersection with the points and
// lines where the inputs only touch (a GeometryCollection when there are several kinds), or an empty
// GeometryCollection.
func overlayJSON(a, b [][][]lngLat, intersect bool) any {
	res, ok := overlay(a, b, intersect)
	if !ok {
		return nil
	}
	var parts []string
	switch len(res.points) {
	case 0:
	case 1:
		parts = append(parts, pointJSON(res.points[0]))
	default:
		parts = append(parts, multiPointJSON(res.points))
	}
	if len(res.lines) > 0 {
		parts = append(parts, multiLineJSON(res.lines))
	}
	if len(res.polys) > 0 {
		parts = append(parts, multiPolygonJSON(res.polys))
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return collectionJSON(parts)
}
