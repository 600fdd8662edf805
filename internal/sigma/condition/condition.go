// Package condition parses the condition expression of a Sigma detection
// ("selection and not 1 of filter_*") into a small tree with byte positions.
//
// Grammar (lowest to highest precedence):
//
//	expr   = and { "or" and }
//	and    = unary { "and" unary }
//	unary  = "not" unary | primary
//	primary= "(" expr ")" | quant "of" target | ident
//	quant  = "1" | "all" | "any"
//	target = "them" | ident-pattern (may contain "*")
//
// Keywords are case-insensitive. The parser never panics and caps nesting at
// [MaxDepth].
package condition

import (
	"fmt"
	"strings"
)

// MaxDepth is the deepest nesting of parentheses and "not" the parser accepts.
const MaxDepth = 64

// Pos is a byte offset into the condition text.
type Pos int

// Node is a node of a parsed condition.
type Node interface {
	// Span returns the byte range [start, end) the node covers.
	Span() (start, end Pos)
	String() string
}

// Ident references one search identifier by name.
type Ident struct {
	Name       string
	Start, End Pos
}

// Of is "1 of pattern", "all of pattern", "1 of them" or "all of them".
type Of struct {
	All     bool   // "all of"; otherwise "1 of"
	Pattern string // search name pattern; "them" matches every search
	Them    bool
	Start   Pos
	End     Pos
}

// Not negates X.
type Not struct {
	X     Node
	Start Pos
}

// Binary is a chain of operands joined by the same operator.
type Binary struct {
	Op Op
	X  []Node
}

// Op is a boolean operator of a [Binary] node.
type Op int

// The binary operators.
const (
	And Op = iota
	Or
)

// Span implements [Node].
func (n *Ident) Span() (Pos, Pos) { return n.Start, n.End }

// Span implements [Node].
func (n *Of) Span() (Pos, Pos) { return n.Start, n.End }

// Span implements [Node].
func (n *Not) Span() (Pos, Pos) { _, e := n.X.Span(); return n.Start, e }

// Span implements [Node].
func (n *Binary) Span() (Pos, Pos) {
	s, _ := n.X[0].Span()
	_, e := n.X[len(n.X)-1].Span()
	return s, e
}

// String returns the search name.
func (n *Ident) String() string { return n.Name }

// String renders "1 of pattern" or "all of them".
func (n *Of) String() string {
	q := "1"
	if n.All {
		q = "all"
	}
	if n.Them {
		return q + " of them"
	}
	return q + " of " + n.Pattern
}

// String renders "not x", parenthesising a binary x.
func (n *Not) String() string { return "not " + paren(n.X) }

// String joins the operands with the operator, parenthesising nested
// binary operands.
func (n *Binary) String() string {
	op := " and "
	if n.Op == Or {
		op = " or "
	}
	parts := make([]string, len(n.X))
	for i, x := range n.X {
		parts[i] = paren(x)
	}
	return strings.Join(parts, op)
}

func paren(n Node) string {
	if _, ok := n.(*Binary); ok {
		return "(" + n.String() + ")"
	}
	return n.String()
}

// Error is a syntax error at a byte offset of the condition.
type Error struct {
	Pos Pos    `json:"pos"`
	Msg string `json:"message"`
}

// Error renders the error with its 1-based column.
func (e *Error) Error() string { return fmt.Sprintf("condition:%d: %s", e.Pos+1, e.Msg) }

// Walk calls fn for n and every node below it, depth first.
func Walk(n Node, fn func(Node)) {
	fn(n)
	switch n := n.(type) {
	case *Not:
		Walk(n.X, fn)
	case *Binary:
		for _, x := range n.X {
			Walk(x, fn)
		}
	}
}

// MatchName reports whether a search name matches an "of" pattern, where "*"
// matches any run of characters.
func MatchName(pattern, name string) bool {
	if pattern == "them" {
		return true
	}
	i := strings.IndexByte(pattern, '*')
	if i < 0 {
		return pattern == name
	}
	if !strings.HasPrefix(name, pattern[:i]) {
		return false
	}
	name = name[i:]
	pattern = pattern[i+1:]
	if pattern == "" {
		return true
	}
	for j := 0; j <= len(name); j++ {
		if MatchName(pattern, name[j:]) {
			return true
		}
	}
	return false
}
