package opt

import (
	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/types"
)

// seekCost is what one seek costs in rows read by a scan, and hashCost
// what building a hash table costs beyond its rows: a join seeks its
// inner input when the outer rows times seekCost is less than the inner
// scan's reads plus hashCost (a seek per row of 20,000 took about four
// times a 20,000-row hash match's time per row, BenchmarkJoin20k).
const (
	seekCost = 4
	hashCost = 64
)

// SeekCheaper reports whether seeking the inner input once per outer row
// (outer rows estimated) is estimated to cost less than hashing the inner
// input, whose scan reads innerReads rows.
func SeekCheaper(outer, innerReads float64) bool { return outer*seekCost < innerReads+hashCost }

// BuildLeft reports whether a hash join builds its table on the left
// input: only when it is estimated smaller, since probing with the left
// streams rows in the order nested loops give them.
func BuildLeft(left, right float64) bool { return left < right }

// CanSeek reports join kinds whose right input can be read by a seek per
// left row: those that do not preserve unmatched right rows.
func CanSeek(k exec.JoinKind) bool { return k == exec.InnerJoin || k == exec.LeftJoin }

// SeekValues extends eq, the values of the leading key columns (keyCols of
// table t, whose columns sit at base in the combined row) already fixed,
// with the join equalities that give the next ones, in order: each a
// pair whose R is that column and whose L, from the outer rows, is
// converted to the column's type where that keeps equal values equal
// (KeyCompatible). It returns the values and the pairs it used.
func SeekValues(t *catalog.TableDef, keyCols []int, eq []exec.Expr, base int, pairs []exec.JoinPair) ([]exec.Expr, []exec.JoinPair) {
	var used []exec.JoinPair
	for _, kc := range keyCols[len(eq):] {
		colT := t.Columns[kc].Type
		found := false
		for _, p := range pairs {
			if c, ok := p.R.(*exec.ColRef); ok && c.Idx == base+kc && KeyCompatible(colT, p.L.Type()) && !colT.Kind.IsBinary() {
				v := p.L
				if v.Type() != colT {
					v = &exec.Cast{X: p.L, To: colT, Mode: types.Implicit, Try: true}
				}
				eq = append(eq, v)
				used, found = append(used, p), true
				break
			}
		}
		if !found {
			break
		}
	}
	return eq, used
}
