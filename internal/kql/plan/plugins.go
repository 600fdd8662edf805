package plan

import "github.com/vigilsec/vigil/internal/schema"

// SequenceDetect is the sequence_detect plugin: every chain of input rows, one per step, in which row i+1 follows
// row i on the timeline (a later time, or the same time and a later input position) by at most Step, the last
// follows the first by at most Span, row i satisfies Steps[i] and all rows have the same dimension values. The
// output is the dimensions, each step's time (named Steps[i].Name) and the chain's Duration.
type SequenceDetect struct {
	Input      Node
	Time       Expr // the timeline column (datetime)
	Step, Span Expr // constant timespans
	Steps      []NamedExpr
	Dims       []NamedExpr
}

// SequenceDuration is the name of the sequence_detect output column holding a sequence's overall time.
const SequenceDuration = "Duration"

// Schema returns the dimensions, the step times and Duration.
func (n *SequenceDetect) Schema() Schema {
	s := itemsSchema(n.Dims)
	for _, st := range n.Steps {
		s = append(s, Column{Name: st.Name, Type: n.Time.Type()})
	}
	return append(s, Column{Name: SequenceDuration, Type: schema.TypeTimespan})
}

// Inputs returns the input.
func (n *SequenceDetect) Inputs() []Node { return []Node{n.Input} }

// Patterns is the basket or autocluster plugin (Algorithm): it mines the input rows for common patterns of the
// values of the columns Dims (internal/kql/patterns) and returns one row per pattern: SegmentId, Count, Percent,
// then each dimension, holding the pattern's value or, where the pattern leaves the column free, Wildcards[i]
// (nil: null).
type Patterns struct {
	Input     Node
	Algorithm string // "basket" or "autocluster"
	// Param is basket's Threshold or autocluster's SizeWeight; Limit is MaxDimensions or NumSeeds.
	Param     float64
	Limit     int64
	Weight    string // the weight column, "" when every row weighs 1
	Dims      Schema
	Wildcards []Expr
}

// Schema returns SegmentId, Count, Percent and the dimensions.
func (n *Patterns) Schema() Schema {
	s := Schema{{Name: "SegmentId", Type: schema.TypeLong}, {Name: "Count", Type: schema.TypeLong}, {Name: "Percent", Type: schema.TypeReal}}
	return append(s, n.Dims...)
}

// Inputs returns the input.
func (n *Patterns) Inputs() []Node { return []Node{n.Input} }
