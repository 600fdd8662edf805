package sema

import (
	"fmt"
	"math"
	"strings"

	"github.com/vigilsec/vigil/internal/kql/ast"
	"github.com/vigilsec/vigil/internal/kql/plan"
	"github.com/vigilsec/vigil/internal/schema"
)

// geoLookup binds evaluate geo_polygon_lookup(LookupTable, PolygonColumn, Longitude, Latitude [, radius]
// [, return_unmatched [, return_lookup_key]]) and evaluate geo_line_lookup(LookupTable, LineColumn, Longitude,
// Latitude, radius [, return_unmatched [, return_lookup_key]]): each input row joined with the lookup rows whose
// polygon holds its point (or lies within radius metres of it) or whose line lies within radius metres of it.
// Unmatched rows are dropped unless return_unmatched is true; the lookup's shape column is dropped unless
// return_lookup_key is true. The optional arguments are positional or named.
func (b *binder) geoLookup(in plan.Node, c *ast.Call, line bool, r *rowCtx, e *env) plan.Node {
	plugin := "geo_polygon_lookup"
	if line {
		plugin = "geo_line_lookup"
	}
	if len(c.Args) < 4 || len(c.Args) > 7 {
		b.errorf(c, CodeArgCount, "%s needs a lookup table, its shape column, and the longitude and latitude columns", plugin)
		return nil
	}
	lookup := b.tabular(c.Args[0], e)
	if lookup == nil {
		return nil
	}
	ls := lookup.Schema()
	shape, ok := c.Args[1].(*ast.Ident)
	if !ok || ls.Index(shape.Name) < 0 {
		b.errorf(c.Args[1], CodeTypeError, "%s expects a column of the lookup table holding the GeoJSON shape", plugin)
		return nil
	}
	cols := [2]string{}
	for i, a := range c.Args[2:4] {
		id, ok := a.(*ast.Ident)
		if !ok || r.schema.Index(id.Name) < 0 {
			b.errorf(a, CodeTypeError, "%s expects columns of its input holding the longitude and latitude", plugin)
			return nil
		}
		cols[i] = id.Name
	}
	// The optional arguments, by position (radius, return_unmatched, return_lookup_key) or by name.
	names := []string{"radius", "return_unmatched", "return_lookup_key"}
	opts := map[string]*plan.Lit{}
	for i, a := range c.Args[4:] {
		name := ""
		if i < len(names) {
			name = names[i]
		}
		x := a
		if as, ok := a.(*ast.Assign); ok && len(as.Names) == 1 {
			name = strings.ToLower(as.Names[0].Name)
			x = as.Value
		}
		l, ok := b.scalar(x, &rowCtx{}, e).(*plan.Lit)
		if !ok || (name != "radius" && name != "return_unmatched" && name != "return_lookup_key") {
			b.errorf(a, CodeTypeError, "%s expects constant radius, return_unmatched and return_lookup_key arguments", plugin)
			return nil
		}
		opts[name] = l
	}
	m := &plan.GeoMatch{Line: line, Lng: cols[0], Lat: cols[1], Shape: shape.Name}
	if l := opts["radius"]; l != nil {
		f, ok := litFloat(l)
		if !ok || f < 0 || math.IsInf(f, 0) {
			b.errorf(c, CodeTypeError, "%s expects a radius in metres, a non-negative number", plugin)
			return nil
		}
		m.Radius = f
	} else if line {
		b.errorf(c, CodeArgCount, "geo_line_lookup needs a radius in metres")
		return nil
	}
	flag := func(name string) (bool, bool) {
		l := opts[name]
		if l == nil {
			return false, true
		}
		v, ok := l.V.(bool)
		if !ok || l.T != schema.TypeBool {
			b.errorf(c, CodeTypeError, "%s expects %s to be a constant bool", plugin, name)
			return false, false
		}
		return v, true
	}
	unmatched, ok1 := flag("return_unmatched")
	withKey, ok2 := flag("return_lookup_key")
	if !ok1 || !ok2 {
		return nil
	}
	kind := "inner"
	if unmatched {
		kind = "leftouter"
	}
	j := &plan.Join{Kind: kind, Left: in, Right: lookup, Geo: m}
	taken := map[string]bool{}
	for _, col := range r.schema {
		j.Out = append(j.Out, col)
		j.Sources = append(j.Sources, plan.JoinSource{Col: col.Name})
		taken[col.Name] = true
	}
	for _, col := range ls {
		if col.Name == shape.Name && !withKey {
			continue
		}
		name := col.Name
		for k := 1; taken[name]; k++ {
			name = fmt.Sprintf("%s%d", col.Name, k)
		}
		taken[name] = true
		j.Out = append(j.Out, plan.Column{Name: name, Type: col.Type})
		j.Sources = append(j.Sources, plan.JoinSource{Right: true, Col: col.Name})
	}
	return j
}

// litFloat reads a numeric literal.
func litFloat(l *plan.Lit) (float64, bool) {
	switch v := l.V.(type) {
	case int64:
		return float64(v), true
	case int32:
		return float64(v), true
	case int:
		return float64(v), true
	case float64:
		return v, true
	}
	return 0, false
}
