package sema

import (
	"github.com/vigilsec/vigil/internal/kql/plan"
	"github.com/vigilsec/vigil/internal/schema"
)

// Signatures of further documented functions (strings, IPv6, time zones, Punycode, statistics, unit
// conversions, aggregates); most compile to Go functions inside DuckDB.
func init() {
	def("replace_strings", 3, 3, fixed(tS), 0)
	def("regex_quote", 1, 1, fixed(tS), 0)
	def("format_bytes", 1, 4, fixed(tS))
	def("has_any_index", 2, 2, fixed(tL), 0)
	def("parse_version", 1, 1, fixed(tR), 0)
	def("base64_encode_fromarray", 1, 1, fixed(tS))
	def("base64_encode_fromguid", 1, 1, fixed(tS))
	def("base64_decode_toguid", 1, 1, fixed(tG), 0)
	def("zlib_compress_to_base64_string", 1, 1, fixed(tS), 0)
	def("bag_set_key", 3, 3, fixed(tY), 1)
	def("ipv6_is_in_range", 2, 2, fixed(tB), 0, 1)
	def("ipv6_is_in_any_range", 2, 2, fixed(tB), 0)
	def("parse_ipv6", 1, 1, fixed(tS), 0)
	def("parse_ipv6_mask", 2, 2, fixed(tS), 0)
	def("ipv4_netmask_suffix", 1, 1, fixed(tL), 0)
	def("ipv4_range_to_cidr_list", 2, 2, fixed(tY), 0, 1)
	def("punycode_from_string", 1, 1, fixed(tS), 0)
	def("punycode_to_string", 1, 1, fixed(tS), 0)
	def("punycode_domain_from_string", 1, 1, fixed(tS), 0)
	def("punycode_domain_to_string", 1, 1, fixed(tS), 0)
	def("erf", 1, 1, fixed(tR))
	def("erfc", 1, 1, fixed(tR))
	def("beta_cdf", 3, 3, fixed(tR))
	def("beta_pdf", 3, 3, fixed(tR))
	def("beta_inv", 3, 3, fixed(tR))
	for _, f := range []string{"angle", "energy", "force", "length", "mass", "speed", "temperature", "volume"} {
		def("convert_"+f, 3, 3, fixed(tR), 1, 2)
	}
	def("strcmp", 2, 2, fixed(tI), 0, 1)
}

func init() {
	def("around", 3, 3, fixed(tB))
	agg("stdevif", 2, 2, fixed(tR))
	agg("stdevpif", 2, 2, fixed(tR))
	agg("varianceif", 2, 2, fixed(tR))
	agg("variancepif", 2, 2, fixed(tR))
	agg("binary_all_xor", 1, 1, fixed(tL))
}

func init() {
	// Bound in graphCall: the column names of a table, as a constant array.
	def("column_names_of", 1, 1, fixed(tY))
}

func init() {
	// Digests keep every value and weight (see internal/store/duckdb/udf/digest.go).
	agg("tdigest", 1, 2, fixed(tY))
	agg("tdigest_merge", 1, 1, fixed(tY))
	agg("percentilew", 3, 3, argT(0))
	agg("percentilesw_array", 3, -1, fixed(tY))
	def("merge_tdigest", 1, -1, fixed(tY))
	def("rank_tdigest", 2, 2, fixed(tL))
	def("percentile_tdigest", 2, 3, func(a []plan.Expr) schema.Type {
		if len(a) == 3 {
			return a[2].Type()
		}
		return tR
	})
}

func init() {
	def("row_rank_dense", 1, 2, fixed(tL))
	def("row_rank_min", 1, 2, fixed(tL))
}

func init() {
	// Datetime texts of the documented examples: US dates with dashes (12-02-2022, as with slashes) and the
	// datetime(2025, 6, 14) form.
	datetimeLayouts = append(datetimeLayouts, "01-02-2006", "1-2-2006", "2006, 1, 2", "2006, 1, 2, 15, 4", "2006, 1, 2, 15, 4, 5")
}
