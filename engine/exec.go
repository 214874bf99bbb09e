package engine

import (
	"strings"

	"mirrordb/engine/exec"
	"mirrordb/engine/plan"
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
// Rows are pushed: an operator's run calls emit once per row it produces,
// and the row is valid only during that call (an operator that keeps rows
// copies them). Below the projection an operator's rows are contexts the
// expressions read through env (row, group keys and aggregates, window
// values, set-returning functions' elements); each operator that evaluates expressions there sets env.row to
// the row it is given. From the projection up they are output values,
// followed, for a sort, by the ORDER BY values.

// operator is one node of a SELECT's chain.
type operator interface {
	run(e *exec.Env, emit func(row []types.Value) error) error
	// explain describes the node over its input's description; nm names
	// the columns and the values lower nodes define.
	explain(x *explainer, nm *names) *plan.Node
}

// sourceOp is the chain's leaf: the FROM clause's rows.
type sourceOp struct{ src rowSource }

func (s sourceOp) run(e *exec.Env, emit func([]types.Value) error) error { return s.src.scan(e, emit) }

func (s sourceOp) explain(x *explainer, nm *names) *plan.Node { return s.src.explain(x, nm) }

// build composes the operator chain from the bound clauses. Passes that
// rewrite a clause after binding (pushdown into a derived table, a set
// operation's column conversions) build it again.
func (p *selectPlan) build() {
	var op operator = sourceOp{p.src}
	if p.where != nil {
		op = &filterOp{in: op, cond: p.where}
	}
	if p.grouped {
		op = &aggregateOp{in: op, groupBy: p.groupBy, aggs: p.aggs, groupsArrive: p.groupsArrive}
		if p.having != nil {
			op = &filterOp{in: op, cond: p.having}
		}
	}
	if len(p.windows) > 0 {
		op = &windowOp{in: op, specs: p.windows}
	}
	if len(p.srfs) > 0 {
		op = &srfOp{in: op, srfs: p.srfs}
	}
	sorted := len(p.orderBy) > 0 && !p.presorted
	op = &projectOp{in: op, exprs: p.project, order: p.orderBy, withOrder: sorted}
	if p.distinct {
		op = &distinctOp{in: op, exprs: p.project}
	}
	if sorted {
		op = &sortOp{in: op, keys: p.orderBy, width: len(p.project)}
	}
	if p.top != nil || p.offset != nil || p.fetch != nil {
		t := &topOp{in: op, offset: p.offset, count: p.top, percent: p.topPercent}
		if p.fetch != nil {
			t.count, t.fetch = p.fetch, true
		}
		op = t
	}
	p.root = op
}

// run executes the plan, calling emit for each output row (valid only
// during the call).
func (p *selectPlan) run(e *exec.Env, emit func([]types.Value) error) error {
	return p.root.run(e, emit)
}

// explain describes the SELECT from its operators, the output columns on
// the top node.
func (p *selectPlan) explain(x *explainer) *plan.Node {
	nm := &names{sc: p.sc}
	n := p.root.explain(x, nm)
	n.OutputList = strings.Join(nm.outs, ", ")
	return n
}

// convertOutput makes output column i the expression x of type t (a set
// operation or a recursive CTE converting its operands to one type) and
// builds the chain again.
func (p *selectPlan) convertOutput(i int, x exec.Expr, t types.Type) {
	p.project[i], p.cols[i].Type = x, t
	p.build()
}
