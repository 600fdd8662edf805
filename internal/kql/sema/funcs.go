package sema

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/vigilsec/vigil/internal/kql/ast"
	"github.com/vigilsec/vigil/internal/kql/plan"
	"github.com/vigilsec/vigil/internal/schema"
)

// retRule computes a function's result type from its bound arguments.
type retRule func(args []plan.Expr) schema.Type

func fixed(t schema.Type) retRule { return func([]plan.Expr) schema.Type { return t } }

func argT(i int) retRule {
	return func(a []plan.Expr) schema.Type {
		if i < len(a) {
			return a[i].Type()
		}
		return schema.TypeDynamic
	}
}

// firstNonNull is the type of the first argument that is not an untyped null.
func firstNonNull(from, step int) retRule {
	return func(a []plan.Expr) schema.Type {
		for i := from; i < len(a); i += step {
			if l, ok := a[i].(*plan.Lit); ok && l.V == nil && l.T == schema.TypeDynamic {
				continue
			}
			return a[i].Type()
		}
		if from < len(a) {
			return a[from].Type()
		}
		return schema.TypeDynamic
	}
}

func numRule(a []plan.Expr) schema.Type {
	if len(a) == 0 {
		return schema.TypeReal
	}
	t := a[0].Type()
	switch t {
	case schema.TypeInt, schema.TypeLong, schema.TypeReal, schema.TypeDecimal, schema.TypeTimespan, schema.TypeDatetime:
		return t
	}
	return schema.TypeReal
}

func sumRule(a []plan.Expr) schema.Type {
	t := numRule(a)
	if t == schema.TypeInt {
		return schema.TypeLong
	}
	return t
}

// Func describes a built-in function.
type Func struct {
	Name     string
	Min, Max int // argument count; Max < 0: variadic
	Ret      retRule
	Agg      bool
	// Str lists argument positions converted to string.
	Str []int
}

var (
	tS, tI, tL, tR, tB, tD, tT, tY, tG = schema.TypeString, schema.TypeInt, schema.TypeLong, schema.TypeReal, schema.TypeBool,
		schema.TypeDatetime, schema.TypeTimespan, schema.TypeDynamic, schema.TypeGUID
)

var funcs = map[string]*Func{}

func def(name string, min, max int, ret retRule, str ...int) {
	funcs[name] = &Func{Name: name, Min: min, Max: max, Ret: ret, Str: str}
}

func agg(name string, min, max int, ret retRule) {
	funcs[name] = &Func{Name: name, Min: min, Max: max, Ret: ret, Agg: true}
}

// aliases maps deprecated or alternative names to the canonical one.
var aliases = map[string]string{
	"iif": "iff", "makeset": "make_set", "makelist": "make_list", "parsejson": "parse_json", "todynamic": "parse_json",
	"todouble": "toreal", "any": "take_any", "columnifexists": "column_ifexists", "arraylength": "array_length",
	"argmax": "arg_max", "argmin": "arg_min", "base64_decodestring": "base64_decode_tostring",
	"base64_encodestring": "base64_encode_tostring", "tostring_": "tostring", "pack": "bag_pack", "pack_dictionary": "bag_pack",
	"anyif": "take_anyif", "make_dictionary": "make_bag", "makebag": "make_bag", "notempty": "isnotempty", "isnotempty_": "isnotempty",
	"int": "toint", "long": "tolong", "real": "toreal", "double": "toreal", "bool": "tobool", "boolean": "tobool",
	"string": "tostring", "timespan": "totimespan", "time": "totimespan", "datetime": "todatetime", "guid": "toguid",
	"todate": "todatetime", "containscs": "contains_cs", "totime": "totimespan", "extractjson": "extract_json", "notnull": "isnotnull",
	"make_string": "unicode_codepoints_to_string", "dcount_hll": "dcount", "strcat_delim": "strcat_delim", "decimal": "todecimal",
	"mvexpand": "mv-expand", "count_distinct": "dcount", "isnotnull_": "isnotnull", "bag_keys": "bag_keys",
	"array_iif": "array_iff", "format_bytes": "format_bytes", "todecimal": "todecimal", "ceiling": "ceiling",
	"set_intersect": "set_intersect", "datetime_part": "datetime_part", "startofday": "startofday",
}

