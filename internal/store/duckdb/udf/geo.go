package udf

// Geospatial values as Kusto defines them: GeoJSON geometries (RFC 7946) whose coordinates are [longitude, latitude]
// in WGS-84, measured on a sphere of radius 6,371,010 m, with edges that are geodesics on that sphere. The
// functions of this family (geo_*.go) parse their arguments here, compute on the sphere with github.com/golang/geo
// (S2), and answer null for any input Kusto calls invalid.

import (
	"database/sql/driver"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"sync"

	"github.com/golang/geo/s1"
	"github.com/golang/geo/s2"
)

// earthRadius is the radius in metres of the sphere Kusto measures on (the Earth's mean radius as S2 gives it).
const earthRadius = 6371010.0

// lngLat is a coordinate as GeoJSON writes it.
type lngLat struct{ lng, lat float64 }

func (c lngLat) point() s2.Point { return s2.PointFromLatLng(s2.LatLngFromDegrees(c.lat, c.lng)) }

func validCoord(lng, lat float64) bool {
	return !math.IsNaN(lng) && !math.IsNaN(lat) && lng >= -180 && lng <= 180 && lat >= -90 && lat <= 90
}

// fromPoint converts an S2 point back to a coordinate, longitude in [-180, 180].
func fromPoint(p s2.Point) lngLat {
	ll := s2.LatLngFromPoint(p)
	return lngLat{lng: ll.Lng.Degrees(), lat: ll.Lat.Degrees()}
}

// geoKind is a GeoJSON geometry type.
type geoKind int

const (
	kPoint geoKind = iota
	kMultiPoint
	kLine
	kMultiLine
	kPolygon
	kMultiPolygon
)

// geometry is a parsed and validated GeoJSON geometry. Lines holds the lines of a (Multi)LineString, Polys the
// rings of each polygon of a (Multi)Polygon (the shell first), Points the points of a (Multi)Point.
type geometry struct {
	kind   geoKind
	points []lngLat
	lines  [][]lngLat
	polys  [][][]lngLat

	// poly is the S2 polygon of a polygon geometry, built once: a geometry is shared by the rows that pass the
	// same GeoJSON text (see geoCache) and is never changed after parsing.
	polyOnce  sync.Once
	poly      *s2.Polygon
	edgesOnce sync.Once
	edgeList  [][2]s2.Point
}

// geoCache keeps the geometries parsed lately, by their GeoJSON text: a query that tests every row against one
// polygon parses it and builds its S2 index once, not per row.
var geoCache = struct {
	sync.Mutex
	m map[string]*geometry
}{m: map[string]*geometry{}}

const (
	geoCacheEntries = 256
	geoCacheMaxText = 1 << 20
)

// argJSON reads a dynamic argument: JSON text, or a string holding JSON text.
func argJSON(v any) (any, bool) {
	s, ok := v.(string)
	if !ok {
		return nil, false
	}
	var x any
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	if err := d.Decode(&x); err != nil {
		return nil, false
	}
	if inner, ok := x.(string); ok {
		return argJSON(inner)
	}
	return x, true
}

// argString reads a string argument that may arrive as the JSON text of a dynamic string.
func argString(v any) (string, bool) {
	s, ok := v.(string)
	if !ok {
		return "", false
	}
	if len(s) >= 2 && s[0] == '"' {
		var u string
		if json.Unmarshal([]byte(s), &u) == nil {
			return u, true
		}
	}
	return s, true
}

