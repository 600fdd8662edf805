package parser_test

import (
	"fmt"

	"github.com/vigilsec/vigil/internal/kql/parser"
)

func ExampleParse() {
	src := "SigninLogs\n| where ResultType != 0\n| summarize failures = count() by bin(TimeGenerated, 1h)"
	q, errs := parser.Parse(src)
	if errs != nil {
		fmt.Println(errs.Render(src))
		return
	}
	fmt.Println(q)
	// Output:
	// SigninLogs
	// | where ResultType != 0
	// | summarize failures = count() by bin(TimeGenerated, 1h)
}

func ExampleParse_errors() {
	src := "SigninLogs\n| where ResultType !=\n| take 10"
	_, errs := parser.Parse(src)
	for _, e := range errs {
		fmt.Println(e.Code)
		fmt.Println(e.Render(src))
	}
	// Output:
	// kql_parse_error
	// 2:22: expected an expression, found "|"
	//  | | where ResultType !=
	//  |                      ^
}
