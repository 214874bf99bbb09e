package engine

import (
	"mirrordb/engine/exec"
	"mirrordb/engine/opt"
)

// Join planning (opt.PushJoins) with the engine's part: the WHERE
// conjuncts that run as semi-joins (semijoin.go), the session's oldJoins
// and the row counts and filters of the stored tables. See
// docs/ARCHITECTURE.md "Joins".

// planJoins pushes the WHERE clause's single-input conjuncts down to the
// inputs they filter and its cross-input equalities into the joins, then
// picks each join's algorithm. It returns the new source and what is left
// of the WHERE clause. With the session's oldJoins set (tests comparing
// the two paths) it changes nothing but the top-level access path.
//
// First, the WHERE conjuncts that can run as semi-joins (semijoin.go) are
// taken out; they filter the planned source.
func (b *binder) planJoins(src exec.Operator, width int, where exec.Expr, hints []string) (exec.Operator, exec.Expr, error) {
	var semis []*semiJoin
	if where != nil && !b.set.OldJoins() {
		var rest []exec.Expr
		for _, c := range opt.Conjuncts(where, nil) {
			if s := b.semiJoin(c); s != nil {
				semis = append(semis, s)
			} else {
				rest = append(rest, c)
			}
		}
		where = opt.AndAll(rest)
	}
	src, where, err := b.pushJoins(src, width, where, hints)
	hint := opt.QueryHint(hints)
	for _, s := range semis {
		s.src, s.width = src, width
		s.planSeek(hint)
		src = s
	}
	return src, where, err
}

// pushJoins is planJoins without the semi-joins (opt.PushJoins, asking
// the engine for row counts and filtered indexes' filters). With the
// session's oldJoins set it plans the top-level access path only.
func (b *binder) pushJoins(src exec.Operator, width int, where exec.Expr, hints []string) (exec.Operator, exec.Expr, error) {
	if b.set.OldJoins() {
		chooseAccess(src, where)
		return src, where, nil
	}
	return opt.PushJoins(src, width, where, hints, planTables)
}

// planTables is what the planner asks of the engine's tables.
var planTables = opt.Tables{Rows: scanRows, Implies: impliesFilter}
