package rule

import (
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

var correlationTypes = map[string]bool{"event_count": true, "value_count": true, "temporal": true, "temporal_ordered": true}

// ParseTimespan parses a Sigma timespan ("30s", "5m", "1h", "2d", "1w") into
// seconds.
func ParseTimespan(s string) (int64, bool) {
	if len(s) < 2 {
		return 0, false
	}
	n, err := strconv.ParseInt(s[:len(s)-1], 10, 64)
	if err != nil || n <= 0 {
		return 0, false
	}
	mult := map[byte]int64{'s': 1, 'm': 60, 'h': 3600, 'd': 86400, 'w': 7 * 86400, 'M': 30 * 86400, 'y': 365 * 86400}[s[len(s)-1]]
	if mult == 0 {
		return 0, false
	}
	return n * mult, true
}

func (d *decoder) correlation(n *yaml.Node) *Correlation {
	const p = "correlation"
	if n.Kind != yaml.MappingNode {
		d.errorf(CodeInvalidType, n, p, "correlation must be a mapping")
		return nil
	}
	c := &Correlation{Type: d.str(n, "type"), Rules: d.strs(n, "rules"), GroupBy: d.strs(n, "group-by"), Timespan: d.str(n, "timespan")}
	if c.Timespan == "" {
		c.Timespan = d.str(n, "timeframe")
	}
	if !correlationTypes[c.Type] {
		d.errorf(CodeInvalidCorrelation, orNode(mapGet(n, "type"), n), p+".type", "type %q is not one of event_count, value_count, temporal, temporal_ordered", c.Type)
	}
	if len(c.Rules) == 0 {
		d.errorf(CodeInvalidCorrelation, n, p+".rules", "rules is required")
	}
	if (c.Type == "temporal" || c.Type == "temporal_ordered") && len(c.Rules) < 2 {
		d.errorf(CodeInvalidCorrelation, orNode(mapGet(n, "rules"), n), p+".rules", "%s needs at least two rules", c.Type)
	}
	secs, ok := ParseTimespan(c.Timespan)
	if !ok {
		d.errorf(CodeInvalidCorrelation, orNode(mapGet(n, "timespan"), n), p+".timespan", "timespan %q is not a number followed by s, m, h, d, w, M or y", c.Timespan)
	}
	c.Seconds = secs
	if g := mapGet(n, "generate"); g != nil {
		c.Generate = g.Value == "true"
	}
	if a := mapGet(n, "aliases"); a != nil && a.Kind == yaml.MappingNode {
		c.Aliases = map[string]map[string]string{}
		for i := 0; i+1 < len(a.Content); i += 2 {
			m := map[string]string{}
			v := a.Content[i+1]
			for j := 0; v.Kind == yaml.MappingNode && j+1 < len(v.Content); j += 2 {
				m[v.Content[j].Value] = v.Content[j+1].Value
			}
			c.Aliases[a.Content[i].Value] = m
		}
	}
	cn := mapGet(n, "condition")
	switch {
	case cn == nil && (c.Type == "temporal" || c.Type == "temporal_ordered"):
		v := int64(len(c.Rules))
		c.Condition.GTE = &v
	case cn == nil:
		d.errorf(CodeInvalidCorrelation, n, p+".condition", "condition is required for %s", c.Type)
	case cn.Kind != yaml.MappingNode:
		d.errorf(CodeInvalidCorrelation, cn, p+".condition", "condition must be a mapping such as {gte: 10}")
	default:
		for i := 0; i+1 < len(cn.Content); i += 2 {
			k, v := cn.Content[i], cn.Content[i+1]
			if k.Value == "field" {
				c.Condition.Field = v.Value
				continue
			}
			if k.Value == "range" {
				lo, hi, ok := parseRange(v.Value)
				if !ok {
					d.errorf(CodeInvalidCorrelation, v, p+".condition.range", "range %q is not \"min..max\"", v.Value)
					continue
				}
				c.Condition.GTE, c.Condition.LTE = &lo, &hi
				continue
			}
			x, err := strconv.ParseInt(v.Value, 10, 64)
			if err != nil {
				d.errorf(CodeInvalidCorrelation, v, p+".condition."+k.Value, "%q is not an integer", v.Value)
				continue
			}
			switch k.Value {
			case "gt":
				c.Condition.GT = &x
			case "gte":
				c.Condition.GTE = &x
			case "lt":
				c.Condition.LT = &x
			case "lte":
				c.Condition.LTE = &x
			case "eq":
				c.Condition.EQ = &x
			case "neq":
				c.Condition.NEQ = &x
			default:
				d.errorf(CodeInvalidCorrelation, k, p+".condition."+k.Value, "unknown condition operator %q", k.Value)
			}
		}
		if c.Type == "value_count" && c.Condition.Field == "" {
			d.errorf(CodeInvalidCorrelation, cn, p+".condition.field", "value_count needs condition.field")
		}
	}
	return c
}

func parseRange(s string) (lo, hi int64, ok bool) {
	a, b, found := strings.Cut(s, "..")
	if !found {
		return 0, 0, false
	}
	lo, e1 := strconv.ParseInt(strings.TrimSpace(a), 10, 64)
	hi, e2 := strconv.ParseInt(strings.TrimSpace(b), 10, 64)
	return lo, hi, e1 == nil && e2 == nil && lo <= hi
}

func orNode(n, def *yaml.Node) *yaml.Node {
	if n != nil {
		return n
	}
	return def
}

func (d *decoder) filter(n *yaml.Node) *Filter {
	if n.Kind != yaml.MappingNode {
		d.errorf(CodeInvalidFilter, n, "filter", "filter must be a mapping")
		return nil
	}
	f := &Filter{Rules: d.strs(n, "rules")}
	f.Detection = d.detection(n, "filter")
	return f
}
