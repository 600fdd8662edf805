package ast

// String prints the node as KQL (see [Format]).
func (x *Query) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *LetStmt) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *SetStmt) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *DeclareStmt) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *AliasStmt) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *RestrictStmt) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *ExprStmt) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *Ident) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *Wildcard) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *Literal) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *Dynamic) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *ArrayLit) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *BagLit) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *BagEntry) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *Star) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *Unary) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *Binary) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *InExpr) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *BetweenExpr) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *Call) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *Typeof) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *Member) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *Index) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *Paren) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *Assign) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *SortKey) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *TypeRef) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *ColumnDecl) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *FuncDef) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *Block) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *Pipeline) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *OpParam) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *FilterOp) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *ExtendOp) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *ProjectOp) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *SummarizeOp) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *JoinOp) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *UnionOp) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *DistinctOp) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *SortOp) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *TopOp) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *TopNestedOp) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *TopNestedClause) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *TopHittersOp) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *TakeOp) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *CountOp) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *MvExpandItem) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *MvExpandOp) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *MvApplyOp) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *ParseOp) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *ParseKVOp) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *MakeSeriesAgg) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *MakeSeriesOp) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *RangeOp) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *DatatableOp) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *PrintOp) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *SearchOp) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *FindOp) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *EvaluateOp) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *AsOp) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *SerializeOp) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *GetSchemaOp) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *RenderOp) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *SampleOp) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *SampleDistinctOp) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *InvokeOp) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *ExternalDataOp) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *ForkOp) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *ForkBranch) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *FacetOp) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *ScanOp) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *ScanStep) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *ConsumeOp) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *ReduceOp) String() string { return Format(x) }

// String prints the node as KQL (see [Format]).
func (x *PartitionOp) String() string { return Format(x) }
