package plan

import (
	"strings"
)

// Node is one operator of a plan: what SQL Server calls a plan row.
type Node struct {
	// PhysicalOp is the algorithm ("Clustered Index Seek", "Nested
	// Loops"); LogicalOp the relational operation it implements ("Inner
	// Join", "Aggregate"). They are often the same.
	PhysicalOp string
	LogicalOp  string
	// Argument is the operator's arguments as SHOWPLAN_TEXT prints them
	// inside the parentheses: "OBJECT:([db].[dbo].[t].[PK_t]),
	// SEEK:([db].[dbo].[t].[k]=(42)) ORDERED FORWARD".
	Argument string
	// DefinedValues lists the values the operator computes ("[Expr1001]=
	// Count(*)"), OutputList the columns it passes on.
	DefinedValues string
	OutputList    string
	// EstimateRows is the number of rows the operator is expected to
	// return, when the planner knows it (a point seek returns at most one).
	EstimateRows float64
	Estimated    bool
	// NamesLogical is set for operators whose printed text names their
	// logical operation before the arguments, as SQL Server prints joins
	// and hash matches: "Nested Loops(Inner Join, WHERE:(...))".
	NamesLogical bool
	Children     []*Node
}

// Text is the operator as SHOWPLAN_TEXT prints it after "|--".
func (n *Node) Text() string {
	arg := n.Argument
	if n.NamesLogical {
		if arg == "" {
			arg = n.LogicalOp
		} else {
			arg = n.LogicalOp + ", " + arg
		}
	}
	if arg == "" {
		return n.PhysicalOp
	}
	return n.PhysicalOp + "(" + arg + ")"
}

// Row is one line of a printed plan.
type Row struct {
	Node   *Node
	Text   string // the line, with its tree drawing
	NodeID int    // from 1, in printing order
	Parent int    // 0 for the root
}

// Rows lists the tree in SHOWPLAN order (each node before its children),
// with SQL Server's tree drawing: "  |--" for the root, children five
// columns further right, a "|" carried down while a node has a sibling
// still to come.
func (n *Node) Rows() []Row {
	var rows []Row
	var walk func(x *Node, prefix string, parent int, last bool)
	walk = func(x *Node, prefix string, parent int, last bool) {
		id := len(rows) + 1
		rows = append(rows, Row{Node: x, Text: prefix + "|--" + x.Text(), NodeID: id, Parent: parent})
		under := prefix + "|    "
		if last {
			under = prefix + "     "
		}
		for i, c := range x.Children {
			walk(c, under, id, i == len(x.Children)-1)
		}
	}
	walk(n, "  ", 0, true)
	return rows
}

// String is the whole plan as SHOWPLAN_TEXT prints it, one operator a
// line.
func (n *Node) String() string {
	var b strings.Builder
	for _, r := range n.Rows() {
		b.WriteString(r.Text)
		b.WriteByte('\n')
	}
	return b.String()
}
