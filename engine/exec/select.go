package exec

import (
	"strings"

	"mirrordb/engine/plan"
	"mirrordb/session"
	"mirrordb/types"
)

// Select is a bound SELECT: its result columns and the root of the
// operator chain that produces its rows (Build). SelectParts keeps the
// bound clauses the chain is built from, for the planning passes that read
// and rewrite them (access paths, pushdown, decorrelation).
type Select struct {
	Cols []session.Column
	Root Operator
	SelectParts
}

// SelectParts are a SELECT's clauses as bound.
type SelectParts struct {
	Src   Operator
	Scope ColumnNamer // the FROM clause's columns, for printed plans
	Where Expr

	// Grouped, Distinct and TopPercent sit together: the struct is
	// allocated for every SELECT and padding would cost a size class.
	Grouped    bool
	Distinct   bool
	TopPercent bool
	Presorted  bool // the scan reads in ORDER BY order (opt.PlanSelect)
	// GroupsArrive: rows with equal GROUP BY values come together (a
	// stream aggregate, opt.PlanSelect)
	GroupsArrive bool

	GroupBy []Expr
	Aggs    []*AggSpec
	Having  Expr

	Project []Expr
	OrderBy []OrderKey

	Top    Expr
	Offset Expr
	Fetch  Expr

	Windows []*WindowSpec  // window functions of the select list and ORDER BY (window.go)
	Srfs    []SetReturning // set-returning functions of the select list and ORDER BY (ProjectSet)
}

// A SELECT runs as a chain of operators, each a node of its own that both
// runs and describes itself, so the printed plan is built from the very
// nodes that run (docs/ARCHITECTURE.md, "A statement's plan"). build
// composes the chain over the FROM clause's row source in the order the
// clauses apply:
//
//	source → filter (WHERE) → aggregate → filter (HAVING) → window →
//	set-returning functions → project → distinct → sort → top
//
// The operators are engine/exec's (Operator says how rows pass
// between them); the FROM clause's row source is the binder's
// choice (a scan, a join, a semi-join, the engine's derived tables).

// Build composes the operator chain from the bound clauses. Passes that
// rewrite a clause after binding (pushdown into a derived table, a set
// operation's column conversions) build it again.
func (p *Select) Build() {
	var op Operator = p.Src // the chain's leaf: the FROM clause's rows
	if p.Where != nil {
		op = &Filter{In: op, Cond: p.Where}
	}
	if p.Grouped {
		op = &Aggregate{In: op, GroupBy: p.GroupBy, Aggs: p.Aggs, GroupsArrive: p.GroupsArrive}
		if p.Having != nil {
			op = &Filter{In: op, Cond: p.Having}
		}
	}
	if len(p.Windows) > 0 {
		op = &Window{In: op, Specs: p.Windows}
	}
	if len(p.Srfs) > 0 {
		op = &ProjectSet{In: op, Srfs: p.Srfs}
	}
	sorted := len(p.OrderBy) > 0 && !p.Presorted
	op = &Project{In: op, Exprs: p.Project, Order: p.OrderBy, WithOrder: sorted}
	if p.Distinct {
		op = &Distinct{In: op, Exprs: p.Project}
	}
	if sorted {
		op = &Sort{In: op, Keys: p.OrderBy, Width: len(p.Project)}
	}
	if p.Top != nil || p.Offset != nil || p.Fetch != nil {
		t := &Top{In: op, Offset: p.Offset, Count: p.Top, Percent: p.TopPercent}
		if p.Fetch != nil {
			t.Count, t.Fetch = p.Fetch, true
		}
		op = t
	}
	p.Root = op
}

// Run executes the plan, calling emit for each output row (valid only
// during the call).
func (p *Select) Run(e *Env, emit func([]types.Value) error) error {
	return p.Root.Run(e, emit)
}

// Explain describes the SELECT from its operators, the output columns on
// the top node.
func (p *Select) Explain(x *Explainer) *plan.Node {
	nm := &Names{Columns: p.Scope}
	n := p.Root.Explain(x, nm)
	n.OutputList = strings.Join(nm.Outs, ", ")
	return n
}

// ConvertOutput makes output column i the expression x of type t (a set
// operation or a recursive CTE converting its operands to one type) and
// builds the chain again.
func (p *Select) ConvertOutput(i int, x Expr, t types.Type) {
	p.Project[i], p.Cols[i].Type = x, t
	p.Build()
}
