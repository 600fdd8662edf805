package ast

// OpParam is an operator parameter or property: kind=inner,
// hint.strategy=shuffle, with_itemindex=i, or a render/parse-kv/reduce
// "with" property. Values has one element except for list-valued
// properties (render ... with (ycolumns=a, b)).
type OpParam struct {
	Loc
	Name   string // possibly dotted: hint.strategy
	Values []Expr
}

// FilterOp is where Pred (Keyword "where" or "filter").
type FilterOp struct {
	Loc
	Keyword string
	Pred    Expr
}

// ExtendOp is extend Exprs; items are [Assign] or plain expressions.
type ExtendOp struct {
	Loc
	Exprs []Expr
}

// ProjectOp is project, project-away, project-keep, project-rename,
// project-reorder or project-smart (Keyword). Items are expressions,
// [Assign] (project, project-rename), [Wildcard] (project-away,
// project-keep, project-reorder) or [SortKey] (project-reorder).
type ProjectOp struct {
	Loc
	Keyword string
	Exprs   []Expr
}

// SummarizeOp is summarize [Params] [Aggs] [by By].
type SummarizeOp struct {
	Loc
	Params []*OpParam
	Aggs   []Expr
	By     []Expr
	HasBy  bool // "by" was written (By is then non-empty)
}

// JoinOp is join or lookup (Keyword) [Params] Right [on On].
type JoinOp struct {
	Loc
	Keyword string
	Params  []*OpParam
	Right   Expr
	On      []Expr // columns or $left.a == $right.b conditions; nil when "on" is absent
}

// UnionOp is union [Params] Tables. It can also start a pipeline.
type UnionOp struct {
	Loc
	Params []*OpParam
	Tables []Expr
}

// DistinctOp is distinct [Params] Exprs (or *).
type DistinctOp struct {
	Loc
	Params []*OpParam
	Exprs  []Expr
}

// SortOp is sort by / order by (Keyword) Keys.
type SortOp struct {
	Loc
	Keyword string
	Params  []*OpParam
	Keys    []*SortKey
}

// TopOp is top N by Keys.
type TopOp struct {
	Loc
	Params []*OpParam
	N      Expr
	Keys   []*SortKey
}

// TopNestedOp is a chain of top-nested clauses separated by commas.
type TopNestedOp struct {
	Loc
	Clauses []*TopNestedClause
}

// TopNestedClause is top-nested [N] of Of [with others = Others] by By
// [asc|desc].
type TopNestedClause struct {
	Loc
	N      Expr // nil when absent
	Of     Expr
	Others Expr // nil when absent
	By     Expr
	Dir    string
}

// TopHittersOp is top-hitters N of Of [by By].
type TopHittersOp struct {
	Loc
	N  Expr
	Of Expr
	By Expr // nil when absent
}

// TakeOp is take N or limit N (Keyword).
type TakeOp struct {
	Loc
	Keyword string
	N       Expr
}

// CountOp is count.
type CountOp struct {
	Loc
}

// MvExpandItem is one mv-expand or mv-apply column: X [to typeof(To)]. X
// may be an [Assign].
type MvExpandItem struct {
	Loc
	X  Expr
	To *TypeRef // nil when absent
}

// MvExpandOp is mv-expand or mvexpand (Keyword) [Params] Items [limit Limit].
type MvExpandOp struct {
	Loc
	Keyword string
	Params  []*OpParam
	Items   []*MvExpandItem
	Limit   Expr // nil when absent
}

// MvApplyOp is mv-apply [Params] Items [limit Limit] on (Body).
type MvApplyOp struct {
	Loc
	Keyword string
	Params  []*OpParam
	Items   []*MvExpandItem
	Limit   Expr // nil when absent
	Body    Expr // usually a *Pipeline without source, inside a *Paren
}

// ParseOp is parse or parse-where (Keyword) [kind=... flags=...] X with
// Pattern. Pattern items are string [Literal]s, [ColumnDecl]s and [Star]s.
type ParseOp struct {
	Loc
	Keyword string
	Params  []*OpParam
	X       Expr
	Pattern []Expr
}

// ParseKVOp is parse-kv X as (Columns) [with (With)].
type ParseKVOp struct {
	Loc
	X       Expr
	Columns []*ColumnDecl
	With    []*OpParam
}

// MakeSeriesAgg is one make-series aggregation: X [default = Default].
type MakeSeriesAgg struct {
	Loc
	X       Expr // the aggregate, possibly an [Assign]
	Default Expr // nil when absent
}

// MakeSeriesOp is make-series [Params] Aggs on On (from From to To step
// Step | in range(From, To, Step)) [by By].
type MakeSeriesOp struct {
	Loc
	Params  []*OpParam
	Aggs    []*MakeSeriesAgg
	On      Expr
	InRange bool // the axis is given as "in range(From, To, Step)"
	From    Expr // nil when absent
	To      Expr // nil when absent
	Step    Expr
	By      []Expr
}

