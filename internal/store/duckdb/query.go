package duckdb

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"time"

	duck "github.com/duckdb/duckdb-go/v2"

	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/store"
)

// Query implements [store.Events].
func (d *DB) Query(ctx context.Context, q string, maxRows int) (*store.Result, error) {
	rows, err := d.db.QueryContext(ctx, q)
	if err != nil {
		return nil, queryError(err)
	}
	defer rows.Close()
	cts, err := rows.ColumnTypes()
	if err != nil {
		return nil, err
	}
	res := &store.Result{Columns: make([]store.ResultColumn, len(cts))}
	for i, ct := range cts {
		res.Columns[i] = store.ResultColumn{Name: ct.Name(), Type: KQLType(ct.DatabaseTypeName())}
	}
	for rows.Next() {
		if maxRows > 0 && len(res.Rows) >= maxRows {
			res.Truncated = true
			break
		}
		vals := make([]any, len(cts))
		ptrs := make([]any, len(cts))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("scan: %w", err)
		}
		for i, v := range vals {
			vals[i] = convert(v, res.Columns[i].Type)
		}
		res.Rows = append(res.Rows, vals)
	}
	if err := rows.Err(); err != nil {
		return nil, queryError(err)
	}
	return res, nil
}

// queryError reports a failed statement without the excerpt of generated SQL DuckDB appends ("LINE 1: ..."):
// users wrote KQL, and the SQL the compiler made from it says nothing to them. The cause stays wrapped.
func queryError(err error) error {
	msg := err.Error()
	if i := strings.Index(msg, "\n\nLINE "); i >= 0 {
		msg = msg[:i]
	}
	return &wrappedError{msg: "query: " + strings.TrimSpace(msg), err: err}
}

type wrappedError struct {
	msg string
	err error
}

func (e *wrappedError) Error() string { return e.msg }
func (e *wrappedError) Unwrap() error { return e.err }

// KQLType maps a DuckDB type name to the KQL type its values are reported as.
func KQLType(dbType string) schema.Type {
	t := strings.ToUpper(dbType)
	switch {
	case t == "VARCHAR" || t == "UUID" || t == "BLOB" || strings.HasPrefix(t, "ENUM"):
		return schema.TypeString
	case t == "JSON" || strings.HasSuffix(t, "[]") || strings.HasPrefix(t, "STRUCT") || strings.HasPrefix(t, "MAP") ||
		strings.HasPrefix(t, "LIST") || t == "UNION":
		return schema.TypeDynamic
	case t == "INTEGER" || t == "SMALLINT" || t == "TINYINT" || t == "USMALLINT" || t == "UTINYINT":
		return schema.TypeInt
	case t == "BIGINT" || t == "UINTEGER" || t == "UBIGINT" || t == "HUGEINT" || t == "UHUGEINT":
		return schema.TypeLong
	case t == "DOUBLE" || t == "FLOAT" || strings.HasPrefix(t, "DECIMAL"):
		return schema.TypeReal
	case t == "BOOLEAN":
		return schema.TypeBool
	case strings.HasPrefix(t, "TIMESTAMP") || t == "DATE":
		return schema.TypeDatetime
	case t == "INTERVAL" || t == "TIME":
		return schema.TypeTimespan
	}
	return schema.TypeString
}

func convert(v any, t schema.Type) any {
	switch x := v.(type) {
	case nil:
		return nil
	case time.Time:
		return x.UTC()
	case duck.Interval:
		return time.Duration(x.Micros)*time.Microsecond + time.Duration(x.Days)*24*time.Hour +
			time.Duration(x.Months)*30*24*time.Hour
	case int8:
		return int64(x)
	case int16:
		return int64(x)
	case int32:
		return int64(x)
	case uint8:
		return int64(x)
	case uint16:
		return int64(x)
	case uint32:
		return int64(x)
	case uint64:
		return int64(x)
	case *big.Int:
		return x.Int64()
	case float32:
		return float64(x)
	case duck.Decimal:
		return x.Float64()
	case []byte:
		return string(x)
	case string:
		if t == schema.TypeDynamic {
			var out any
			if err := json.Unmarshal([]byte(x), &out); err == nil {
				return out
			}
		}
		return x
	}
	return v
}
