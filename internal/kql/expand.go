package kql

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/vigilsec/vigil/internal/kql/sema"
	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/store"
)

// Run executes the query on exec as DuckDB SQL and then runs, in Go, the
// steps SQL cannot express (see [Query.Finish]). maxRows caps the rows read
// (0: no cap).
func (q *Query) Run(ctx context.Context, exec Executor, maxRows int) (*store.Result, error) {
	sql, err := q.DuckDB()
	if err != nil {
		return nil, err
	}
	res, err := exec.Query(ctx, sql, maxRows)
	if err != nil {
		return nil, err
	}
	return q.Finish(res)
}

// Finish runs over the rows of the query's SQL the steps SQL cannot
// express: a bag that bag_unpack or pivot left for the result becomes one
// column per property (after the other columns, sorted by name, typed from
// the values unless the query declares the output schema). A property that
// names an existing column is an error unless the query says
// columnsConflict='replace_source' or 'keep_source'.
func (q *Query) Finish(res *store.Result) (*store.Result, error) {
	for i := 0; i < len(res.Columns); i++ {
		name := res.Columns[i].Name
		if !strings.HasPrefix(name, sema.BagPrefix) {
			continue
		}
		opts := q.bags[name]
		if opts == nil {
			opts = &sema.BagOptions{Conflict: "error"}
		}
		var err error
		if res, err = expandBag(res, i, opts); err != nil {
			return nil, err
		}
		i--
	}
	return res, nil
}

func expandBag(res *store.Result, col int, opts *sema.BagOptions) (*store.Result, error) {
	type prop struct {
		key string // the property name in the bag
		t   schema.Type
	}
	var props []prop
	if opts.Declared != nil {
		for _, c := range opts.Declared {
			props = append(props, prop{key: strings.TrimPrefix(c.Name, opts.Prefix), t: c.Type})
		}
	} else {
		seen := map[string]int{}
		for _, row := range res.Rows {
			m, _ := row[col].(map[string]any)
			for k, v := range m {
				if opts.Ignored[k] {
					continue
				}
				j, ok := seen[k]
				if !ok {
					j = len(props)
					seen[k] = j
					props = append(props, prop{key: k, t: schema.TypeInvalid})
				}
				props[j].t = mergeType(props[j].t, v)
			}
		}
		sort.Slice(props, func(a, b int) bool { return props[a].key < props[b].key })
	}
	out := &store.Result{Truncated: res.Truncated}
	keep := make([]int, 0, len(res.Columns))
	index := map[string]int{}
	for j, c := range res.Columns {
		if j == col {
			continue
		}
		index[c.Name] = len(out.Columns)
		keep = append(keep, j)
		out.Columns = append(out.Columns, c)
	}
	// where each property goes: an existing column (replace), nowhere (keep), or a new one
	target := make([]int, len(props))
	for p, pr := range props {
		name := opts.Prefix + pr.key
		t := pr.t
		if t == schema.TypeInvalid {
			t = schema.TypeDynamic
		}
		if j, ok := index[name]; ok {
			switch opts.Conflict {
			case "replace_source":
				out.Columns[j].Type = t
				target[p] = j
			case "keep_source":
				target[p] = -1
			default:
				return nil, &Error{Code: CodeUnsupported, Message: fmt.Sprintf(
					"bag_unpack: the property %q names an existing column; use columnsConflict='replace_source' or 'keep_source'", name), Line: 1, Col: 1}
			}
			continue
		}
		index[name] = len(out.Columns)
		target[p] = len(out.Columns)
		out.Columns = append(out.Columns, store.ResultColumn{Name: name, Type: t})
	}
	for _, row := range res.Rows {
		nr := make([]any, len(out.Columns))
		for j, k := range keep {
			nr[j] = row[k]
		}
		m, _ := row[col].(map[string]any)
		for p, pr := range props {
			if target[p] < 0 {
				continue
			}
			v, ok := m[pr.key]
			if !ok {
				if opts.Conflict == "replace_source" && target[p] < len(keep) {
					nr[target[p]] = nil // the property replaces the column, even where a row lacks it
					if out.Columns[target[p]].Type == schema.TypeString {
						nr[target[p]] = "" // KQL strings are never null
					}
				}
				continue
			}
			nr[target[p]] = typed(v, out.Columns[target[p]].Type)
		}
		out.Rows = append(out.Rows, nr)
	}
	return out, nil
}

// mergeType is the type of a column holding values of type t and v.
func mergeType(t schema.Type, v any) schema.Type {
	var vt schema.Type
	switch x := v.(type) {
	case nil:
		return t
	case string:
		vt = schema.TypeString
	case bool:
		vt = schema.TypeBool
	case float64:
		vt = schema.TypeReal
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			vt = schema.TypeLong
		}
	default:
		vt = schema.TypeDynamic
	}
	switch {
	case t == schema.TypeInvalid || t == vt:
		return vt
	case (t == schema.TypeLong && vt == schema.TypeReal) || (t == schema.TypeReal && vt == schema.TypeLong):
		return schema.TypeReal
	}
	return schema.TypeDynamic
}

// typed converts a JSON value to the Go value of a column of type t.
func typed(v any, t schema.Type) any {
	switch t {
	case schema.TypeLong, schema.TypeInt:
		if f, ok := v.(float64); ok {
			return int64(f)
		}
	case schema.TypeString:
		if s, ok := v.(string); ok {
			return s
		}
		if v == nil {
			return nil
		}
		return fmt.Sprint(v)
	}
	return v
}
