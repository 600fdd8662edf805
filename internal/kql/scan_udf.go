package kql

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/vigilsec/vigil/internal/kql/eval"
	"github.com/vigilsec/vigil/internal/kql/plan"
	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/store/duckdb/udf"
)

// The scan operator runs in Go inside DuckDB: the SQL the compiler generates (sqlgen/duckdb scanSteps) hands the
// rows of each partition to kql_scan with the serialized steps, and kql_scan returns the output rows.
func init() {
	udf.Register(udf.Func{Name: "kql_scan", Args: []udf.Type{udf.String, udf.JSON}, Result: udf.JSON, Fn: scanUDF})
}

// scanners caches compiled scan specs by their text; a query calls kql_scan once per partition.
var scanners struct {
	sync.Mutex
	m map[string]*scanCompiled
}

type scanCompiled struct {
	spec    *plan.ScanSpec
	scanner *eval.Scanner
	types   []schema.Type // of the output columns
}

func scanFor(spec string) (*scanCompiled, error) {
	scanners.Lock()
	defer scanners.Unlock()
	if c, ok := scanners.m[spec]; ok {
		return c, nil
	}
	var sp plan.ScanSpec
	if err := json.Unmarshal([]byte(spec), &sp); err != nil {
		return nil, fmt.Errorf("scan: bad spec: %w", err)
	}
	s, err := eval.NewScanner(&sp)
	if err != nil {
		return nil, err
	}
	c := &scanCompiled{spec: &sp, scanner: s}
	for _, col := range sp.Cols {
		t, _ := schema.ParseType(col.Type)
		c.types = append(c.types, t)
	}
	for _, d := range sp.Declare {
		t, _ := schema.ParseType(d.Type)
		c.types = append(c.types, t)
	}
	if scanners.m == nil || len(scanners.m) >= 256 {
		scanners.m = map[string]*scanCompiled{}
	}
	scanners.m[spec] = c
	return c, nil
}

func scanUDF(a []driver.Value) (any, error) {
	spec, _ := a[0].(string)
	rowsText, _ := a[1].(string)
	c, err := scanFor(spec)
	if err != nil {
		return nil, err
	}
	var raw [][]json.RawMessage
	if err := json.Unmarshal([]byte(rowsText), &raw); err != nil {
		return nil, fmt.Errorf("scan: bad rows: %w", err)
	}
	rows := make([][]any, len(raw))
	for i, r := range raw {
		row := make([]any, len(c.spec.Cols))
		for j := range row {
			if j < len(r) {
				row[j] = scanDecode(r[j], c.types[j])
			}
		}
		rows[i] = row
	}
	out, err := c.scanner.Run(rows)
	if err != nil {
		return nil, err
	}
	enc := make([][]any, len(out))
	for i, r := range out {
		e := make([]any, len(r))
		for j, v := range r {
			e[j] = scanEncode(v)
		}
		enc[i] = e
	}
	b, err := json.Marshal(enc)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

// scanDecode reads a cell as the row evaluator's Go value for a column of type t.
func scanDecode(m json.RawMessage, t schema.Type) any {
	if string(m) == "null" {
		return nil
	}
	switch t {
	case schema.TypeLong, schema.TypeInt, schema.TypeDatetime, schema.TypeTimespan:
		var n json.Number
		if err := json.Unmarshal(m, &n); err != nil {
			return nil
		}
		i, err := n.Int64()
		if err != nil {
			f, _ := n.Float64()
			i = int64(f)
		}
		switch t {
		case schema.TypeDatetime:
			return time.UnixMicro(i).UTC()
		case schema.TypeTimespan:
			return time.Duration(i) * time.Microsecond
		}
		return i
	case schema.TypeReal, schema.TypeDecimal:
		var f float64
		_ = json.Unmarshal(m, &f)
		return f
	}
	var v any
	_ = json.Unmarshal(m, &v)
	return v
}

// scanEncode writes a value as kql_scan returns it: datetimes and timespans as microseconds, NaN and infinities
// as null.
func scanEncode(v any) any {
	switch x := v.(type) {
	case time.Time:
		return x.UnixMicro()
	case time.Duration:
		return int64(x / time.Microsecond)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
	}
	return v
}
