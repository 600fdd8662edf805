package kql_test

import (
	"fmt"
	"time"

	"github.com/vigilsec/vigil/internal/kql"
	"github.com/vigilsec/vigil/internal/schema"
)

func ExampleCompile() {
	src := `SigninLogs
| where TimeGenerated > ago(1h) and ResultType != "0"
| summarize failures = count() by UserPrincipalName
| where failures > 10`
	q, errs := kql.Compile(src, schema.NewCatalog(), kql.WithNow(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)))
	if errs != nil {
		fmt.Println(errs.Render(src))
		return
	}
	for _, c := range q.Schema() {
		fmt.Println(c.Name, c.Type)
	}
	fmt.Print(q.PlanText())
	// Output:
	// UserPrincipalName string
	// failures long
	// Filter (failures > 10)
	//   Aggregate keys=[UserPrincipalName] aggs=[failures=count()]
	//     Filter ((TimeGenerated > datetime(2024-05-01T11:00:00Z)) and (ResultType != "0"))
	//       Scan SigninLogs [ResultType, TimeGenerated, UserPrincipalName] time: (TimeGenerated > datetime(2024-05-01T11:00:00Z))
}

func ExampleCompile_errors() {
	src := "SigninLogs\n| where UserPrincipleName == \"bob\""
	_, errs := kql.Compile(src, schema.NewCatalog())
	for _, e := range errs {
		fmt.Println(e.Code)
		fmt.Println(e.Render(src))
	}
	// Output:
	// kql_unknown_column
	// 2:9: unknown column or variable "UserPrincipleName"; did you mean "UserPrincipalName"?
	//  | | where UserPrincipleName == "bob"
	//  |         ^~~~~~~~~~~~~~~~~
}