func canonical(name string) string {
	if a, ok := aliases[name]; ok {
		return a
	}
	return name
}

func init() {
	// conversions
	def("tostring", 1, 1, fixed(tS))
	def("toint", 1, 1, fixed(tI))
	def("tolong", 1, 1, fixed(tL))
	def("toreal", 1, 1, fixed(tR))
	def("todecimal", 1, 1, fixed(tR))
	def("tobool", 1, 1, fixed(tB))
	def("todatetime", 1, 1, fixed(tD))
	def("totimespan", 1, 1, fixed(tT))
	def("toguid", 1, 1, fixed(tG))
	def("parse_json", 1, 1, fixed(tY))
	def("todynamic_value", 1, 1, fixed(tY))
	def("dynamic_to_json", 1, 1, fixed(tS))
	// strings
	def("strcat", 1, 64, fixed(tS))
	def("strcat_delim", 2, 64, fixed(tS))
	def("tolower", 1, 1, fixed(tS), 0)
	def("toupper", 1, 1, fixed(tS), 0)
	def("trim", 2, 2, fixed(tS), 0, 1)
	def("trim_start", 2, 2, fixed(tS), 0, 1)
	def("trim_end", 2, 2, fixed(tS), 0, 1)
	def("replace_string", 3, 3, fixed(tS), 0, 1, 2)
	def("replace_regex", 3, 3, fixed(tS), 0, 1, 2)
	def("replace", 3, 3, fixed(tS), 0, 1, 2)
	def("substring", 2, 3, fixed(tS), 0)
	def("strlen", 1, 1, fixed(tL), 0)
	def("string_size", 1, 1, fixed(tL), 0)
	def("indexof", 2, 5, fixed(tL), 0, 1)
	def("countof", 2, 3, fixed(tL), 0, 1)
	def("extract", 3, 4, func(a []plan.Expr) schema.Type {
		if len(a) == 4 {
			return a[3].Type()
		}
		return tS
	}, 0, 2)
	def("extract_all", 2, 3, fixed(tY))
	def("extract_json", 2, 3, func(a []plan.Expr) schema.Type {
		if len(a) == 3 {
			return a[2].Type()
		}
		return tS
	})
	def("split", 2, 3, fixed(tY), 0, 1)
	def("strcat_array", 2, 2, fixed(tS))
	def("reverse", 1, 1, fixed(tS), 0)
	def("strrep", 2, 3, fixed(tS))
	def("url_decode", 1, 1, fixed(tS), 0)
	def("url_encode", 1, 1, fixed(tS), 0)
	def("url_encode_component", 1, 1, fixed(tS), 0)
	def("base64_encode_tostring", 1, 1, fixed(tS), 0)
	def("base64_decode_tostring", 1, 1, fixed(tS), 0)
	def("hash_sha256", 1, 1, fixed(tS), 0)
	def("hash_md5", 1, 1, fixed(tS), 0)
	def("hash_sha1", 1, 1, fixed(tS), 0)
	def("hash", 1, 2, fixed(tL))
	def("tohex", 1, 2, fixed(tS))
	def("translate", 3, 3, fixed(tS), 0, 1, 2)
	def("typeof", 1, 1, fixed(tS))
	def("gettype", 1, 1, fixed(tS))
	def("new_guid", 0, 0, fixed(tG))
	def("parse_url", 1, 1, fixed(tY), 0)
	def("parse_path", 1, 1, fixed(tY), 0)
	def("parse_urlquery", 1, 1, fixed(tY), 0)
	def("parse_csv", 1, 1, fixed(tY), 0)
	def("parse_xml", 1, 1, fixed(tY), 0)
	def("parse_command_line", 2, 2, fixed(tY), 0)
	def("parse_user_agent", 2, 2, fixed(tY))
	def("parse_ipv4", 1, 1, fixed(tL), 0)
	def("format_ipv4", 1, 2, fixed(tS))
	def("format_ipv4_mask", 1, 2, fixed(tS))
	def("base64_decode_toarray", 1, 1, fixed(tY), 0)
	def("make_string", 1, -1, fixed(tS))
	def("unicode_codepoints_from_string", 1, 1, fixed(tY), 0)
	def("unicode_codepoints_to_string", 1, -1, fixed(tS))
	def("bag_zip", 2, 2, fixed(tY))
	def("cot", 1, 1, fixed(tR))
	def("to_utf8", 1, 1, fixed(tY), 0)
	def("has_ipv4", 2, 2, fixed(tB), 0, 1)
	def("has_ipv4_prefix", 2, 2, fixed(tB), 0, 1)
	def("has_any_ipv4", 2, -1, fixed(tB))
	def("has_any_ipv4_prefix", 2, -1, fixed(tB))
	def("ipv4_is_private", 1, 1, fixed(tB), 0)
	def("ipv4_is_in_range", 2, 2, fixed(tB), 0, 1)
	def("ipv4_is_match", 2, 3, fixed(tB), 0, 1)
	def("ipv4_compare", 2, 3, fixed(tL), 0, 1)
	def("ipv6_compare", 2, 4, fixed(tL), 0, 1)
	def("ipv4_is_in_any_range", 2, -1, fixed(tB))
	def("ipv6_is_match", 2, 3, fixed(tB), 0, 1)
	// predicates
	def("isempty", 1, 1, fixed(tB))
	def("isnotempty", 1, 1, fixed(tB))
	def("isnull", 1, 1, fixed(tB))
	def("isnotnull", 1, 1, fixed(tB))
	def("not", 1, 1, fixed(tB))
	def("isnan", 1, 1, fixed(tB))
	def("isinf", 1, 1, fixed(tB))
	def("isfinite", 1, 1, fixed(tB))
	def("isascii", 1, 1, fixed(tB), 0)
	def("isutf8", 1, 1, fixed(tB), 0)
	// conditionals
	def("iff", 3, 3, firstNonNull(1, 1))
	def("case", 3, -1, func(a []plan.Expr) schema.Type {
		for i := 1; i < len(a); i += 2 {
			if l, ok := a[i].(*plan.Lit); ok && l.V == nil && l.T == schema.TypeDynamic {
				continue
			}
			return a[i].Type()
		}
		return a[len(a)-1].Type()
	})
	def("coalesce", 1, 64, firstNonNull(0, 1))
	def("max_of", 1, 64, numRule)
	def("min_of", 1, 64, numRule)
	// math
	def("abs", 1, 1, numRule)
	def("floor", 2, 2, argT(0))
	def("bin", 2, 2, argT(0))
	def("bin_at", 3, 3, argT(0))
	def("round", 1, 2, argT(0))
	def("ceiling", 1, 1, argT(0))
	def("sqrt", 1, 1, fixed(tR))
	def("exp", 1, 1, fixed(tR))
	def("exp2", 1, 1, fixed(tR))
	def("exp10", 1, 1, fixed(tR))
	def("log", 1, 1, fixed(tR))
	def("log2", 1, 1, fixed(tR))
	def("log10", 1, 1, fixed(tR))
	def("pow", 2, 2, fixed(tR))
	def("sign", 1, 1, numRule)
	def("rand", 0, 1, fixed(tR))
	def("pi", 0, 0, fixed(tR))
	def("sin", 1, 1, fixed(tR))
	def("cos", 1, 1, fixed(tR))
	def("tan", 1, 1, fixed(tR))
	def("asin", 1, 1, fixed(tR))
	def("acos", 1, 1, fixed(tR))
	def("atan", 1, 1, fixed(tR))
	def("atan2", 2, 2, fixed(tR))
	def("degrees", 1, 1, fixed(tR))
	def("radians", 1, 1, fixed(tR))
	def("gamma", 1, 1, fixed(tR))
	def("loggamma", 1, 1, fixed(tR))
	def("binary_and", 2, 2, fixed(tL))
	def("binary_or", 2, 2, fixed(tL))
	def("binary_xor", 2, 2, fixed(tL))
	def("binary_not", 1, 1, fixed(tL))
	def("binary_shift_left", 2, 2, fixed(tL))
	def("binary_shift_right", 2, 2, fixed(tL))
	def("bitset_count_ones", 1, 1, fixed(tL))
	// datetime
	def("now", 0, 1, fixed(tD))
	def("ago", 1, 1, fixed(tD))
	def("ingestion_time", 0, 0, fixed(tD))
	for _, f := range []string{"startofday", "startofweek", "startofmonth", "startofyear", "endofday", "endofweek", "endofmonth", "endofyear"} {
		def(f, 1, 2, fixed(tD))
	}
	def("datetime_add", 3, 3, fixed(tD))
	def("datetime_diff", 3, 3, fixed(tL))
	def("datetime_part", 2, 2, fixed(tI))
	def("format_datetime", 2, 2, fixed(tS))
	def("format_timespan", 2, 2, fixed(tS))
	def("dayofweek", 1, 1, fixed(tT))
	def("dayofmonth", 1, 1, fixed(tI))
	def("dayofyear", 1, 1, fixed(tI))
	def("hourofday", 1, 1, fixed(tI))
	def("weekofyear", 1, 1, fixed(tI))
	def("week_of_year", 1, 1, fixed(tI))
	def("monthofyear", 1, 1, fixed(tI))
	def("getmonth", 1, 1, fixed(tI))
	def("getyear", 1, 1, fixed(tI))
	def("unixtime_seconds_todatetime", 1, 1, fixed(tD))
	def("unixtime_milliseconds_todatetime", 1, 1, fixed(tD))
	def("unixtime_microseconds_todatetime", 1, 1, fixed(tD))
	def("unixtime_nanoseconds_todatetime", 1, 1, fixed(tD))
	def("datetime_utc_to_local", 2, 2, fixed(tD))
	def("datetime_local_to_utc", 2, 2, fixed(tD))
	def("make_datetime", 1, 7, fixed(tD))
	def("make_timespan", 1, 5, fixed(tT))
	def("todatetime_", 1, 1, fixed(tD))
	// dynamic
	def("array_length", 1, 1, fixed(tL))
	def("array_slice", 3, 3, fixed(tY))
	def("array_concat", 1, -1, fixed(tY))
	def("array_index_of", 2, 4, fixed(tL))
	def("array_sort_asc", 1, 3, fixed(tY))
	def("array_sort_desc", 1, 3, fixed(tY))
	def("array_reverse", 1, 1, fixed(tY))
	def("array_sum", 1, 1, fixed(tR))
	def("array_strcat", 2, 2, fixed(tS))
	def("array_split", 2, 2, fixed(tY))
	def("array_shift_left", 2, 3, fixed(tY))
	def("array_shift_right", 2, 3, fixed(tY))
	def("array_rotate_left", 2, 2, fixed(tY))
	def("array_rotate_right", 2, 2, fixed(tY))
	def("array_iff", 3, 3, fixed(tY))
	def("pack_array", 0, -1, fixed(tY))
	def("bag_pack", 0, -1, fixed(tY))
	def("pack_all", 0, 1, fixed(tY))
	def("bag_keys", 1, 1, fixed(tY))
	def("bag_merge", 1, -1, fixed(tY))
	def("bag_remove_keys", 2, 2, fixed(tY))
	def("bag_has_key", 2, 2, fixed(tB))
	def("set_union", 1, -1, fixed(tY))
	def("set_intersect", 1, -1, fixed(tY))
	def("set_difference", 1, -1, fixed(tY))
	def("set_has_element", 2, 2, fixed(tB))
	def("zip", 1, -1, fixed(tY))
	def("range", 2, 3, fixed(tY))
	def("repeat", 2, 2, fixed(tY))
	def("jaccard_index", 2, 2, fixed(tR))
	def("column_ifexists", 2, 2, argT(1))
	def("toscalar", 1, 1, fixed(tY))
	def("row_number", 0, 2, fixed(tL))
	def("prev", 1, 3, argT(0))
	def("next", 1, 3, argT(0))
	def("row_cumsum", 1, 2, argT(0))
	def("current_cluster_endpoint", 0, 0, fixed(tS))
	def("current_database", 0, 0, fixed(tS))
	// series functions (dynamic arrays); checked here, not yet expressible in SQL
	for _, f := range []string{"series_decompose_anomalies", "series_decompose", "series_decompose_forecast", "series_fit_line",
		"series_fit_2lines", "series_stats", "series_stats_dynamic", "series_fit_line_dynamic", "series_fit_2lines_dynamic",
		"series_outliers", "series_periods_detect", "series_periods_validate", "series_fill_linear", "series_fill_const",
		"series_fill_forward", "series_fill_backward", "series_add", "series_subtract", "series_multiply", "series_divide",
		"series_iir", "series_fir", "series_seasonal", "series_abs", "series_pearson_correlation", "series_cosine_similarity",
		"series_dot_product", "series_sum", "series_product", "series_pow", "series_log", "series_exp", "series_sign",
		"series_greater", "series_greater_equals", "series_less", "series_less_equals", "series_equals", "series_not_equals",
		"series_magnitude", "series_floor", "series_ceiling", "series_sin", "series_cos", "series_tan", "series_asin",
		"series_acos", "series_atan"} {
		def(f, 1, -1, fixed(tY))
	}
	for _, f := range []string{"series_sum", "series_product", "series_magnitude", "series_dot_product", "series_cosine_similarity"} {
		def(f, 1, -1, fixed(tR))
	}
	// aggregates
	agg("count", 0, 1, fixed(tL))
	agg("countif", 1, 1, fixed(tL))
	agg("dcount", 1, 2, fixed(tL))
	agg("dcountif", 2, 3, fixed(tL))
	agg("sum", 1, 1, sumRule)
	agg("sumif", 2, 2, sumRule)
	agg("avg", 1, 1, fixed(tR))
	agg("avgif", 2, 2, fixed(tR))
	agg("min", 1, 1, argT(0))
	agg("max", 1, 1, argT(0))
	agg("minif", 2, 2, argT(0))
	agg("maxif", 2, 2, argT(0))
	agg("take_any", 1, -1, argT(0))
	agg("take_anyif", 2, 2, argT(0))
	agg("make_set", 1, 2, fixed(tY))
	agg("make_list", 1, 2, fixed(tY))
	agg("make_set_if", 2, 3, fixed(tY))
	agg("make_list_if", 2, 3, fixed(tY))
	agg("make_list_with_nulls", 1, 1, fixed(tY))
	agg("covariance", 2, 2, fixed(tR))
	agg("covariancep", 2, 2, fixed(tR))
	agg("covarianceif", 3, 3, fixed(tR))
	agg("covariancepif", 3, 3, fixed(tR))
	agg("make_bag", 1, 2, fixed(tY))
	agg("make_bag_if", 2, 3, fixed(tY))
	agg("stdev", 1, 1, fixed(tR))
	agg("stdevp", 1, 1, fixed(tR))
	agg("variance", 1, 1, fixed(tR))
	agg("variancep", 1, 1, fixed(tR))
	agg("percentile", 2, 2, argT(0))
	agg("percentiles", 2, -1, argT(0))
	agg("arg_max", 1, -1, argT(1))
	agg("arg_min", 1, -1, argT(1))
	agg("binary_all_or", 1, 1, fixed(tL))
	agg("binary_all_and", 1, 1, fixed(tL))
	agg("hll", 1, 2, fixed(tY))
}

