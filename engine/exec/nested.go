package exec

import (
	"mirrordb/engine/plan"
	"mirrordb/types"
)

// The row sources whose rows a nested query makes: a derived table (or a
// reference to a common table expression) and APPLY, whose right side
// runs once per left row.

// Derived produces the rows of a query used as a FROM entry. The query is
// planned on its own: it sees the queries around the statement, not its
// sibling FROM entries, and its rows flow into the outer query as a
// table's would.
type Derived struct {
	Plan *Select
}

func (d *Derived) Run(e *Env, fn func(row []types.Value) error) error {
	sub := *e
	sub.Row, sub.Aggs, sub.Keys = nil, nil, nil
	return d.Plan.Run(&sub, fn)
}

func (d *Derived) Explain(x *Explainer, _ *Names) *plan.Node {
	return d.Plan.Explain(x)
}

// Apply is CROSS APPLY (or, with Outer, OUTER APPLY): Right is bound with
// Left's columns in scope as an enclosing query's (it reads them as the
// innermost Env.Outer row) and runs once per left row.
type Apply struct {
	Outer       bool
	Left, Right Operator
	Base        int // where the left side's first column sits in the combined row
	LW, RW      int // the widths of the two sides
}

func (a *Apply) Run(e *Env, fn func(row []types.Value) error) error {
	full := make([]types.Value, a.Base+a.LW)
	combined := make([]types.Value, a.LW+a.RW)
	sub := *e
	sub.Outer = append(e.Outer[:len(e.Outer):len(e.Outer)], full)
	return a.Left.Run(e, func(l []types.Value) error {
		copy(full[a.Base:], Pad(l, a.LW))
		copy(combined, Pad(l, a.LW))
		matched := false
		saved := e.Row
		err := a.Right.Run(&sub, func(r []types.Value) error {
			matched = true
			copy(combined[a.LW:], Pad(r, a.RW))
			return fn(combined)
		})
		e.Row = saved
		if err != nil || matched || !a.Outer {
			return err
		}
		clear(combined[a.LW:])
		return fn(combined)
	})
}

func (a *Apply) Explain(x *Explainer, nm *Names) *plan.Node {
	logical := "Inner Join"
	if a.Outer {
		logical = "Left Outer Join"
	}
	n := x.Node("Nested Loops", logical, "", a.Left.Explain(x, nm), a.Right.Explain(x, nm))
	n.NamesLogical = true
	return n
}
