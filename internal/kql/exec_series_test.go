package kql_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/kql/kqltest"
)

// The series analytics functions run as Go functions inside DuckDB; the expected values are the documented outputs
// (series_fit_line, series_stats) or follow from the documented algorithms.
func TestExecSeries(t *testing.T) {
	db := kqltest.OpenStore(t)
	cases := []struct{ name, kql, want string }{
		{"fit_line-doc", `print y = dynamic([2, 5, 6, 8, 11, 15, 17, 18, 25, 26, 30, 30])
| extend (RSquare, Slope, Variance, RVariance, Interception, LineFit) = series_fit_line(y)
| project round(RSquare, 3), round(Slope, 3), round(Variance, 3), round(RVariance, 3), round(Interception, 3), round(todouble(LineFit[0]), 3)`,
			"0.983 | 2.731 | 98.629 | 1.686 | -1.667 | 1.064"},
		{"stats-doc", `print x = dynamic([23, 46, 23, 87, 4, 8, 3, 75, 2, 56, 13, 75, 32, 16, 29]) | extend series_stats(x)
| project series_stats_x_min, series_stats_x_min_idx, series_stats_x_max, series_stats_x_max_idx, series_stats_x_avg,
	round(series_stats_x_stdev, 10), round(series_stats_x_variance, 10)`,
			"2 | 8 | 87 | 3 | 32.8 | 28.5036338535 | 812.4571428571"},
		{"stats-names", `print x = dynamic([1, 2, 3]) | extend series_stats(x) | project series_stats_x_avg, series_stats_x_max_idx`, "2 | 2"},
		{"outliers", `print o = series_outliers(dynamic([1, 2, 3, 2, 1, 2, 3, 2, 1, 40])) | project a = todouble(o[9]) > 1.5, b = todouble(o[2])`,
			"true | 0"},
		{"decompose-anomalies-spike", `print s = dynamic([10, 12, 11, 13, 10, 12, 11, 13, 10, 12, 11, 13, 10, 90, 11, 13])
| extend (anomalies, score, baseline) = series_decompose_anomalies(s, 1.5, -1, 'linefit')
| project spike = tolong(anomalies[13]), flagged = array_sum(series_abs(anomalies)), s13 = todouble(score[13]) > 1.5`, "1 | 1 | true"},
		{"decompose-names", `print c = dynamic([1, 2, 3, 4, 5, 6]) | extend series_decompose(c)
| project t = round(todouble(series_decompose_c_trend[5]), 3), r = round(todouble(series_decompose_c_residual[0]), 3)`, "3.5 | -2.5"},
		{"decompose-anomalies-bare", `print d = dynamic([5, 5, 5, 5, 5, 5, 5, 5]) | extend series_decompose_anomalies(d)
| project n = array_length(series_decompose_anomalies_d_ad_flag), f = tolong(series_decompose_anomalies_d_ad_flag[0])`, "8 | 0"},
		{"null-series", `print x = dynamic(null) | extend (r, s, v, rv, i, l) = series_fit_line(x) | project isnull(s)`, "true"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, run(t, db, tc.kql))
		})
	}
}

func TestExecParseXML(t *testing.T) {
	db := kqltest.OpenStore(t)
	cases := []struct{ name, kql, want string }{
		{"doc-rules", `print x = parse_xml('<e a="1">t<b>x</b><c>y</c><c>z</c><d/></e>')`,
			`{"e":{"#text":"t","@a":"1","b":"x","c":["y","z"],"d":null}}`},
		{"event-data", `print x = parse_xml('<EventData xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><Data Name="SubjectUserSid">S-1-5-18</Data><Data Name="ObjectName">\\REGISTRY\\MACHINE</Data></EventData>')
| project n = x.EventData.Data[1]["@Name"], v = tostring(x.EventData.Data[0]["#text"]), a = array_length(x.EventData.Data)`,
			`"ObjectName" | "S-1-5-18" | 2`},
		{"not-xml", `print x = parse_xml('<a><b></a>'), y = parse_xml('plain'), z = parse_xml('') | project isnull(x), isnull(y), isnull(z)`,
			"true | true | true"},
		{"text-only", `print x = parse_xml('<a>5</a>') | project t = tostring(x.a), n = tolong(x.a) + 1`, `"5" | 6`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, run(t, db, tc.kql))
		})
	}
}