// argFloat reads a numeric argument: any DuckDB number, or the JSON text of a dynamic number (numeric parameters
// are declared ANY so that dynamic values, which travel as text, reach the function).
func argFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, !math.IsNaN(x)
	case float32:
		return float64(x), !math.IsNaN(float64(x))
	case int64:
		return float64(x), true
	case int32:
		return float64(x), true
	case int16:
		return float64(x), true
	case int8:
		return float64(x), true
	case uint64:
		return float64(x), true
	case uint32:
		return float64(x), true
	case uint16:
		return float64(x), true
	case uint8:
		return float64(x), true
	case interface{ Float64() float64 }: // DECIMAL
		f := x.Float64()
		return f, !math.IsNaN(f)
	case string:
		s := strings.TrimSpace(x)
		if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
			s = s[1 : len(s)-1]
		}
		f, err := strconv.ParseFloat(s, 64)
		return f, err == nil && !math.IsNaN(f) && !math.IsInf(f, 0)
	}
	return 0, false
}

// argInt reads an integral argument (a real with no fraction is accepted).
func argInt(v any) (int, bool) {
	f, ok := argFloat(v)
	if !ok || f != math.Trunc(f) || math.Abs(f) > 1<<31 {
		return 0, false
	}
	return int(f), true
}

func parseGeometry(v any) (*geometry, bool) {
	s, isText := v.(string)
	cache := isText && len(s) <= geoCacheMaxText
	if cache {
		geoCache.Lock()
		g := geoCache.m[s]
		geoCache.Unlock()
		if g != nil {
			return g, true
		}
	}
	g, ok := parseGeometryText(v)
	if ok && cache {
		geoCache.Lock()
		if len(geoCache.m) >= geoCacheEntries {
			geoCache.m = map[string]*geometry{}
		}
		geoCache.m[s] = g
		geoCache.Unlock()
	}
	return g, ok
}

func parseGeometryText(v any) (*geometry, bool) {
	x, ok := argJSON(v)
	if !ok {
		return nil, false
	}
	m, ok := x.(map[string]any)
	if !ok {
		return nil, false
	}
	typ, _ := m["type"].(string)
	coords := m["coordinates"]
	g := &geometry{}
	switch typ {
	case "Point":
		g.kind = kPoint
		c, ok := parseCoord(coords)
		if !ok {
			return nil, false
		}
		g.points = []lngLat{c}
	case "MultiPoint":
		g.kind = kMultiPoint
		cs, ok := parseCoords(coords, 1)
		if !ok {
			return nil, false
		}
		g.points = cs
	case "LineString":
		g.kind = kLine
		l, ok := parseLine(coords)
		if !ok {
			return nil, false
		}
		g.lines = [][]lngLat{l}
	case "MultiLineString":
		g.kind = kMultiLine
		arr, ok := coords.([]any)
		if !ok || len(arr) == 0 {
			return nil, false
		}
		for _, a := range arr {
			l, ok := parseLine(a)
			if !ok {
				return nil, false
			}
			g.lines = append(g.lines, l)
		}
	case "Polygon":
		g.kind = kPolygon
		p, ok := parsePolygon(coords)
		if !ok {
			return nil, false
		}
		g.polys = [][][]lngLat{p}
	case "MultiPolygon":
		g.kind = kMultiPolygon
		arr, ok := coords.([]any)
		if !ok || len(arr) == 0 {
			return nil, false
		}
		for _, a := range arr {
			p, ok := parsePolygon(a)
			if !ok {
				return nil, false
			}
			g.polys = append(g.polys, p)
		}
	default:
		return nil, false
	}
	return g, true
}

func num(v any) (float64, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case float64:
		return x, true
	}
	return 0, false
}

func parseCoord(v any) (lngLat, bool) {
	a, ok := v.([]any)
	if !ok || len(a) < 2 || len(a) > 3 {
		return lngLat{}, false
	}
	lng, ok1 := num(a[0])
	lat, ok2 := num(a[1])
	if !ok1 || !ok2 || !validCoord(lng, lat) {
		return lngLat{}, false
	}
	return lngLat{lng, lat}, true
}

func parseCoords(v any, min int) ([]lngLat, bool) {
	a, ok := v.([]any)
	if !ok || len(a) < min {
		return nil, false
	}
	out := make([]lngLat, len(a))
	for i, c := range a {
		if out[i], ok = parseCoord(c); !ok {
			return nil, false
		}
	}
	return out, true
}