// Lookup returns the built-in function called name (aliases resolved).
func Lookup(name string) (*Func, bool) {
	f, ok := funcs[canonical(name)]
	return f, ok
}

// FuncNames returns the names of all built-in functions, sorted.
func FuncNames() []string {
	out := make([]string, 0, len(funcs))
	for n := range funcs {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func (b *binder) call(c *ast.Call, r *rowCtx, e *env) plan.Expr {
	id, ok := c.Func.(*ast.Ident)
	if !ok {
		b.errorf(c, CodeUnsupported, "unsupported function call %s", ast.Format(c.Func))
		return nullDyn
	}
	if x, ok := b.graphCall(c, id.Name, r, e); ok {
		return x
	}
	// User functions shadow built-ins.
	if bd := e.lookup(id.Name); bd != nil && bd.fn != nil {
		n, x := b.callUser(c, bd.fn, bd.fnEnv, c.Args, nil, r, e)
		if n != nil {
			b.errorf(c, CodeTypeError, "%q returns a table; use toscalar()", id.Name)
			return nullDyn
		}
		return x
	}
	name := canonical(id.Name)
	switch name {
	case "toscalar":
		if len(c.Args) != 1 {
			b.errorf(c, CodeArgCount, "toscalar takes one argument")
			return nullDyn
		}
		if !b.isTabular(c.Args[0], e) {
			return b.scalar(c.Args[0], r, e)
		}
		n := b.tabular(c.Args[0], e)
		if n == nil || len(n.Schema()) == 0 {
			return nullDyn
		}
		return &plan.Subquery{Table: n, T: n.Schema()[0].Type}
	case "bag_pack_columns":
		return b.bagPackColumns(c, r, e)
	case "column_ifexists":
		if len(c.Args) != 2 {
			b.errorf(c, CodeArgCount, "column_ifexists takes two arguments")
			return nullDyn
		}
		if l, ok := c.Args[0].(*ast.Literal); ok && l.Kind == ast.LitString {
			if i := r.schema.Index(l.Value); i >= 0 {
				return &plan.ColRef{Name: l.Value, T: r.schema[i].Type}
			}
			return bagOrDefault(r.schema, l.Value, b.scalar(c.Args[1], r, e))
		}
		// A parameter holding a column name.
		x := b.scalar(c.Args[0], r, e)
		if l, ok := x.(*plan.Lit); ok {
			if s, ok := l.V.(string); ok {
				if i := r.schema.Index(s); i >= 0 {
					return &plan.ColRef{Name: s, T: r.schema[i].Type}
				}
				return bagOrDefault(r.schema, s, b.scalar(c.Args[1], r, e))
			}
		}
		return b.scalar(c.Args[1], r, e)
	case "dynamic":
		if len(c.Args) == 1 {
			return b.scalar(&ast.Dynamic{Loc: c.Loc, Value: c.Args[0]}, r, e)
		}
	case "now":
		if len(c.Args) == 0 {
			return plan.Datetime(b.opts.Now)
		}
		off := b.scalar(c.Args[0], r, e)
		return &plan.Call{Fn: "+", Args: []plan.Expr{plan.Datetime(b.opts.Now), off}, T: schema.TypeDatetime}
	case "pack_all":
		// pack_all([ignore_null_empty]) is a bag of the row's columns:
		// pack_all(flag, "c1", c1, "c2", c2, ...) for the back end.
		if len(c.Args) > 1 {
			break
		}
		flag := plan.Expr(plan.Bool(false))
		if len(c.Args) == 1 {
			flag = b.scalar(c.Args[0], &rowCtx{}, e)
		}
		args := []plan.Expr{flag}
		for _, col := range r.schema {
			if strings.HasPrefix(col.Name, "$") {
				continue
			}
			args = append(args, plan.String(col.Name), &plan.ColRef{Name: col.Name, T: col.Type})
		}
		return &plan.Call{Fn: "pack_all", Args: args, T: schema.TypeDynamic}
	case "ingestion_time":
		if i := r.schema.Index(schema.ColTimeReceived); i >= 0 {
			return &plan.ColRef{Name: schema.ColTimeReceived, T: r.schema[i].Type}
		}
		return plan.Null(schema.TypeDatetime)
	case "ago":
		if len(c.Args) == 1 {
			d := b.scalar(c.Args[0], r, e)
			if l, ok := d.(*plan.Lit); ok {
				if dd, ok := l.V.(time.Duration); ok {
					return plan.Datetime(b.opts.Now.Add(-dd))
				}
			}
			return &plan.Call{Fn: "-", Args: []plan.Expr{plan.Datetime(b.opts.Now), d}, T: schema.TypeDatetime}
		}
	}
	f, ok := funcs[name]
	if !ok {
		if b.storedFunctionExists(id.Name) {
			b.errorf(c, CodeUnsupported, "stored function %q used as a scalar is not supported", id.Name)
			return nullDyn
		}
		if s := suggest(id.Name, FuncNames()); s != "" {
			b.errorf(id, CodeUnknownFunction, "unknown function %q; did you mean %q?", id.Name, s)
		} else {
			b.errorf(id, CodeUnknownFunction, "unknown function %q", id.Name)
		}
		for _, a := range c.Args {
			b.scalar(a, r, e)
		}
		return nullDyn
	}
	if f.Agg && !r.agg {
		b.errorf(id, CodeTypeError, "aggregate function %s() is only allowed in summarize", name)
	}
	if len(c.Args) < f.Min || (f.Max >= 0 && len(c.Args) > f.Max) {
		want := fmt.Sprint(f.Min)
		switch {
		case f.Max < 0:
			want += " or more"
		case f.Max != f.Min:
			want = fmt.Sprintf("%d to %d", f.Min, f.Max)
		}
		b.errorf(c, CodeArgCount, "%s() takes %s arguments, got %d", name, want, len(c.Args))
	}
	inner := r
	if f.Agg {
		inner = &rowCtx{schema: r.schema}
	}
	args := make([]plan.Expr, len(c.Args))
	for i, a := range c.Args {
		if as, ok := a.(*ast.Assign); ok && !as.Tuple {
			a = as.Value // named arguments are taken positionally
		}
		args[i] = b.scalar(a, inner, e)
	}
	for _, i := range f.Str {
		if i < len(args) {
			args[i] = toString(args[i])
		}
	}
	args = fixArgs(name, args)
	b.windowCheck(name, c, args)
	t := f.Ret(args)
	if f.Agg {
		return &plan.AggCall{Fn: name, Args: args, T: t}
	}
	return &plan.Call{Fn: name, Args: args, T: t}
}

// fixArgs applies per-function argument conversions.
func fixArgs(name string, a []plan.Expr) []plan.Expr {
	switch name {
	case "iff":
		if len(a) == 3 {
			a[0] = toBool(a[0])
			t := firstNonNull(1, 1)(a)
			a[1], a[2] = convertNull(a[1], t), convertNull(a[2], t)
			if isNumeric(t) && isNumeric(a[2].Type()) && a[2].Type() != t {
				a[2] = convert(a[2], t)
			}
		}
	case "case":
		t := funcs["case"].Ret(a)
		for i := 0; i < len(a); i++ {
			if i%2 == 0 && i < len(a)-1 {
				a[i] = toBool(a[i])
			} else {
				a[i] = convertNull(a[i], t)
			}
		}
	case "coalesce":
		t := firstNonNull(0, 1)(a)
		for i := range a {
			a[i] = convertNull(a[i], t)
		}
	case "isempty", "isnotempty":
		if len(a) == 1 && a[0].Type() != schema.TypeString && a[0].Type() != schema.TypeDynamic {
			return a
		}
	case "strcat", "strcat_delim":
		for i := range a {
			a[i] = toString(a[i])
		}
	case "countif", "dcountif", "sumif", "avgif", "minif", "maxif", "take_anyif", "make_set_if", "make_list_if", "make_bag_if":
		i := 1
		if name == "countif" {
			i = 0
		}
		if i < len(a) {
			a[i] = toBool(a[i])
		}
	case "covarianceif", "covariancepif":
		if len(a) == 3 {
			a[2] = toBool(a[2])
		}
	case "todatetime", "totimespan", "toint", "tolong", "toreal", "tobool":
	}
	return a
}

func convertNull(x plan.Expr, t schema.Type) plan.Expr {
	if l, ok := x.(*plan.Lit); ok && l.V == nil {
		return plan.Null(t)
	}
	return x
}

func (b *binder) storedFunctionExists(name string) bool {
	if fc, ok := b.cat.(FunctionCatalog); ok {
		_, ok := fc.Function(name)
		return ok
	}
	return false
}

// FormatTimespan renders d as KQL prints timespans: [-][d.]hh:mm:ss[.fffffff].
func FormatTimespan(d time.Duration) string {
	neg := d < 0
	if neg {
		d = -d
	}
	days := d / (24 * time.Hour)
	d -= days * 24 * time.Hour
	h := d / time.Hour
	d -= h * time.Hour
	m := d / time.Minute
	d -= m * time.Minute
	s := d / time.Second
	d -= s * time.Second
	var sb strings.Builder
	if neg {
		sb.WriteByte('-')
	}
	if days > 0 {
		fmt.Fprintf(&sb, "%d.", days)
	}
	fmt.Fprintf(&sb, "%02d:%02d:%02d", h, m, s)
	if d > 0 {
		fmt.Fprintf(&sb, ".%07d", d/100)
	}
	return sb.String()
}
