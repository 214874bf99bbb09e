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

// build composes the operator chain from the bound clauses. Passes that
// rewrite a clause after binding (pushdown into a derived table, a set
// operation's column conversions) build it again.
func (p *selectPlan) build() {
	var op exec.Operator = p.src // the chain's leaf: the FROM clause's rows
	if p.where != nil {
		op = &exec.Filter{In: op, Cond: p.where}
	}
	if p.grouped {
		op = &exec.Aggregate{In: op, GroupBy: p.groupBy, Aggs: p.aggs, GroupsArrive: p.groupsArrive}
		if p.having != nil {
			op = &exec.Filter{In: op, Cond: p.having}
		}
	}
	if len(p.windows) > 0 {
		op = &exec.Window{In: op, Specs: p.windows}
	}
	if len(p.srfs) > 0 {
		srfs := make([]exec.SetReturning, len(p.srfs))
		for i, s := range p.srfs {
			srfs[i] = s
		}
		op = &exec.ProjectSet{In: op, Srfs: srfs}
	}
	sorted := len(p.orderBy) > 0 && !p.presorted
	op = &exec.Project{In: op, Exprs: p.project, Order: p.orderBy, WithOrder: sorted}
	if p.distinct {
		op = &exec.Distinct{In: op, Exprs: p.project}
	}
	if sorted {
		op = &exec.Sort{In: op, Keys: p.orderBy, Width: len(p.project)}
	}
	if p.top != nil || p.offset != nil || p.fetch != nil {
		t := &exec.Top{In: op, Offset: p.offset, Count: p.top, Percent: p.topPercent}
		if p.fetch != nil {
			t.Count, t.Fetch = p.fetch, true
		}
		op = t
	}
	p.root = op
}

// run executes the plan, calling emit for each output row (valid only
// during the call).
func (p *selectPlan) run(e *exec.Env, emit func([]types.Value) error) error {
	return p.root.Run(e, emit)
}

// explain describes the SELECT from its operators, the output columns on
// the top node.
func (p *selectPlan) explain(x *exec.Explainer) *plan.Node {
	nm := &exec.Names{Columns: p.sc}
	n := p.root.Explain(x, nm)
	n.OutputList = strings.Join(nm.Outs, ", ")
	return n
}

// convertOutput makes output column i the expression x of type t (a set
// operation or a recursive CTE converting its operands to one type) and
// builds the chain again.
func (p *selectPlan) convertOutput(i int, x exec.Expr, t types.Type) {
	p.project[i], p.cols[i].Type = x, t
	p.build()
}

// checkConstantCounts refuses, as SQL Server's compiler does, a constant
// OFFSET below zero (10742) and a constant FETCH below one (10744); an
// expression's value is checked when the statement runs (rowCount), where
// a FETCH of 0 returns no rows.
func (b *binder) checkConstantCounts(sel *parser.Select, p *selectPlan) error {
	if c, ok := p.offset.(*exec.Const); ok {
		if n, _ := c.V.(int64); n < 0 {
			return b.ErrAt(sel.Offset, sqlerr.New(10742))
		}
	}
	if c, ok := p.fetch.(*exec.Const); ok {
		if n, _ := c.V.(int64); n < 1 {
			return b.ErrAt(sel.Fetch, sqlerr.New(10744))
		}
	}
	return nil
}