// RangeOp is range Column from From to To step Step.
type RangeOp struct {
	Loc
	Column *Ident
	From   Expr
	To     Expr
	Step   Expr
}

// DatatableOp is datatable (Columns) [Values], values row-major.
type DatatableOp struct {
	Loc
	Columns []*ColumnDecl
	Values  []Expr
}

// PrintOp is print Exprs.
type PrintOp struct {
	Loc
	Exprs []Expr
}

// SearchOp is search [Params] [in (Tables)] Pred.
type SearchOp struct {
	Loc
	Params []*OpParam
	Tables []Expr // nil when "in" is absent
	Pred   Expr
}

// FindOp is find [Params] [in (Tables)] where Pred [project-smart |
// project Project].
type FindOp struct {
	Loc
	Params      []*OpParam
	Tables      []Expr // nil when "in" is absent
	Pred        Expr
	ProjectKind string // "", "project" or "project-smart"
	Project     []Expr
}

// EvaluateOp is evaluate [Params] Plugin(...) [: Schema].
type EvaluateOp struct {
	Loc
	Params []*OpParam
	Call   Expr
	Schema *TypeRef // the declared output schema; nil when absent
}

// AsOp is as [Params] Table.
type AsOp struct {
	Loc
	Params []*OpParam
	Table  *Ident
}

// SerializeOp is serialize [Exprs].
type SerializeOp struct {
	Loc
	Exprs []Expr
}

// GetSchemaOp is getschema.
type GetSchemaOp struct {
	Loc
}

// RenderOp is render Chart [with (With)].
type RenderOp struct {
	Loc
	Chart *Ident
	With  []*OpParam
}

// SampleOp is sample N.
type SampleOp struct {
	Loc
	N Expr
}

// SampleDistinctOp is sample-distinct N of Of.
type SampleDistinctOp struct {
	Loc
	N  Expr
	Of Expr
}

// InvokeOp is invoke Func(...).
type InvokeOp struct {
	Loc
	Call Expr
}

// ExternalDataOp is externaldata (Columns) [URIs] [with (With)]. It parses
// so that the query can be refused with a clear message later.
type ExternalDataOp struct {
	Loc
	Columns []*ColumnDecl
	URIs    []Expr
	With    []*OpParam
}

// ForkOp is fork Branches.
type ForkOp struct {
	Loc
	Branches []*ForkBranch
}

// ForkBranch is one fork branch: [Name =] (Body).
type ForkBranch struct {
	Loc
	Name *Ident // nil when unnamed
	Body Expr   // a *Pipeline, usually without source
}

// FacetOp is facet by Columns [with (With)].
type FacetOp struct {
	Loc
	Columns []Expr
	With    Expr // nil when absent; a *Pipeline without source
}

// ScanOp is scan [Params] [order by ...] [partition by ...]
// [declare (Declare)] with (Steps).
type ScanOp struct {
	Loc
	Params      []*OpParam
	OrderBy     []*SortKey
	PartitionBy []Expr
	Declare     []*ColumnDecl
	Steps       []*ScanStep
}

// ScanStep is step Name [output = Output]: Cond [=> Assigns];
type ScanStep struct {
	Loc
	Name    *Ident
	Output  string // "", "all", "last" or "none"
	Cond    Expr
	Assigns []Expr // [Assign] nodes; nil when there is no "=>"
}

// ConsumeOp is consume [Params].
type ConsumeOp struct {
	Loc
	Params []*OpParam
}

// ReduceOp is reduce [Params] by By [with With].
type ReduceOp struct {
	Loc
	Params []*OpParam
	By     Expr
	With   []*OpParam
}

// PartitionOp is partition [Params] by By (Body) or { Body }.
type PartitionOp struct {
	Loc
	Params []*OpParam
	By     Expr
	Body   Expr // a *Pipeline
	Braces bool // the body was written in braces
}

// Name returns "where" or "filter".
func (o *FilterOp) Name() string { return o.Keyword }

// Name returns "extend".
func (o *ExtendOp) Name() string { return "extend" }

// Name returns the project variant.
func (o *ProjectOp) Name() string { return o.Keyword }

// Name returns "summarize".
func (o *SummarizeOp) Name() string { return "summarize" }

// Name returns "join" or "lookup".
func (o *JoinOp) Name() string { return o.Keyword }

// Name returns "union".
func (o *UnionOp) Name() string { return "union" }

// Name returns "distinct".
func (o *DistinctOp) Name() string { return "distinct" }

// Name returns "sort" or "order".
func (o *SortOp) Name() string { return o.Keyword }