// parseLine reads a LineString: at least two coordinates, every edge shorter than 180 degrees.
func parseLine(v any) ([]lngLat, bool) {
	l, ok := parseCoords(v, 2)
	if !ok {
		return nil, false
	}
	for i := 1; i < len(l); i++ {
		if l[i-1].point().Angle(l[i].point().Vector) >= math.Pi-1e-12 {
			return nil, false
		}
	}
	return l, true
}

// parsePolygon reads a Polygon: rings of at least four coordinates, closed, with at least three distinct
// vertices.
func parsePolygon(v any) ([][]lngLat, bool) {
	a, ok := v.([]any)
	if !ok || len(a) == 0 {
		return nil, false
	}
	rings := make([][]lngLat, len(a))
	for i, r := range a {
		ring, ok := parseCoords(r, 4)
		if !ok || ring[0] != ring[len(ring)-1] {
			return nil, false
		}
		distinct := map[lngLat]bool{}
		for _, c := range ring[:len(ring)-1] {
			distinct[c] = true
		}
		if len(distinct) < 3 {
			return nil, false
		}
		rings[i] = ring
	}
	return rings, true
}

// isLine reports whether g is a LineString or MultiLineString.
func (g *geometry) isLine() bool { return g.kind == kLine || g.kind == kMultiLine }

// isPolygon reports whether g is a Polygon or MultiPolygon.
func (g *geometry) isPolygon() bool { return g.kind == kPolygon || g.kind == kMultiPolygon }

func parseLineArg(v any) (*geometry, bool) {
	g, ok := parseGeometry(v)
	if !ok || !g.isLine() {
		return nil, false
	}
	return g, true
}

func parsePolygonArg(v any) (*geometry, bool) {
	g, ok := parseGeometry(v)
	if !ok || !g.isPolygon() {
		return nil, false
	}
	return g, true
}

// loop builds the S2 loop of a closed ring. The loop is normalized to cover at most half the sphere, so a ring
// is read the same whichever way it turns.
func ringLoop(ring []lngLat) *s2.Loop {
	pts := make([]s2.Point, 0, len(ring)-1)
	for i, c := range ring[:len(ring)-1] {
		p := c.point()
		if i > 0 && pts[len(pts)-1] == p {
			continue
		}
		pts = append(pts, p)
	}
	if len(pts) > 1 && pts[0] == pts[len(pts)-1] {
		pts = pts[:len(pts)-1]
	}
	l := s2.LoopFromPoints(pts)
	l.Normalize()
	return l
}

// s2Polygon builds one S2 polygon of all the rings of g's polygons: S2 nests the loops, so holes are the rings
// inside others.
func (g *geometry) s2Polygon() *s2.Polygon {
	g.polyOnce.Do(func() {
		var loops []*s2.Loop
		for _, p := range g.polys {
			for _, r := range p {
				loops = append(loops, ringLoop(r))
			}
		}
		g.poly = s2.PolygonFromLoops(loops)
	})
	return g.poly
}

// polylines returns the S2 polylines of a line geometry.
func (g *geometry) polylines() []*s2.Polyline {
	out := make([]*s2.Polyline, len(g.lines))
	for i, l := range g.lines {
		pts := make(s2.Polyline, len(l))
		for j, c := range l {
			pts[j] = c.point()
		}
		out[i] = &pts
	}
	return out
}

// edges returns every edge of g: the edges of its lines, or of every ring of its polygons.
func (g *geometry) edges() [][2]s2.Point {
	g.edgesOnce.Do(func() { g.edgeList = g.buildEdges() })
	return g.edgeList
}

