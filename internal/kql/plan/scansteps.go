package plan

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/vigilsec/vigil/internal/schema"
)

// ScanSteps is the scan operator: it walks its input in order (per partition) and matches the rows against Steps,
// a sequence of predicates with assignments, as the Kusto documentation of scan describes. The output is the input
// columns, then the Declare columns, then MatchID (long) when set. Conditions and assignments read the current row
// by column name and the state of a step as the column "step.column". The step cannot be SQL: back ends run it in
// Go (internal/kql/eval.RunScan) over the rows.
type ScanSteps struct {
	Input       Node
	Declare     []ScanDecl
	Steps       []ScanStep
	MatchID     string // "" when there is no with_match_id
	PartitionBy []NamedExpr
	OrderBy     []SortKey
}

// ScanDecl is a declared column and its default value.
type ScanDecl struct {
	Col     Column
	Default Expr
}

// ScanStep is one step: Output is "all", "last" or "none".
type ScanStep struct {
	Name    string
	Output  string
	Cond    Expr
	Assigns []NamedExpr
}

// Schema returns the input columns, the declared columns and the match id.
func (n *ScanSteps) Schema() Schema {
	s := append(Schema{}, n.Input.Schema()...)
	for _, d := range n.Declare {
		if i := s.Index(d.Col.Name); i >= 0 {
			s[i] = d.Col
			continue
		}
		s = append(s, d.Col)
	}
	if n.MatchID != "" {
		s = append(s, Column{Name: n.MatchID, Type: schema.TypeLong})
	}
	return s
}

// Inputs returns the input.
func (n *ScanSteps) Inputs() []Node { return []Node{n.Input} }

// ScanSpec is the serializable form of a [ScanSteps] that the Go runtime reads: the input columns, the declared
// columns with their defaults, and the steps, with every expression in the form [EncodeExpr] writes.
type ScanSpec struct {
	Cols    []SpecColumn `json:"cols"`
	Declare []SpecDecl   `json:"declare,omitempty"`
	Steps   []SpecStep   `json:"steps"`
	MatchID string       `json:"match_id,omitempty"`
}

// SpecColumn is a column of a [ScanSpec].
type SpecColumn struct {
	Name string `json:"n"`
	Type string `json:"t"`
}

// SpecDecl is a declared column of a [ScanSpec].
type SpecDecl struct {
	SpecColumn
	Default json.RawMessage `json:"d"`
}

// SpecStep is a step of a [ScanSpec].
type SpecStep struct {
	Name    string          `json:"name"`
	Output  string          `json:"output"`
	Cond    json.RawMessage `json:"cond"`
	Assigns []SpecAssign    `json:"set,omitempty"`
}

// SpecAssign is an assignment of a step.
type SpecAssign struct {
	Col string          `json:"n"`
	X   json.RawMessage `json:"x"`
}

// Spec returns the serializable form of n.
func (n *ScanSteps) Spec() (*ScanSpec, error) {
	sp := &ScanSpec{MatchID: n.MatchID}
	for _, c := range n.Input.Schema() {
		sp.Cols = append(sp.Cols, SpecColumn{Name: c.Name, Type: c.Type.String()})
	}
	for _, d := range n.Declare {
		x, err := EncodeExpr(d.Default)
		if err != nil {
			return nil, err
		}
		sp.Declare = append(sp.Declare, SpecDecl{SpecColumn: SpecColumn{Name: d.Col.Name, Type: d.Col.Type.String()}, Default: x})
	}
	for _, st := range n.Steps {
		c, err := EncodeExpr(st.Cond)
		if err != nil {
			return nil, err
		}
		ss := SpecStep{Name: st.Name, Output: st.Output, Cond: c}
		for _, a := range st.Assigns {
			x, err := EncodeExpr(a.X)
			if err != nil {
				return nil, err
			}
			ss.Assigns = append(ss.Assigns, SpecAssign{Col: a.Name, X: x})
		}
		sp.Steps = append(sp.Steps, ss)
	}
	return sp, nil
}