// Name returns "top".
func (o *TopOp) Name() string { return "top" }

// Name returns "top-nested".
func (o *TopNestedOp) Name() string { return "top-nested" }

// Name returns "top-hitters".
func (o *TopHittersOp) Name() string { return "top-hitters" }

// Name returns "take" or "limit".
func (o *TakeOp) Name() string { return o.Keyword }

// Name returns "count".
func (o *CountOp) Name() string { return "count" }

// Name returns "mv-expand" or "mvexpand".
func (o *MvExpandOp) Name() string { return o.Keyword }

// Name returns "mv-apply" or "mvapply".
func (o *MvApplyOp) Name() string { return o.Keyword }

// Name returns "parse" or "parse-where".
func (o *ParseOp) Name() string { return o.Keyword }

// Name returns "parse-kv".
func (o *ParseKVOp) Name() string { return "parse-kv" }

// Name returns "make-series".
func (o *MakeSeriesOp) Name() string { return "make-series" }

// Name returns "range".
func (o *RangeOp) Name() string { return "range" }

// Name returns "datatable".
func (o *DatatableOp) Name() string { return "datatable" }

// Name returns "print".
func (o *PrintOp) Name() string { return "print" }

// Name returns "search".
func (o *SearchOp) Name() string { return "search" }

// Name returns "find".
func (o *FindOp) Name() string { return "find" }

// Name returns "evaluate".
func (o *EvaluateOp) Name() string { return "evaluate" }

// Name returns "as".
func (o *AsOp) Name() string { return "as" }

// Name returns "serialize".
func (o *SerializeOp) Name() string { return "serialize" }

// Name returns "getschema".
func (o *GetSchemaOp) Name() string { return "getschema" }

// Name returns "render".
func (o *RenderOp) Name() string { return "render" }

// Name returns "sample".
func (o *SampleOp) Name() string { return "sample" }

// Name returns "sample-distinct".
func (o *SampleDistinctOp) Name() string { return "sample-distinct" }

// Name returns "invoke".
func (o *InvokeOp) Name() string { return "invoke" }

// Name returns "externaldata".
func (o *ExternalDataOp) Name() string { return "externaldata" }

// Name returns "fork".
func (o *ForkOp) Name() string { return "fork" }

// Name returns "facet".
func (o *FacetOp) Name() string { return "facet" }

// Name returns "scan".
func (o *ScanOp) Name() string { return "scan" }

// Name returns "consume".
func (o *ConsumeOp) Name() string { return "consume" }

// Name returns "reduce".
func (o *ReduceOp) Name() string { return "reduce" }

// Name returns "partition".
func (o *PartitionOp) Name() string { return "partition" }

func (*FilterOp) opNode()         {}
func (*ExtendOp) opNode()         {}
func (*ProjectOp) opNode()        {}
func (*SummarizeOp) opNode()      {}
func (*JoinOp) opNode()           {}
func (*UnionOp) opNode()          {}
func (*DistinctOp) opNode()       {}
func (*SortOp) opNode()           {}
func (*TopOp) opNode()            {}
func (*TopNestedOp) opNode()      {}
func (*TopHittersOp) opNode()     {}
func (*TakeOp) opNode()           {}
func (*CountOp) opNode()          {}
func (*MvExpandOp) opNode()       {}
func (*MvApplyOp) opNode()        {}
func (*ParseOp) opNode()          {}
func (*ParseKVOp) opNode()        {}
func (*MakeSeriesOp) opNode()     {}
func (*RangeOp) opNode()          {}
func (*DatatableOp) opNode()      {}
func (*PrintOp) opNode()          {}
func (*SearchOp) opNode()         {}
func (*FindOp) opNode()           {}
func (*EvaluateOp) opNode()       {}
func (*AsOp) opNode()             {}
func (*SerializeOp) opNode()      {}
func (*GetSchemaOp) opNode()      {}
func (*RenderOp) opNode()         {}
func (*SampleOp) opNode()         {}
func (*SampleDistinctOp) opNode() {}
func (*InvokeOp) opNode()         {}
func (*ExternalDataOp) opNode()   {}
func (*ForkOp) opNode()           {}
func (*FacetOp) opNode()          {}
func (*ScanOp) opNode()           {}
func (*ConsumeOp) opNode()        {}
func (*ReduceOp) opNode()         {}
func (*PartitionOp) opNode()      {}

// Operators that can also start a pipeline are expressions too.
func (*UnionOp) exprNode()        {}
func (*RangeOp) exprNode()        {}
func (*DatatableOp) exprNode()    {}
func (*PrintOp) exprNode()        {}
func (*SearchOp) exprNode()       {}
func (*FindOp) exprNode()         {}
func (*EvaluateOp) exprNode()     {}
func (*ExternalDataOp) exprNode() {}
