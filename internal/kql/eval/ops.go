package eval

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/vigilsec/vigil/internal/kql/plan"
	"github.com/vigilsec/vigil/internal/kql/sema"
	"github.com/vigilsec/vigil/internal/schema"
)

func (p *Program) args(c []plan.Expr, row Row) ([]any, error) {
	out := make([]any, len(c))
	for i, a := range c {
		v, err := p.eval(a, row)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func isTermRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// hasTerm reports whether needle occurs in h on term boundaries, as KQL's has.
func hasTerm(h, needle string, prefix, suffix, cs bool) bool {
	if needle == "" {
		return true
	}
	if !cs {
		h, needle = strings.ToLower(h), strings.ToLower(needle)
	}
	first, _ := utf8.DecodeRuneInString(needle)
	last, _ := utf8.DecodeLastRuneInString(needle)
	for i := 0; i <= len(h)-len(needle); {
		j := strings.Index(h[i:], needle)
		if j < 0 {
			return false
		}
		start := i + j
		end := start + len(needle)
		okStart, okEnd := true, true
		if !suffix || prefix {
			if isTermRune(first) && start > 0 {
				r, _ := utf8.DecodeLastRuneInString(h[:start])
				okStart = !isTermRune(r)
			}
		}
		if !prefix || suffix {
			if isTermRune(last) && end < len(h) {
				r, _ := utf8.DecodeRuneInString(h[end:])
				okEnd = !isTermRune(r)
			}
		}
		if prefix && !suffix {
			okEnd = true
		}
		if suffix && !prefix {
			okStart = true
		}
		if okStart && okEnd {
			return true
		}
		_, sz := utf8.DecodeRuneInString(h[start:])
		i = start + sz
	}
	return false
}

func (p *Program) strOp(op string, a, b string) (bool, error) {
	neg := false
	if strings.HasPrefix(op, "!") {
		neg, op = true, op[1:]
	}
	var r bool
	switch op {
	case "has", "has_cs":
		r = hasTerm(a, b, false, false, op == "has_cs")
	case "hasprefix", "hasprefix_cs":
		r = hasTerm(a, b, true, false, op == "hasprefix_cs")
	case "hassuffix", "hassuffix_cs":
		r = hasTerm(a, b, false, true, op == "hassuffix_cs")
	case "contains":
		r = strings.Contains(strings.ToLower(a), strings.ToLower(b))
	case "contains_cs":
		r = strings.Contains(a, b)
	case "startswith":
		r = strings.HasPrefix(strings.ToLower(a), strings.ToLower(b))
	case "startswith_cs":
		r = strings.HasPrefix(a, b)
	case "endswith":
		r = strings.HasSuffix(strings.ToLower(a), strings.ToLower(b))
	case "endswith_cs":
		r = strings.HasSuffix(a, b)
	case "=~", "~":
		r = strings.EqualFold(a, b)
	case "matches regex":
		re, err := p.regex(b)
		if err != nil {
			return false, err
		}
		r = re.MatchString(a)
	default:
		return false, fmt.Errorf("%w: operator %s", ErrUnsupported, op)
	}
	return r != neg, nil
}

func (p *Program) call(c *plan.Call, row Row) (any, error) {
	// Short-circuit logic first.
	switch c.Fn {
	case "and", "or":
		l, err := p.eval(c.Args[0], row)
		if err != nil {
			return nil, err
		}
		lb, _ := l.(bool)
		if c.Fn == "and" && !lb {
			return false, nil
		}
		if c.Fn == "or" && lb {
			return true, nil
		}
		r, err := p.eval(c.Args[1], row)
		if err != nil {
			return nil, err
		}
		rb, _ := r.(bool)
		return rb, nil
	case "iff":
		cond, err := p.eval(c.Args[0], row)
		if err != nil {
			return nil, err
		}
		if b, _ := cond.(bool); b {
			return p.eval(c.Args[1], row)
		}
		return p.eval(c.Args[2], row)
	case "case":
		for i := 0; i+1 < len(c.Args); i += 2 {
			cond, err := p.eval(c.Args[i], row)
			if err != nil {
				return nil, err
			}
			if b, _ := cond.(bool); b {
				return p.eval(c.Args[i+1], row)
			}
		}
		return p.eval(c.Args[len(c.Args)-1], row)
	}
	a, err := p.args(c.Args, row)
	if err != nil {
		return nil, err
	}
	str := func(i int) string { return ToString(a[i]) }
	if len(a) == 2 && (strings.Contains(c.Fn, "has") || strings.Contains(c.Fn, "contains") || strings.Contains(c.Fn, "with") ||
		c.Fn == "=~" || c.Fn == "!~" || c.Fn == "matches regex") {
		return p.strOp(c.Fn, str(0), str(1))
	}
	switch c.Fn {
	case "not":
		b, _ := a[0].(bool)
		return !b, nil
	case "==", "!=", "<", "<=", ">", ">=":
		if c.Args[0].Type() == schema.TypeString || c.Args[0].Type() == schema.TypeGUID {
			a[0], a[1] = str(0), str(1)
		}
		k, ok := compare(a[0], a[1])
		if !ok {
			return nil, nil
		}
		switch c.Fn {
		case "==":
			return k == 0, nil
		case "!=":
			return k != 0, nil
		case "<":
			return k < 0, nil
		case "<=":
			return k <= 0, nil
		case ">":
			return k > 0, nil
		}
		return k >= 0, nil
	case "between", "!between":
		k1, ok1 := compare(a[0], a[1])
		k2, ok2 := compare(a[0], a[2])
		if !ok1 || !ok2 {
			return nil, nil
		}
		in := k1 >= 0 && k2 <= 0
		return in == (c.Fn == "between"), nil
	case "+", "-", "*", "/", "%":
		return arith(c.Fn, a[0], a[1], c.T)
	case "neg":
		switch v := a[0].(type) {
		case int64:
			return -v, nil
		case float64:
			return -v, nil
		case time.Duration:
			return -v, nil
		}
		return nil, nil
	case "isempty", "isnotempty":
		empty := a[0] == nil || a[0] == ""
		return empty == (c.Fn == "isempty"), nil
	case "isnull", "isnotnull":
		null := a[0] == nil
		if c.Args[0].Type() == schema.TypeString {
			null = false
		}
		return null == (c.Fn == "isnull"), nil
	case "tostring":
		return str(0), nil
	case "toint", "tolong":
		if a[0] == nil {
			return nil, nil
		}
		f, ok := toFloat(a[0])
		if !ok {
			return nil, nil
		}
		return int64(math.Trunc(f)), nil
	case "toreal", "todecimal":
		f, ok := toFloat(a[0])
		if !ok || a[0] == nil {
			return nil, nil
		}
		return f, nil
	case "tobool":
		switch v := a[0].(type) {
		case bool:
			return v, nil
		case string:
			switch strings.ToLower(strings.TrimSpace(v)) {
			case "true", "1":
				return true, nil
			case "false", "0":
				return false, nil
			}
			return nil, nil
		}
		f, ok := toFloat(a[0])
		if !ok {
			return nil, nil
		}
		return f != 0, nil
	case "todatetime":
		switch v := a[0].(type) {
		case time.Time:
			return v, nil
		case string:
			t, null, ok := sema.ParseDatetime(v)
			if !ok || null {
				return nil, nil
			}
			return t, nil
		}
		return nil, nil
	case "parse_json", "todynamic_value":
		if s, ok := a[0].(string); ok && c.Args[0].Type() == schema.TypeString {
			var out any
			if json.Unmarshal([]byte(s), &out) == nil {
				return out, nil
			}
		}
		return a[0], nil
	case "strcat":
		var sb strings.Builder
		for i := range a {
			sb.WriteString(str(i))
		}
		return sb.String(), nil
	case "tolower":
		return strings.ToLower(str(0)), nil
	case "toupper":
		return strings.ToUpper(str(0)), nil
	case "strlen":
		return int64(utf8.RuneCountInString(str(0))), nil
	case "substring":
		r := []rune(str(0))
		start, _ := toInt(a[1])
		start = max(0, min(start, int64(len(r))))
		end := int64(len(r))
		if len(a) == 3 {
			n, _ := toInt(a[2])
			end = min(end, start+max(n, 0))
		}
		return string(r[start:end]), nil
	case "indexof":
		return int64(strings.Index(str(0), str(1))), nil
	case "replace_string":
		return strings.ReplaceAll(str(0), str(1), str(2)), nil
	case "trim", "trim_start", "trim_end":
		pat := fmt.Sprintf(map[string]string{"trim": "^(?:%[1]s)+|(?:%[1]s)+$", "trim_start": "^(?:%[1]s)+", "trim_end": "(?:%[1]s)+$"}[c.Fn], str(0))
		re, err := p.regex(pat)
		if err != nil {
			return nil, err
		}
		return re.ReplaceAllString(str(1), ""), nil
	case "split":
		parts := strings.Split(str(0), str(1))
		out := make([]any, len(parts))
		for i, s := range parts {
			out[i] = s
		}
		return out, nil
	case "extract":
		re, err := p.regex(str(0))
		if err != nil {
			return nil, err
		}
		g, _ := toInt(a[1])
		m := re.FindStringSubmatch(str(2))
		if m == nil || int(g) >= len(m) {
			if c.T == schema.TypeString {
				return "", nil
			}
			return nil, nil
		}
		if c.T == schema.TypeString {
			return m[g], nil
		}
		f, ok := toFloat(m[g])
		if !ok {
			return nil, nil
		}
		if c.T == schema.TypeReal {
			return f, nil
		}
		return int64(f), nil
	case "array_length":
		if l, ok := a[0].([]any); ok {
			return int64(len(l)), nil
		}
		return nil, nil
	case "coalesce":
		for _, v := range a {
			if v != nil && v != "" {
				return v, nil
			}
		}
		if c.T == schema.TypeString {
			return "", nil
		}
		return nil, nil
	case "bin", "floor":
		return bin(a[0], a[1])
	case "abs":
		f, ok := toFloat(a[0])
		if !ok {
			return nil, nil
		}
		if c.T == schema.TypeReal {
			return math.Abs(f), nil
		}
		return int64(math.Abs(f)), nil
	case "ipv4_is_private":
		return privateIPv4.MatchString(str(0)), nil
	}
	return nil, fmt.Errorf("%w: function %s", ErrUnsupported, c.Fn)
}

func (p *Program) inList(v *plan.InList, row Row) (any, error) {
	x, err := p.eval(v.X, row)
	if err != nil {
		return nil, err
	}
	items, err := p.args(v.List, row)
	if err != nil {
		return nil, err
	}
	// A dynamic array contributes its elements.
	var list []any
	for _, it := range items {
		if arr, ok := it.([]any); ok {
			list = append(list, arr...)
			continue
		}
		list = append(list, it)
	}
	op := v.Op
	neg := strings.HasPrefix(op, "!")
	op = strings.TrimPrefix(op, "!")
	var r bool
	switch op {
	case "in":
		for _, it := range list {
			if k, ok := compare(x, it); ok && k == 0 {
				r = true
				break
			}
		}
	case "in~":
		for _, it := range list {
			if strings.EqualFold(ToString(x), ToString(it)) {
				r = true
				break
			}
		}
	case "has_any":
		for _, it := range list {
			if hasTerm(ToString(x), ToString(it), false, false, false) {
				r = true
				break
			}
		}
	case "has_all":
		r = true
		for _, it := range list {
			if !hasTerm(ToString(x), ToString(it), false, false, false) {
				r = false
				break
			}
		}
	default:
		return nil, fmt.Errorf("%w: %s", ErrUnsupported, v.Op)
	}
	return r != neg, nil
}

func arith(op string, a, b any, t schema.Type) (any, error) {
	if a == nil || b == nil {
		return nil, nil
	}
	switch x := a.(type) {
	case time.Time:
		switch y := b.(type) {
		case time.Duration:
			if op == "+" {
				return x.Add(y), nil
			}
			return x.Add(-y), nil
		case time.Time:
			return x.Sub(y), nil
		}
	case time.Duration:
		switch y := b.(type) {
		case time.Duration:
			switch op {
			case "+":
				return x + y, nil
			case "-":
				return x - y, nil
			case "/":
				return float64(x) / float64(y), nil
			}
		case time.Time:
			return y.Add(x), nil
		default:
			f, _ := toFloat(b)
			if op == "*" {
				return time.Duration(float64(x) * f), nil
			}
			return time.Duration(float64(x) / f), nil
		}
	}
	if t == schema.TypeInt || t == schema.TypeLong {
		x, _ := toInt(a)
		y, _ := toInt(b)
		switch op {
		case "+":
			return x + y, nil
		case "-":
			return x - y, nil
		case "*":
			return x * y, nil
		case "/":
			if y == 0 {
				return nil, nil
			}
			return x / y, nil
		case "%":
			if y == 0 {
				return nil, nil
			}
			m := x % y
			if m < 0 {
				m += max(y, -y)
			}
			return m, nil
		}
	}
	x, ok1 := toFloat(a)
	y, ok2 := toFloat(b)
	if !ok1 || !ok2 {
		return nil, nil
	}
	switch op {
	case "+":
		return x + y, nil
	case "-":
		return x - y, nil
	case "*":
		return x * y, nil
	case "/":
		return x / y, nil
	case "%":
		return math.Mod(x, y), nil
	}
	return nil, fmt.Errorf("%w: operator %s", ErrUnsupported, op)
}

func bin(v, size any) (any, error) {
	switch x := v.(type) {
	case time.Time:
		d, _ := size.(time.Duration)
		if d <= 0 {
			return nil, nil
		}
		return x.Truncate(d), nil
	case time.Duration:
		d, _ := size.(time.Duration)
		if d <= 0 {
			return nil, nil
		}
		return x - x%d, nil
	case int64:
		n, _ := toInt(size)
		if n == 0 {
			return nil, nil
		}
		return int64(math.Floor(float64(x)/float64(n))) * n, nil
	case float64:
		f, _ := toFloat(size)
		return math.Floor(x/f) * f, nil
	}
	return nil, nil
}

var privateIPv4 = regexp.MustCompile(`^(?:10\.|192\.168\.|172\.(?:1[6-9]|2[0-9]|3[01])\.)`)
