package engine

import (
	"strings"

	"mirrordb/engine/exec"
	"mirrordb/engine/plan"
	"mirrordb/parser"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// A SELECT runs as a chain of operators, each a node of its own that both
// runs and describes itself, so the printed plan is built from the very
// nodes that run (docs/ARCHITECTURE.md, "A statement's plan"). build
// composes the chain over the FROM clause's row source in the order the
// clauses apply:
//
//	source → filter (WHERE) → aggregate → filter (HAVING) → window →
//	set-returning functions → project → distinct → sort → top
//
// The operators are engine/exec's (exec.Operator says how rows pass
// between them); the FROM clause's row source is the engine's.

// Build composes the operator chain from the bound clauses. Passes that
// rewrite a clause after binding (pushdown into a derived table, a set
// operation's column conversions) build it again.
func (p *selectPlan) Build() {
	var op exec.Operator = p.Src // the chain's leaf: the FROM clause's rows
	if p.Where != nil {
		op = &exec.Filter{In: op, Cond: p.Where}
	}
	if p.Grouped {
		op = &exec.Aggregate{In: op, GroupBy: p.GroupBy, Aggs: p.Aggs, GroupsArrive: p.GroupsArrive}
		if p.Having != nil {
			op = &exec.Filter{In: op, Cond: p.Having}
		}
	}
	if len(p.Windows) > 0 {
		op = &exec.Window{In: op, Specs: p.Windows}
	}
	if len(p.Srfs) > 0 {
		srfs := make([]exec.SetReturning, len(p.Srfs))
		for i, s := range p.Srfs {
			srfs[i] = s
		}
		op = &exec.ProjectSet{In: op, Srfs: srfs}
	}
	sorted := len(p.OrderBy) > 0 && !p.Presorted
	op = &exec.Project{In: op, Exprs: p.Project, Order: p.OrderBy, WithOrder: sorted}
	if p.Distinct {
		op = &exec.Distinct{In: op, Exprs: p.Project}
	}
	if sorted {
		op = &exec.Sort{In: op, Keys: p.OrderBy, Width: len(p.Project)}
	}
	if p.Top != nil || p.Offset != nil || p.Fetch != nil {
		t := &exec.Top{In: op, Offset: p.Offset, Count: p.Top, Percent: p.TopPercent}
		if p.Fetch != nil {
			t.Count, t.Fetch = p.Fetch, true
		}
		op = t
	}
	p.Root = op
}

// Run executes the plan, calling emit for each output row (valid only
// during the call).
func (p *selectPlan) Run(e *exec.Env, emit func([]types.Value) error) error {
	return p.Root.Run(e, emit)
}

// Explain describes the SELECT from its operators, the output columns on
// the top node.
func (p *selectPlan) Explain(x *exec.Explainer) *plan.Node {
	nm := &exec.Names{Columns: p.Scope}
	n := p.Root.Explain(x, nm)
	n.OutputList = strings.Join(nm.Outs, ", ")
	return n
}

// ConvertOutput makes output column i the expression x of type t (a set
// operation or a recursive CTE converting its operands to one type) and
// builds the chain again.
func (p *selectPlan) ConvertOutput(i int, x exec.Expr, t types.Type) {
	p.Project[i], p.Cols[i].Type = x, t
	p.Build()
}

// checkConstantCounts refuses, as SQL Server's compiler does, a constant
// OFFSET below zero (10742) and a constant FETCH below one (10744); an
// expression's value is checked when the statement runs (rowCount), where
// a FETCH of 0 returns no rows.
func (b *binder) checkConstantCounts(sel *parser.Select, p *selectPlan) error {
	if c, ok := p.Offset.(*exec.Const); ok {
		if n, _ := c.V.(int64); n < 0 {
			return b.ErrAt(sel.Offset, sqlerr.New(10742))
		}
	}
	if c, ok := p.Fetch.(*exec.Const); ok {
		if n, _ := c.V.(int64); n < 1 {
			return b.ErrAt(sel.Fetch, sqlerr.New(10744))
		}
	}
	return nil
}
