package schema

// builtin returns fresh definitions of every built-in table.
func builtin() []*Table {
	var out []*Table
	out = append(out, defenderTables()...)
	out = append(out, sentinelTables()...)
	out = append(out, vigilTables()...)
	return out
}

// cols builds a column list from alternating name and type pairs; it keeps the table files short and readable.
func cols(pairs ...any) []Column {
	out := make([]Column, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, Column{Name: pairs[i].(string), Type: pairs[i+1].(Type)})
	}
	return out
}
