package engine

import (
	"mirrordb/engine/exec"
	"mirrordb/engine/opt"
)

// Join planning (opt.PlanJoins) with the engine's part: the session's
// oldJoins, the binder's depth of enclosing queries and the row counts
// and filters of the stored tables. See docs/ARCHITECTURE.md "Joins".

// planJoins pushes the WHERE clause's single-input conjuncts down to the
// inputs they filter and its cross-input equalities into the joins, runs
// the conjuncts it can as semi-joins, then picks each join's algorithm
// (opt.PlanJoins). It returns the new source and what is left of the
// WHERE clause. With the session's oldJoins set (tests comparing the two
// paths) it changes nothing but the top-level access path.
func (b *binder) planJoins(src exec.Operator, width int, where exec.Expr, hints []string) (exec.Operator, exec.Expr, error) {
	if b.set.OldJoins() {
		chooseAccess(src, where)
		return src, where, nil
	}
	return opt.PlanJoins(src, width, where, hints, len(b.corr.scopes), planTables)
}

// planTables is what the planner asks of the engine's tables.
var planTables = opt.Tables{Rows: scanRows, Implies: impliesFilter}
