package lexer

// Hyphenated names of the graph operators and make-graph's clause not in the hyphenated table.
func init() {
	hyphenated["graph-mark-components"] = true
	hyphenated["partitioned-by"] = true
	hyphenated["project-by-names"] = true
}
