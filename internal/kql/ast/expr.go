package ast

// LitKind is the kind of a [Literal].
type LitKind uint8

// The literal kinds.
const (
	LitInt      LitKind = iota + 1 // 42, 0x2A
	LitReal                        // 1.5, 1e3
	LitTimespan                    // 1d, 30m, timespan(1.02:03:04), time(1d)
	LitString                      // 'a', "b", @'c', h'd', ```e```; adjacent literals concatenate
	LitBool                        // true, false
	LitDatetime                    // datetime(2024-01-01), datetime(null)
	LitGuid                        // guid(...)
)

var litKindNames = [...]string{"", "int", "real", "timespan", "string", "bool", "datetime", "guid"}

// String returns the literal kind's name.
func (k LitKind) String() string {
	if int(k) < len(litKindNames) {
		return litKindNames[k]
	}
	return "?"
}

// Ident is a name: a column, table, function, variable or parameter.
type Ident struct {
	Loc
	Name      string // the name, unquoted
	Bracketed bool   // written ['name'] or ["name"]
}

// Wildcard is a name pattern with "*", in name lists such as union
// Device*, project-away Col* or search in (Sec*).
type Wildcard struct {
	Loc
	Pattern string
}

// Literal is a constant. Raw is its text as written (for strings, several
// adjacent literals joined by a space); Value is the decoded string value
// for LitString and otherwise the same as Raw.
type Literal struct {
	Loc
	Kind  LitKind
	Raw   string
	Value string
}

// Dynamic is a dynamic literal: dynamic(Value), where Value is a
// [Literal], [ArrayLit], [BagLit], a negated number or the [Ident] null.
type Dynamic struct {
	Loc
	Value Expr
}

// ArrayLit is a JSON-like array inside dynamic(...): [a, b].
type ArrayLit struct {
	Loc
	Elems []Expr
}

// BagLit is a JSON-like property bag inside dynamic(...): {"k": v}.
type BagLit struct {
	Loc
	Entries []*BagEntry
}

// BagEntry is one key/value pair of a [BagLit].
type BagEntry struct {
	Loc
	Key   *Literal // a string literal
	Value Expr
}

// Star is "*": all columns (distinct *, where * has "x"), or a wildcard
// argument.
type Star struct {
	Loc
}

// Unary is a prefix operation: -X or +X.
type Unary struct {
	Loc
	Op string
	X  Expr
}

// Binary is an infix operation. Op is the operator as written, lower-case
// for words: or, and, ==, = (a legacy spelling of == that the official
// parser accepts in predicates), !=, <>, <, <=, >, >=, =~, !~, +, -, *, /, %,
// has, !has, has_cs, !has_cs, hasprefix(_cs), !hasprefix(_cs),
// hassuffix(_cs), !hassuffix(_cs), contains(_cs), !contains(_cs),
// startswith(_cs), !startswith(_cs), endswith(_cs), !endswith(_cs),
// "matches regex", like, notlike, likecs, notlikecs.
type Binary struct {
	Loc
	Op string
	X  Expr
	Y  Expr
}

// InExpr is a set-membership test: X Op (List). Op is one of in, !in, in~,
// !in~, has_any, has_all, !has_any, !has_all.
type InExpr struct {
	Loc
	X      Expr
	Op     string
	List   []Expr // may hold a single tabular or dynamic expression
	Parens bool   // the list was parenthesised (always, except "in dyn" shorthand)
}

// BetweenExpr is X between (Low .. High), or !between when Not is set.
type BetweenExpr struct {
	Loc
	X    Expr
	Not  bool
	Low  Expr
	High Expr
}

// Call is a function call: Func(Args). Func is an [Ident] or a [Member]
// (cluster('c').database('d'), geo namespace calls). Named plugin arguments
// are [Assign] nodes.
type Call struct {
	Loc
	Func Expr
	Args []Expr
}

// Typeof is a type expression: typeof(Type).
type Typeof struct {
	Loc
	Type *TypeRef
}

// Member is X.Name: a dynamic property, a table column (T.col, $left.col)
// or a namespaced entity.
type Member struct {
	Loc
	X    Expr
	Name *Ident
}

// Index is X[Index]: a dynamic array element or property.
type Index struct {
	Loc
	X     Expr
	Index Expr
}

// Paren is a parenthesised expression.
type Paren struct {
	Loc
	X Expr
}

// Assign names a value: Name = Value, or (A, B) = Value when Tuple is set
// (Names then holds every name).
type Assign struct {
	Loc
	Names []*Ident
	Tuple bool
	Value Expr
}

// SortKey is an ordering key: X [asc|desc] [nulls first|last]. Dir and
// Nulls are empty when not written.
type SortKey struct {
	Loc
	X     Expr
	Dir   string // "", "asc", "desc", "granny-asc", "granny-desc"
	Nulls string // "", "first", "last"
}

// TypeRef is a type: a scalar type name (string, int, ...) or, when
// Tabular is set, a table schema (*) or (col:type, ...).
type TypeRef struct {
	Loc
	Name    string        // scalar type name; empty for tabular types
	Tabular bool          // a table schema
	Star    bool          // the schema contains *
	Columns []*ColumnDecl // the schema's declared columns
}

// ColumnDecl declares a name with an optional type and default: a function
// or query parameter (a:string = "x"), a datatable column or a parse
// pattern column (x:int).
type ColumnDecl struct {
	Loc
	Name    *Ident
	Type    *TypeRef // nil when untyped
	Default Expr     // nil when absent
}

// FuncDef is a user function or view body: [view] (Params) { Body }.
type FuncDef struct {
	Loc
	View   bool
	Params []*ColumnDecl
	Body   *Block
}

// Block is a function body: let statements and a final expression.
type Block struct {
	Loc
	Stmts []Stmt
}

// Pipeline is a tabular expression: Source | Ops[0] | Ops[1] .... Source is
// nil in sub-pipelines that start with an operator (mv-apply ... on (...),
// fork, facet with, partition).
type Pipeline struct {
	Loc
	Source Expr
	Ops    []Operator
}

func (*Ident) exprNode()       {}
func (*Wildcard) exprNode()    {}
func (*Literal) exprNode()     {}
func (*Dynamic) exprNode()     {}
func (*ArrayLit) exprNode()    {}
func (*BagLit) exprNode()      {}
func (*Star) exprNode()        {}
func (*Unary) exprNode()       {}
func (*Binary) exprNode()      {}
func (*InExpr) exprNode()      {}
func (*BetweenExpr) exprNode() {}
func (*Call) exprNode()        {}
func (*Typeof) exprNode()      {}
func (*Member) exprNode()      {}
func (*Index) exprNode()       {}
func (*Paren) exprNode()       {}
func (*Assign) exprNode()      {}
func (*SortKey) exprNode()     {}
func (*TypeRef) exprNode()     {}
func (*ColumnDecl) exprNode()  {}
func (*FuncDef) exprNode()     {}
func (*Pipeline) exprNode()    {}
