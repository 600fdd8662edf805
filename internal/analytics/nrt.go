package analytics

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/kql"
	"github.com/vigilsec/vigil/internal/kql/eval"
	"github.com/vigilsec/vigil/internal/kql/plan"
	"github.com/vigilsec/vigil/internal/schema"
)

// ReasonNRTUnsupported refuses an NRT rule whose query the stream evaluator cannot run.
const ReasonNRTUnsupported = "nrt_unsupported"

// streamQuery is an NRT rule's query compiled for the row evaluator: one table, then filters and projections
// (where, extend, project, project-away, project-rename...) applied to one event at a time.
type streamQuery struct {
	table string
	// batch, when set, is the query in batch mode (see batchMode): SQL over each batch's rows.
	batch   *kql.Query
	virtual map[string]*eval.Program
	steps   []streamStep
	out     []string
}

// streamStep is a filter (pred) or a projection (items).
type streamStep struct {
	pred  *eval.Program
	names []string
	items []*eval.Program
}

// compileStream compiles src for the row evaluator at time now (the value of now() and the base of ago()). The
// error is a *Refusal-ready message: the operator or function that cannot run on the stream.
func compileStream(src string, cat kql.Catalog, now time.Time) (*streamQuery, error) {
	q, errs := kql.Compile(src, cat, kql.WithNow(now))
	if errs != nil {
		return nil, errs
	}
	var chain []plan.Node
	n := q.Plan()
	for {
		chain = append(chain, n)
		switch v := n.(type) {
		case *plan.Filter:
			n = v.Input
			continue
		case *plan.Project:
			n = v.Input
			continue
		case *plan.Scan:
		default:
			table, err := batchMode(q)
			if err != nil {
				return nil, fmt.Errorf("%s is not supported on the stream: %w", opName(n), err)
			}
			return &streamQuery{table: table, batch: q, out: q.Plan().Schema().Names()}, nil
		}
		break
	}
	sc := chain[len(chain)-1].(*plan.Scan)
	sq := &streamQuery{table: sc.Table, virtual: map[string]*eval.Program{}}
	for name, x := range sc.Virtual {
		sq.virtual[name] = eval.New(x)
	}
	probe := eval.MapRow{}
	check := func(p *eval.Program) error {
		if _, err := p.Eval(probe); errors.Is(err, eval.ErrUnsupported) {
			return err
		}
		return nil
	}
	for i := len(chain) - 2; i >= 0; i-- {
		switch v := chain[i].(type) {
		case *plan.Filter:
			p := eval.New(v.Pred)
			if err := check(p); err != nil {
				return nil, err
			}
			sq.steps = append(sq.steps, streamStep{pred: p})
		case *plan.Project:
			st := streamStep{}
			for _, it := range v.Items {
				p := eval.New(it.X)
				if err := check(p); err != nil {
					return nil, err
				}
				st.names = append(st.names, it.Name)
				st.items = append(st.items, p)
			}
			sq.steps = append(sq.steps, st)
		}
	}
	sq.out = q.Plan().Schema().Names()
	return sq, nil
}

func opName(n plan.Node) string {
	name := fmt.Sprintf("%T", n)
	name = strings.TrimPrefix(name, "*plan.")
	switch name {
	case "Aggregate":
		return "summarize"
	case "Join":
		return "join"
	case "Union":
		return "union"
	case "Sort":
		return "sort/top"
	case "Limit":
		return "take/limit"
	case "Distinct":
		return "distinct"
	case "MvExpand":
		return "mv-expand"
	}
	return strings.ToLower(name)
}

// batchRow is row i of a batch as the evaluator sees it: datetimes as time.Time, timespans as durations, dynamic
// columns decoded, virtual columns computed.
type batchRow struct {
	b       *batch.Batch
	i       int
	cols    map[string]*batch.Column
	virtual map[string]*eval.Program
}

func (r *batchRow) Get(name string) (any, bool) {
	c, ok := r.cols[name]
	if !ok {
		if p, ok := r.virtual[name]; ok {
			v, err := p.Eval(eval.MapRow{})
			return v, err == nil
		}
		return nil, false
	}
	v := c.Value(r.i)
	if v == nil {
		return nil, true
	}
	switch c.Type {
	case schema.TypeDatetime:
		return time.UnixMicro(v.(int64)).UTC(), true
	case schema.TypeTimespan:
		return time.Duration(v.(int64)) * time.Microsecond, true
	case schema.TypeDynamic:
		var out any
		if s, ok := v.(string); ok && json.Unmarshal([]byte(s), &out) == nil {
			return out, true
		}
	}
	return v, true
}

// run evaluates the query over every row of b and returns the output rows. An evaluation error on a row is
// returned with the rows that matched so far (the rule's health shows it).
func (sq *streamQuery) run(b *batch.Batch) ([][]any, error) {
	cols := make(map[string]*batch.Column, len(b.Columns))
	for _, c := range b.Columns {
		cols[c.Name] = c
	}
	var out [][]any
	var firstErr error
	for i := 0; i < b.Len; i++ {
		var row eval.Row = &batchRow{b: b, i: i, cols: cols, virtual: sq.virtual}
		keep := true
		for _, st := range sq.steps {
			if st.pred != nil {
				ok, err := st.pred.Match(row)
				if err != nil {
					if firstErr == nil {
						firstErr = fmt.Errorf("row %d: %w", i, err)
					}
					keep = false
					break
				}
				if !ok {
					keep = false
					break
				}
				continue
			}
			next := make(eval.MapRow, len(st.names))
			for j, p := range st.items {
				v, err := p.Eval(row)
				if err != nil {
					if firstErr == nil {
						firstErr = fmt.Errorf("row %d: %w", i, err)
					}
					keep = false
					break
				}
				next[st.names[j]] = plain(v)
			}
			if !keep {
				break
			}
			row = next
		}
		if !keep {
			continue
		}
		vals := make([]any, len(sq.out))
		for j, name := range sq.out {
			v, _ := row.Get(name)
			vals[j] = plain(v)
		}
		out = append(out, vals)
	}
	return out, firstErr
}

// plain turns evaluator values into what alerts keep: durations as KQL timespan text.
func plain(v any) any {
	switch x := v.(type) {
	case time.Duration:
		return eval.ToString(x)
	}
	return v
}
