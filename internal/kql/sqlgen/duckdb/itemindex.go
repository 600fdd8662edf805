package duckdb

import "strings"

// itemIndex is the with_itemindex column of mv-expand and mv-apply: 0, 1, ... as long as the longest expanded
// list, unnested beside the lists (unnests in one select list advance together).
func itemIndex(lists []string) string {
	n := "0"
	if len(lists) == 1 {
		n = "len(" + lists[0] + ")"
	} else if len(lists) > 1 {
		lens := make([]string, len(lists))
		for i, l := range lists {
			lens[i] = "len(" + l + ")"
		}
		n = "greatest(" + strings.Join(lens, ", ") + ")"
	}
	return "unnest(range(0, " + n + ")) AS \"$index\""
}
