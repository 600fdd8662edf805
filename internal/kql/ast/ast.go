// Package ast declares the syntax tree of KQL queries produced by
// internal/kql/parser.
//
// A [Query] is a list of statements. Scalar and tabular expressions share
// the [Expr] interface, because KQL mixes them (a let value, a call argument
// or a parenthesised expression may be either); a tabular pipeline is a
// [Pipeline] of a source expression and [Operator]s. Operators that can also
// start a pipeline (union, range, print, datatable, search, find, evaluate,
// externaldata) implement both [Expr] and [Operator].
//
// Every node records its byte [token.Span] in the query text through the
// embedded [Loc]. [Node.String] prints a node as KQL that re-parses to an
// equal tree (ignoring spans); [Walk] and [Inspect] traverse trees.
//
// The node families are:
//
//   - statements: [LetStmt], [SetStmt], [DeclareStmt], [AliasStmt],
//     [RestrictStmt], [ExprStmt];
//   - scalar expressions: [Ident], [Wildcard], [Literal], [Dynamic] (with
//     [ArrayLit], [BagLit], [BagEntry]), [Star], [Unary], [Binary],
//     [InExpr], [BetweenExpr], [Call], [Typeof], [Member], [Index],
//     [Paren], [Assign], [SortKey];
//   - declarations: [TypeRef], [ColumnDecl], [FuncDef], [Block];
//   - tabular: [Pipeline] and one node per operator ([FilterOp],
//     [ExtendOp], [ProjectOp], [SummarizeOp], [JoinOp], [UnionOp], ...),
//     with [OpParam] for name=value parameters such as kind=inner or
//     hint.strategy=shuffle.
//
// Keywords with several spellings keep the one written in a Keyword field
// (where/filter, sort/order, take/limit, join/lookup, mv-expand/mvexpand,
// parse/parse-where, the project family). Function names are not
// resolved: iif, makeset or not(x) are ordinary [Call]s.
package ast

import "github.com/vigilsec/vigil/internal/kql/token"

// Node is implemented by every syntax tree node.
type Node interface {
	// Span returns the byte range of the node in the query text.
	Span() token.Span
	// String prints the node as KQL.
	String() string
}

// Stmt is a query statement: [LetStmt], [SetStmt], [DeclareStmt],
// [AliasStmt], [RestrictStmt] or [ExprStmt].
type Stmt interface {
	Node
	stmtNode()
}

// Expr is a scalar or tabular expression.
type Expr interface {
	Node
	exprNode()
}

// Operator is a tabular operator that follows a "|" in a [Pipeline].
type Operator interface {
	Node
	// Name returns the operator keyword as written (where, mv-expand, ...).
	Name() string
	opNode()
}

// Loc holds the span of a node. It is embedded in every node type; tests
// that compare trees ignore it (cmpopts.IgnoreTypes(ast.Loc{})).
type Loc struct {
	Range token.Span
}

// Span returns the span of the node.
func (l Loc) Span() token.Span { return l.Range }

// Query is a whole query: statements separated by semicolons.
type Query struct {
	Loc
	Stmts []Stmt
}

// LetStmt binds Name to a scalar, tabular or function value:
// let Name = Value.
type LetStmt struct {
	Loc
	Name  *Ident
	Value Expr // a *FuncDef for functions and views
}

// SetStmt sets a request option: set Name [= Value].
type SetStmt struct {
	Loc
	Name  string // possibly dotted
	Value Expr   // nil when no value is given
}

// DeclareStmt declares query parameters:
// declare query_parameters(Name:Type [= Default], ...).
type DeclareStmt struct {
	Loc
	Params []*ColumnDecl
}

// AliasStmt defines a database alias: alias database Name = Value.
type AliasStmt struct {
	Loc
	Name  *Ident
	Value Expr
}

// RestrictStmt limits the entities later statements can see:
// restrict access to (Entities).
type RestrictStmt struct {
	Loc
	Entities []Expr
}

// ExprStmt is a tabular (or scalar) expression whose value is a result of
// the query.
type ExprStmt struct {
	Loc
	X Expr
}

func (*LetStmt) stmtNode()      {}
func (*SetStmt) stmtNode()      {}
func (*DeclareStmt) stmtNode()  {}
func (*AliasStmt) stmtNode()    {}
func (*RestrictStmt) stmtNode() {}
func (*ExprStmt) stmtNode()     {}
