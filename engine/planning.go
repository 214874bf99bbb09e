package engine

import (
	"mirrordb/engine/bind"
	"mirrordb/engine/exec"
	"mirrordb/engine/opt"
)

// Planning (engine/opt) with the engine's part: what the binder and the
// session know of a query, and the row counts and filtered indexes'
// filters of the stored tables. See docs/ARCHITECTURE.md "Joins".

// planQuery is what opt.PlanSelect needs of the binder and the session
// beyond a bound SELECT's clauses: its row's width, its hints, the
// binder's depth of enclosing queries (how its subqueries name its row,
// for the semi-joins) and the session's oldJoins (tests comparing with
// the engine before join planning).
func (b *binder) planQuery(p *exec.Select, hints []string) opt.Query {
	return opt.Query{Width: p.Scope.(*bind.Scope).Width(), Hints: hints, Level: b.OuterDepth(), OldJoins: b.set.OldJoins()}
}

// planTables is what the planner asks of the engine's tables: their
// committed row counts (estimate.go) and whether a WHERE clause implies a
// filtered index's filter (index_implies.go).
var planTables = opt.Tables{Rows: scanRows, Implies: impliesFilter}

// chooseAccess narrows a single-table scan by its WHERE clause
// (opt.ChooseAccess), for the statements planned outside opt.PlanSelect.
func chooseAccess(src exec.Operator, where exec.Expr) {
	opt.ChooseAccess(src, where, 0, planTables.Implies)
}
