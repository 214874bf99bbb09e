package opt

import (
	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
)

// FilteredRows applies a pushed-down filter's conjuncts cond to its
// input's estimate n: a conjunct that keeps at most one row of table t
// (nil when the input is not a table scan), whose columns sit at base in
// the combined row, caps it at one; every other applies its selectivity.
func FilteredRows(n float64, t *catalog.TableDef, base int, cond exec.Expr) float64 {
	for _, c := range Conjuncts(cond, nil) {
		if t != nil && UniqueEquality(t, base, c) {
			return min(n, 1)
		}
		n *= Selectivity(c)
	}
	return n
}

// UniqueEquality reports a conjunct "column = value" (a row-independent
// value) on a table whose primary key or a unique index is that column
// alone: it keeps at most one row.
func UniqueEquality(t *catalog.TableDef, base int, c exec.Expr) bool {
	cmp, ok := c.(*exec.Compare)
	if !ok || cmp.Op != "=" {
		return false
	}
	for _, side := range [2][2]exec.Expr{{cmp.L, cmp.R}, {cmp.R, cmp.L}} {
		if col, ok := side[0].(*exec.ColRef); ok && RowIndependent(side[1]) && UniqueColumn(t, col.Idx-base) {
			return true
		}
	}
	return false
}

// JoinRows estimates a join's rows from its inputs' estimates, as the
// plans the engine keeps in their written order do: every pair for a
// cross join, else the bigger input's count (a foreign key's guess); at
// least one.
func JoinRows(kind exec.JoinKind, left, right float64) float64 {
	n := max(left, right)
	if kind == exec.CrossJoin {
		n = left * right
	}
	return max(n, 1)
}

// EstimateRows is a row source's estimated row count (at least 1, as SQL
// Server shows it), from rows, the committed row count of the table a scan
// reads, which the engine counts in the store. Estimates choose join order
// and method only: a wrong one makes a slower plan, never a wrong answer.
// A row source without a rule here (a catalog view, a table-valued
// function, a derived table, a set operation, APPLY, a recursive query)
// is guessed at 1000 rows.
func EstimateRows(src exec.Operator, rows func(*exec.TableScan) float64) float64 {
	est := func(s exec.Operator) float64 { return EstimateRows(s, rows) }
	switch s := src.(type) {
	case *exec.TableScan:
		n := rows(s)
		if len(s.Def.PK) > 0 && len(s.Eq) == len(s.Def.PK) {
			n = min(n, 1)
		}
		return max(n, 1)
	case *exec.InputFilter:
		var t *catalog.TableDef
		if ts, ok := s.Src.(*exec.TableScan); ok {
			t = ts.Def
		}
		return max(FilteredRows(est(s.Src), t, s.Base, s.Cond), 1)
	case *exec.JoinChain:
		return s.Est
	case *exec.NestedLoops:
		return JoinRows(s.Kind, est(s.Left), est(s.Right))
	case *exec.HashJoin:
		return est(&s.NestedLoops)
	case *exec.SeekJoin:
		return est(&s.NestedLoops)
	case *exec.SemiJoin:
		return max(est(s.Src)*0.5, 1) // half the outer rows match: a guess
	case exec.OneRow:
		return 1
	}
	return 1000 // a guess
}