// The documented examples of the string functions written in Go.
func TestExecParseFunctions(t *testing.T) {
	db := kqltest.OpenStore(t)
	cases := []struct{ name, kql, want string }{
		{"parse_path", `datatable(p:string)[@"C:\temp\file.txt", @"temp\file.txt", "file://C:/temp/file.txt:some.exe", @"\\shared\users\temp\file.txt.gz", "/usr/lib/temp/file.txt"]
| extend r = parse_path(p) | project tostring(r.Scheme), tostring(r.RootPath), tostring(r.DirectoryPath), tostring(r.DirectoryName), tostring(r.Filename), tostring(r.Extension), tostring(r.AlternateDataStreamName)`,
			`"" | "C:" | "C:\\temp" | "temp" | "file.txt" | "txt" | ""` + "\n" +
				`"" | "" | "temp" | "temp" | "file.txt" | "txt" | ""` + "\n" +
				`"file" | "C:" | "C:/temp" | "temp" | "file.txt" | "txt" | "some.exe"` + "\n" +
				`"" | "" | "\\\\shared\\users\\temp" | "temp" | "file.txt.gz" | "gz" | ""` + "\n" +
				`"" | "" | "/usr/lib/temp" | "temp" | "file.txt" | "txt" | ""`},
		{"parse_command_line", `print r = parse_command_line("echo \"hello world!\"", "windows"), q = parse_command_line(@"a\\\""b c"" d", "windows")`,
			`["echo","hello world!"] | ["a\\\"b","c d"]`},
		{"base64_decode_toarray", `print a = base64_decode_toarray("S3VzdG8="), b = isnull(base64_decode_toarray("U3RyaW5n0KHR0tGA0L7Rh9C60LA"))`,
			`[75,117,115,116,111] | true`},
		{"indexof_regex", `print idx1 = indexof_regex("abcabc", @"a.c"), idx2 = indexof_regex("abcabcdefg", @"a.c", 0, 9, 2),
	idx3 = indexof_regex("abcabc", @"a.c", 1, -1, 2), idx4 = indexof_regex("ababaa", @"a.a", 0, -1, 2), idx5 = indexof_regex("abcabc", @"a|ab", -1)`,
			`0 | 3 | -1 | -1 | null`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, run(t, db, tc.kql))
		})
	}
}

// make_string is the deprecated alias of unicode_codepoints_to_string.
func TestExecMakeString(t *testing.T) {
	db := kqltest.OpenStore(t)
	require.Equal(t, `"Kusto" | "Kusto"`, run(t, db, `print a = make_string(75, 117, 115, 116, 111), b = make_string(dynamic([75, 117, 115]), 116, 111)`))
}

// has_any_ipv4 with a list the query computes (toscalar of make_set) rather than a constant.
func TestExecHasAnyIPv4ComputedList(t *testing.T) {
	db := kqltest.OpenStore(t)
	got := run(t, db, `let ips = toscalar(datatable(ip:string)["10.1.2.3", "192.168.0.9", "not-an-ip", "1.2.3"] | summarize make_set(ip));
datatable(msg:string)["login from 10.1.2.3:22 ok", "from 110.1.2.3 denied", "x=192.168.0.9,y", "1.2.3 partial", "10.1.2.30 near"]
| extend m = has_any_ipv4(msg, ips) | project m`)
	require.Equal(t, "true\nfalse\ntrue\nfalse\nfalse", got)
}

// The documented examples of series_stats_dynamic and series_fit_line_dynamic (bags instead of tuples).
func TestExecSeriesDynamic(t *testing.T) {
	db := kqltest.OpenStore(t)
	require.Equal(t, `2 | 8 | 87 | 3 | 32.8 | 812.4571428571 | 492 | 15`, run(t, db, `print x = dynamic([23, 46, 23, 87, 4, 8, 3, 75, 2, 56, 13, 75, 32, 16, 29])
| project s = series_stats_dynamic(x) | project todouble(s.min), tolong(s.min_idx), todouble(s.max), tolong(s.max_idx), todouble(s.avg),
	round(todouble(s.variance), 10), todouble(s.sum), tolong(s.len)`))
	require.Equal(t, `0.983 | 2.731 | 12`, run(t, db, `print y = dynamic([2, 5, 6, 8, 11, 15, 17, 18, 25, 26, 30, 30])
| extend fit = series_fit_line_dynamic(y) | project round(todouble(fit.rsquare), 3), round(todouble(fit.slope), 3), array_length(fit.line_fit)`))
}
