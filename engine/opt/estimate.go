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
