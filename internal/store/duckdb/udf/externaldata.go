package udf

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	duck "github.com/duckdb/duckdb-go/v2"

	"github.com/vigilsec/vigil/internal/kql/external"
)

// kql_externaldata(url, format, columns, ignoreFirst) is the table function behind KQL's externaldata: it fetches
// url under the externaldata policy (internal/kql/external: allowed https prefixes, no internal addresses, size
// and time limits, a cache) and returns one VARCHAR column per declared column (c0, c1, ...). The compiler casts
// the cells to the declared types.
func init() {
	RegisterTable(func(conn *sql.Conn) error {
		str, err := duck.NewTypeInfo(duck.TYPE_VARCHAR)
		if err != nil {
			return err
		}
		boolean, err := duck.NewTypeInfo(duck.TYPE_BOOLEAN)
		if err != nil {
			return err
		}
		return duck.RegisterTableUDF(conn, "kql_externaldata", duck.RowTableFunction{
			Config: duck.TableFunctionConfig{Arguments: []duck.TypeInfo{str, str, str, boolean}},
			BindArgumentsContext: func(ctx context.Context, _ map[string]any, args ...any) (duck.RowTableSource, error) {
				url, _ := args[0].(string)
				format, _ := args[1].(string)
				colsJSON, _ := args[2].(string)
				ignore, _ := args[3].(bool)
				var cols []string
				if err := json.Unmarshal([]byte(colsJSON), &cols); err != nil || len(cols) == 0 {
					return nil, fmt.Errorf("kql_externaldata: bad column list")
				}
				data, err := external.Fetch(ctx, url)
				if err != nil {
					return nil, err
				}
				rows, err := external.Decode(data, format, cols, ignore)
				if err != nil {
					return nil, err
				}
				infos := make([]duck.ColumnInfo, len(cols))
				for i := range cols {
					infos[i] = duck.ColumnInfo{Name: fmt.Sprintf("c%d", i), T: str}
				}
				return &textRows{cols: infos, rows: rows}, nil
			},
		})
	})
}

// textRows serves rows of text cells to DuckDB.
type textRows struct {
	cols []duck.ColumnInfo
	rows [][]string
	next int
}

func (t *textRows) ColumnInfos() []duck.ColumnInfo { return t.cols }
func (t *textRows) Cardinality() *duck.CardinalityInfo {
	return &duck.CardinalityInfo{Cardinality: uint(len(t.rows)), Exact: true}
}
func (t *textRows) Init() {}
func (t *textRows) FillRow(r duck.Row) (bool, error) {
	if t.next >= len(t.rows) {
		return false, nil
	}
	row := t.rows[t.next]
	t.next++
	for i := range t.cols {
		if !r.IsProjected(i) {
			continue
		}
		if err := duck.SetRowValue(r, i, row[i]); err != nil {
			return false, err
		}
	}
	return true, nil
}
