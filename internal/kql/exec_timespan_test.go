package kql_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/kql/kqltest"
)

// TestExecFormatTimespanExtractAll runs format_timespan and extract_all with several capture groups on DuckDB.
// The format_timespan and extract_all cases marked documented are the Kusto documentation's examples with their
// documented output; the others follow the documented format elements one at a time.
func TestExecFormatTimespanExtractAll(t *testing.T) {
	db := kqltest.OpenStore(t)
	cases := []struct{ name, kql, want string }{
		{"format_timespan-documented", `let t = time(29.09:00:05.12345);
print v1=format_timespan(t, 'dd.hh:mm:ss:FF'), v2=format_timespan(t, 'ddd.h:mm:ss [fffffff]')`, `"29.09:00:05:12" | "029.9:00:05 [1234500]"`},
		{"format_timespan-elements", `let t = time(15.01:09:03.0500000);
print format_timespan(t, 'd'), format_timespan(t, 'dddd'), format_timespan(t, 'H HH m mm s ss'), format_timespan(t, 'f ff F FF fff FFF')`,
			`"15" | "0015" | "1 01 9 09 3 03" | "0 05  05 050 05"`},
		{"format_timespan-zero-fraction-and-literals", `print format_timespan(90s, "mm'm'ss's'.FFF"), format_timespan(2h, 'hh\\h'), format_timespan(0s, 'd.hh:mm:ss.F')`,
			`"01m30s." | "02h" | "0.00:00:00."`},
		{"format_timespan-query", `datatable(a:datetime, b:datetime)[datetime(2024-01-02 03:04:05), datetime(2024-01-01 00:00:00)] | project d = format_timespan(a - b, 'dd.hh:mm:ss')`,
			`"01.03:04:05"`},
		{"extract_all-documented-groups", `print Id="82b8be2d-dfa7-4bd1-8f63-24ad26d31449" | extend guid_bytes = extract_all(@"(\w)(\w+)(\w)", Id) | project guid_bytes`,
			`[["8","2b8be2","d"],["d","fa","7"],["4","bd","1"],["8","f6","3"],["2","4ad26d3144","9"]]`},
		{"extract_all-documented-subset", `print Id="82b8be2d-dfa7-4bd1-8f63-24ad26d31449" | extend guid_bytes = extract_all(@"(\w)(\w+)(\w)", dynamic([1,3]), Id) | project guid_bytes`,
			`[["8","d"],["d","7"],["4","1"],["8","3"],["2","9"]]`},
		// Public parsers ask for more groups than their regex has; the extra groups read as empty strings.
		{"extract_all-group-beyond-the-regex", `print extract_all(@"(\w+)=(\d+)", dynamic([1,2,3]), "a=1 b=2"), extract_all(@":\s(.*)", dynamic([1,2]), "k: v")`,
			`[["a","1",""],["b","2",""]] | [["v",""]]`},
		{"extract_all-ten-groups", `print extract_all(@"(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)", dynamic([10,1,11]), "abcdefghij")`,
			`[["j","a",""]]`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, run(t, db, c.kql))
		})
	}
}