// exprJSON is the JSON form of a scalar expression: exactly one of the node fields is set.
type exprJSON struct {
	Col   string          `json:"c,omitempty"`
	Lit   json.RawMessage `json:"l,omitempty"`
	Fn    string          `json:"f,omitempty"`
	Args  []exprJSON      `json:"a,omitempty"`
	Mem   *exprJSON       `json:"m,omitempty"`
	Key   *string         `json:"k,omitempty"`
	Index *exprJSON       `json:"i,omitempty"`
	In    string          `json:"in,omitempty"`
	Case  bool            `json:"case,omitempty"`
	Type  string          `json:"t,omitempty"`
}

// EncodeExpr writes a scalar expression (column references, literals, calls, property access, in-lists and case)
// as JSON, for a runtime that evaluates it outside SQL. Datetime and timespan literals are microseconds.
func EncodeExpr(x Expr) (json.RawMessage, error) {
	j, err := encodeExpr(x)
	if err != nil {
		return nil, err
	}
	return json.Marshal(j)
}

func encodeExpr(x Expr) (exprJSON, error) {
	list := func(xs []Expr) ([]exprJSON, error) {
		out := make([]exprJSON, len(xs))
		for i, a := range xs {
			var err error
			if out[i], err = encodeExpr(a); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	switch v := x.(type) {
	case *ColRef:
		if v.Side != "" {
			break
		}
		return exprJSON{Col: v.Name, Type: v.T.String()}, nil
	case *Lit:
		var val any = v.V
		switch t := v.V.(type) {
		case time.Time:
			val = t.UnixMicro()
		case time.Duration:
			val = int64(t / time.Microsecond)
		}
		b, err := json.Marshal(val)
		if err != nil {
			return exprJSON{}, err
		}
		return exprJSON{Lit: b, Type: v.T.String()}, nil
	case *Call:
		args, err := list(v.Args)
		if err != nil {
			return exprJSON{}, err
		}
		if args == nil {
			args = []exprJSON{}
		}
		return exprJSON{Fn: v.Fn, Args: args, Type: v.T.String()}, nil
	case *Member:
		base, err := encodeExpr(v.X)
		if err != nil {
			return exprJSON{}, err
		}
		j := exprJSON{Mem: &base}
		if v.Index != nil {
			idx, err := encodeExpr(v.Index)
			if err != nil {
				return exprJSON{}, err
			}
			j.Index = &idx
		} else {
			k := v.Key
			j.Key = &k
		}
		return j, nil
	case *InList:
		args, err := list(append([]Expr{v.X}, v.List...))
		if err != nil {
			return exprJSON{}, err
		}
		return exprJSON{In: v.Op, Args: args}, nil
	case *Case:
		xs := append([]Expr{}, v.Whens...)
		xs = append(xs, v.Thens...)
		if v.Else != nil {
			xs = append(xs, v.Else)
		}
		args, err := list(xs)
		if err != nil {
			return exprJSON{}, err
		}
		return exprJSON{Case: true, Args: args, Type: v.T.String()}, nil
	}
	return exprJSON{}, fmt.Errorf("the expression %s cannot run outside SQL", ExprString(x))
}

// DecodeExpr reads an expression written by [EncodeExpr].
func DecodeExpr(b json.RawMessage) (Expr, error) {
	var j exprJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return nil, err
	}
	return decodeExpr(j)
}

func decodeExpr(j exprJSON) (Expr, error) {
	typ := func() schema.Type {
		t, _ := schema.ParseType(j.Type)
		return t
	}
	list := func(js []exprJSON) ([]Expr, error) {
		out := make([]Expr, len(js))
		for i, a := range js {
			var err error
			if out[i], err = decodeExpr(a); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	switch {
	case j.Col != "":
		return &ColRef{Name: j.Col, T: typ()}, nil
	case j.Lit != nil:
		return decodeLit(j.Lit, typ())
	case j.Fn != "":
		args, err := list(j.Args)
		if err != nil {
			return nil, err
		}
		return &Call{Fn: j.Fn, Args: args, T: typ()}, nil
	case j.Mem != nil:
		base, err := decodeExpr(*j.Mem)
		if err != nil {
			return nil, err
		}
		m := &Member{X: base}
		if j.Index != nil {
			if m.Index, err = decodeExpr(*j.Index); err != nil {
				return nil, err
			}
		} else if j.Key != nil {
			m.Key = *j.Key
		}
		return m, nil
	case j.In != "":
		args, err := list(j.Args)
		if err != nil || len(args) == 0 {
			return nil, fmt.Errorf("bad in-list expression: %v", err)
		}
		return &InList{Op: j.In, X: args[0], List: args[1:]}, nil
	case j.Case:
		args, err := list(j.Args)
		if err != nil {
			return nil, err
		}
		c := &Case{T: typ()}
		n := len(args) / 2
		c.Whens, c.Thens = args[:n], args[n:2*n]
		if len(args)%2 == 1 {
			c.Else = args[2*n]
		}
		return c, nil
	}
	return nil, fmt.Errorf("bad expression %s", strconv.Quote(fmt.Sprint(j)))
}

func decodeLit(b json.RawMessage, t schema.Type) (Expr, error) {
	if string(b) == "null" {
		return Null(t), nil
	}
	switch t {
	case schema.TypeDatetime, schema.TypeTimespan, schema.TypeLong, schema.TypeInt:
		n, err := strconv.ParseInt(string(b), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("bad %s literal %s", t, b)
		}
		switch t {
		case schema.TypeDatetime:
			return Datetime(time.UnixMicro(n)), nil
		case schema.TypeTimespan:
			return Timespan(time.Duration(n) * time.Microsecond), nil
		}
		return &Lit{T: t, V: n}, nil
	case schema.TypeReal, schema.TypeDecimal:
		f, err := strconv.ParseFloat(string(b), 64)
		if err != nil {
			return nil, fmt.Errorf("bad %s literal %s", t, b)
		}
		return &Lit{T: t, V: f}, nil
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, err
	}
	return &Lit{T: t, V: v}, nil
}

// Partition runs Body once for each distinct value of the input column Key, over the input rows holding that value
// (the partition operator); Body reads them through its [PartitionRows] leaf. The output is the rows of every run.
type Partition struct {
	Input Node
	Key   string
	Rows  *PartitionRows
	Body  Node
}

// Schema returns the body's columns.
func (n *Partition) Schema() Schema { return n.Body.Schema() }

// Inputs returns the input and the body.
func (n *Partition) Inputs() []Node { return []Node{n.Input, n.Body} }

// PartitionRows is the leaf of a partition body: the input rows of the current partition.
type PartitionRows struct {
	Cols Schema
	Key  string
}

// Schema returns the input's columns.
func (n *PartitionRows) Schema() Schema { return n.Cols }

// Inputs returns nothing.
func (n *PartitionRows) Inputs() []Node { return nil }

// SchemaMerge merges getschema tables (evaluate schema_merge): its input has the columns ColumnName,
// ColumnOrdinal, DataType and ColumnType, and so has its output. The merge runs in Go over the rows in order.
type SchemaMerge struct {
	Input         Node
	PreserveOrder bool
}

// Schema returns the getschema columns.
func (n *SchemaMerge) Schema() Schema {
	return Schema{{Name: "ColumnName", Type: schema.TypeString}, {Name: "ColumnOrdinal", Type: schema.TypeInt},
		{Name: "DataType", Type: schema.TypeString}, {Name: "ColumnType", Type: schema.TypeString}}
}

// Inputs returns the input.
func (n *SchemaMerge) Inputs() []Node { return []Node{n.Input} }