func (g *geometry) buildEdges() [][2]s2.Point {
	var out [][2]s2.Point
	add := func(l []lngLat) {
		for i := 1; i < len(l); i++ {
			out = append(out, [2]s2.Point{l[i-1].point(), l[i].point()})
		}
	}
	for _, l := range g.lines {
		add(l)
	}
	for _, p := range g.polys {
		for _, r := range p {
			add(r)
		}
	}
	return out
}

func meters(a s1.Angle) float64 { return a.Radians() * earthRadius }

// JSON output. Numbers are written in their shortest exact form.

func fnum(b *strings.Builder, f float64) {
	if f == 0 {
		f = 0 // no negative zero
	}
	b.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
}

func writeCoord(b *strings.Builder, c lngLat) {
	b.WriteByte('[')
	fnum(b, c.lng)
	b.WriteByte(',')
	fnum(b, c.lat)
	b.WriteByte(']')
}

func writeCoords(b *strings.Builder, cs []lngLat) {
	b.WriteByte('[')
	for i, c := range cs {
		if i > 0 {
			b.WriteByte(',')
		}
		writeCoord(b, c)
	}
	b.WriteByte(']')
}

func writeRings(b *strings.Builder, rings [][]lngLat) {
	b.WriteByte('[')
	for i, r := range rings {
		if i > 0 {
			b.WriteByte(',')
		}
		writeCoords(b, r)
	}
	b.WriteByte(']')
}

func pointJSON(c lngLat) string {
	var b strings.Builder
	b.WriteString(`{"type":"Point","coordinates":`)
	writeCoord(&b, c)
	b.WriteByte('}')
	return b.String()
}

func multiPointJSON(cs []lngLat) string {
	var b strings.Builder
	b.WriteString(`{"type":"MultiPoint","coordinates":`)
	writeCoords(&b, cs)
	b.WriteByte('}')
	return b.String()
}

func lineJSON(cs []lngLat) string {
	var b strings.Builder
	b.WriteString(`{"type":"LineString","coordinates":`)
	writeCoords(&b, cs)
	b.WriteByte('}')
	return b.String()
}

func multiLineJSON(ls [][]lngLat) string {
	if len(ls) == 1 {
		return lineJSON(ls[0])
	}
	var b strings.Builder
	b.WriteString(`{"type":"MultiLineString","coordinates":`)
	writeRings(&b, ls)
	b.WriteByte('}')
	return b.String()
}

func polygonJSON(rings [][]lngLat) string {
	var b strings.Builder
	b.WriteString(`{"type":"Polygon","coordinates":`)
	writeRings(&b, rings)
	b.WriteByte('}')
	return b.String()
}

func multiPolygonJSON(ps [][][]lngLat) string {
	if len(ps) == 1 {
		return polygonJSON(ps[0])
	}
	var b strings.Builder
	b.WriteString(`{"type":"MultiPolygon","coordinates":[`)
	for i, p := range ps {
		if i > 0 {
			b.WriteByte(',')
		}
		writeRings(&b, p)
	}
	b.WriteString("]}")
	return b.String()
}

// collectionJSON is a GeometryCollection of geometries already written as JSON.
func collectionJSON(parts []string) string {
	return `{"type":"GeometryCollection","geometries":[` + strings.Join(parts, ",") + "]}"
}

func stringsJSON(ss []string) string {
	b, _ := json.Marshal(ss)
	return string(b)
}

// geoFunc registers one overload with the given argument types; numeric (Real) parameters are registered as ANY
// and read by argFloat, so that dynamic values, integers and reals all reach the function.
func geoFunc(name string, result Type, fn func(a []any) any, args ...Type) {
	decl := make([]Type, len(args))
	for i, t := range args {
		decl[i] = t
		if t == Real {
			decl[i] = Any
		}
	}
	Register(Func{Name: name, Args: decl, Result: result, Fn: func(a []driver.Value) (any, error) {
		in := make([]any, len(a))
		for i, v := range a {
			in[i] = v
		}
		return fn(in), nil
	}})
}
