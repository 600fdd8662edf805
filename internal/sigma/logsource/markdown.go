package logsource

import (
	"fmt"
	"sort"
	"strings"
)

// Markdown renders the table as the supported/unsupported logsource document
// (logsources.md is generated from it; see the package tests).
func (t *Table) Markdown() string {
	var b strings.Builder
	b.WriteString("# Sigma logsources\n\nGenerated from `logsources.yml` by `go test ./internal/sigma/logsource -update`.\n\n")
	b.WriteString("A rule applies to an event when every one of product/category/service the rule sets equals a route's, and the event matches that route.\n\n")
	b.WriteString("## Supported\n\n| product | category | service | channel | event ids | extra | aliases |\n|---|---|---|---|---|---|---|\n")
	for _, r := range t.Routes {
		ids := make([]string, len(r.EventID))
		for i, id := range r.EventID {
			ids[i] = fmt.Sprint(id)
		}
		var where, aliases []string
		for k, v := range r.Where {
			where = append(where, k+" = "+strings.Join(v, " or "))
		}
		for k, v := range r.Aliases {
			aliases = append(aliases, k+" ← "+v)
		}
		sort.Strings(where)
		sort.Strings(aliases)
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n", r.Product, r.Category, r.Service,
			strings.Join(r.Channel, "<br>"), orAny(strings.Join(ids, ", ")), strings.Join(where, "; "), strings.Join(aliases, ", "))
	}
	b.WriteString("\n## Unsupported\n\nRules with these logsources are refused with `logsource_unsupported`.\n\n| product | category | service | reason |\n|---|---|---|---|\n")
	for _, u := range t.Unsupported {
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", orAny(u.Product), orAny(u.Category), orAny(u.Service), u.Reason)
	}
	b.WriteString("\nAny other logsource without a route is refused the same way, with the reason \"no route for logsource ...\".\n")
	return b.String()
}

func orAny(s string) string {
	if s == "" {
		return "any"
	}
	return s
}
