package duckdb

// More KQL functions compiled to Go functions inside DuckDB (internal/store/duckdb/udf): strings, IPv6, time
// zones, Punycode, statistics and unit conversions.
func init() {
	for k, v := range map[string]udfCall{
		"replace_strings":                {name: "kql_replace_strings"},
		"regex_quote":                    {name: "kql_regex_quote"},
		"format_bytes":                   {name: "kql_format_bytes"},
		"has_any_index":                  {name: "kql_has_any_index"},
		"parse_csv":                      {name: "kql_parse_csv"},
		"parse_version":                  {name: "kql_parse_version", cast: "DECIMAL(38, 0)"},
		"base64_encode_fromarray":        {name: "kql_base64_encode_fromarray"},
		"base64_encode_fromguid":         {name: "kql_base64_encode_fromguid"},
		"base64_decode_toguid":           {name: "kql_base64_decode_toguid"},
		"zlib_compress_to_base64_string": {name: "kql_zlib_compress_to_base64_string"},
		"bag_zip":                        {name: "kql_bag_zip"},
		"bag_has_key":                    {name: "kql_bag_has_key"},
		"bag_remove_keys":                {name: "kql_bag_remove_keys"},
		"dynamic_to_json":                {name: "kql_dynamic_to_json"},
		"bag_set_key":                    {name: "kql_bag_set_key", asJSON: []int{2}},
		"ipv6_is_match":                  {name: "kql_ipv6_is_match"},
		"ipv6_is_in_range":               {name: "kql_ipv6_is_in_range"},
		"ipv6_is_in_any_range":           {name: "kql_ipv6_is_in_any_range"},
		"parse_ipv6":                     {name: "kql_parse_ipv6"},
		"parse_ipv6_mask":                {name: "kql_parse_ipv6_mask"},
		"ipv4_netmask_suffix":            {name: "kql_ipv4_netmask_suffix"},
		"ipv4_range_to_cidr_list":        {name: "kql_ipv4_range_to_cidr_list"},
		"datetime_local_to_utc":          {name: "kql_datetime_local_to_utc"},
		"datetime_utc_to_local":          {name: "kql_datetime_utc_to_local"},
		"punycode_from_string":           {name: "kql_punycode_from_string"},
		"punycode_to_string":             {name: "kql_punycode_to_string"},
		"punycode_domain_from_string":    {name: "kql_punycode_domain_from_string"},
		"punycode_domain_to_string":      {name: "kql_punycode_domain_to_string"},
		"erf":                            {name: "kql_erf"},
		"erfc":                           {name: "kql_erfc"},
		"beta_cdf":                       {name: "kql_beta_cdf"},
		"beta_pdf":                       {name: "kql_beta_pdf"},
		"beta_inv":                       {name: "kql_beta_inv"},
		"convert_angle":                  {name: "kql_convert_angle"},
		"convert_energy":                 {name: "kql_convert_energy"},
		"convert_force":                  {name: "kql_convert_force"},
		"convert_length":                 {name: "kql_convert_length"},
		"convert_mass":                   {name: "kql_convert_mass"},
		"convert_speed":                  {name: "kql_convert_speed"},
		"convert_temperature":            {name: "kql_convert_temperature"},
		"convert_volume":                 {name: "kql_convert_volume"},
	} {
		udfFuncs[k] = v
	}
}

func init() {
	udfFuncs["rank_tdigest"] = udfCall{name: "kql_rank_digest"}
	udfFuncs["merge_tdigest"] = udfCall{name: "kql_merge_digest"}
	udfFuncs["parse_ipv4"] = udfCall{name: "kql_parse_ipv4"}
}

// digest is a digest (the value and weight of every row, as the udf package reads it) of x weighted by w.
func (g *gen) digest(x, w, p string) string {
	return "to_json(list({'v': CAST(" + x + " AS DOUBLE), 'w': CAST(coalesce(" + w + ", 1) AS DOUBLE)}) FILTER (WHERE " + x + " IS NOT NULL))"
}
