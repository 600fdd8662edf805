package udf

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// kql_schema_merge is the schema_merge plugin over the rows of getschema tables (ColumnName, ColumnOrdinal,
// DataType, ColumnType), in order; a table starts where ColumnOrdinal does not grow. The merged columns are every
// column of every table, ordered by the ordinal the last table holding it gives it (then by first appearance), and
// numbered in that order. A column whose types differ takes the common type when one exists (int and long: long;
// with real: real), and an error type otherwise. With PreserveOrder, a column whose merged ordinal is not its
// ordinal in the first table holding it is out of order: ordinal -1 and an error type.
func init() {
	Register(Func{Name: "kql_schema_merge", Args: []Type{Bool, JSON}, Result: JSON, Fn: func(a []driver.Value) (any, error) {
		preserve, _ := a[0].(bool)
		s, _ := a[1].(string)
		var rows [][]any
		if err := json.Unmarshal([]byte(s), &rows); err != nil {
			return nil, nil
		}
		return examplesJSON(examplesSchemaMerge(rows, preserve))
	}})
}

type examplesMergedCol struct {
	name              string
	first, last, seen int // ordinal in the first and in the last table, order of first appearance
	dataType, colType string
	conflict          bool
}

func examplesSchemaMerge(rows [][]any, preserve bool) [][]any {
	var cols []*examplesMergedCol
	byName := map[string]*examplesMergedCol{}
	prevOrd := -1
	table := 0
	inTable := map[string]bool{}
	for _, r := range rows {
		if len(r) < 4 {
			continue
		}
		name, _ := r[0].(string)
		ordF, _ := r[1].(float64)
		ord := int(ordF)
		dt, _ := r[2].(string)
		ct, _ := r[3].(string)
		if ord <= prevOrd || inTable[name] {
			table++
			inTable = map[string]bool{}
		}
		prevOrd = ord
		inTable[name] = true
		c, ok := byName[name]
		if !ok {
			c = &examplesMergedCol{name: name, first: ord, last: ord, seen: len(cols), dataType: dt, colType: ct}
			byName[name] = c
			cols = append(cols, c)
			continue
		}
		c.last = ord
		if ct != c.colType {
			if t, d, ok := examplesCommonType(c.colType, ct); ok {
				c.colType, c.dataType = t, d
			} else {
				c.conflict = true
			}
		}
	}
	sort.SliceStable(cols, func(i, j int) bool {
		if cols[i].last != cols[j].last {
			return cols[i].last < cols[j].last
		}
		return cols[i].seen < cols[j].seen
	})
	out := make([][]any, len(cols))
	for i, c := range cols {
		ord, dt, ct := i, c.dataType, c.colType
		switch {
		case c.conflict:
			ord, ct = -1, "ERROR(columns have incompatible types)"
			dt = fmt.Sprintf("ERROR(unknown CSL type:%s)", ct)
		case preserve && c.first != i:
			ord, ct = -1, "ERROR(columns are out of order)"
			dt = fmt.Sprintf("ERROR(unknown CSL type:%s)", ct)
		}
		out[i] = []any{c.name, ord, dt, ct}
	}
	return out
}

// examplesCommonType is the type two numeric column types reduce to, with its system type name.
func examplesCommonType(a, b string) (string, string, bool) {
	rank := map[string]int{"int": 1, "long": 2, "real": 3}
	ra, rb := rank[strings.ToLower(a)], rank[strings.ToLower(b)]
	if ra == 0 || rb == 0 {
		return "", "", false
	}
	switch max(ra, rb) {
	case 2:
		return "long", "System.Int64", true
	case 3:
		return "real", "System.Double", true
	}
	return "int", "System.Int32", true
}
