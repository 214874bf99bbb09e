package engine

import (
	"mirrordb/engine/exec"
	"mirrordb/engine/opt"
	"mirrordb/types"
)

// chooseAccess narrows a single-table scan to a primary-key point lookup or
// key-prefix scan when the WHERE clause fixes leading key columns with
// equalities (col = constant or parameter). The full WHERE clause is still
// applied to every row read, so this only ever removes work.
func chooseAccess(src exec.Operator, where exec.Expr) { chooseAccessAt(src, where, 0) }

// chooseAccessAt is chooseAccess for a table whose columns start at base
// in the combined row (a join's input); a scan already narrowed is left
// as it is.
func chooseAccessAt(src exec.Operator, where exec.Expr, base int) {
	ts, ok := src.(*tableScan)
	if !ok || where == nil || len(ts.eq) > 0 || ts.seek != nil || ts.rng != nil {
		return
	}
	defer chooseIndexSeek(ts, where, base) // secondary indexes: engine/index_access.go
	if len(ts.table.PK) == 0 {
		return
	}
	conj := opt.Conjuncts(where, nil)
	for _, pkCol := range ts.table.PK {
		colT := ts.table.Columns[pkCol].Type
		var val exec.Expr
		for _, c := range conj {
			cmp, ok := c.(*exec.Compare)
			if !ok || cmp.Op != "=" {
				continue
			}
			for _, side := range [2][2]exec.Expr{{cmp.L, cmp.R}, {cmp.R, cmp.L}} {
				col, isCol := side[0].(*exec.ColRef)
				if isCol && col.Idx == base+pkCol && opt.RowIndependent(side[1]) && opt.KeyCompatible(colT, side[1].Type()) {
					val = side[1]
				}
			}
			if val != nil {
				break
			}
		}
		if val == nil {
			break
		}
		ts.eq = append(ts.eq, &exec.Cast{X: val, To: colT, Mode: types.Implicit, Try: true})
	}
	if len(ts.eq) < len(ts.table.PK) {
		// ranges, IN lists, LIKE prefixes of the next key column: keyseek.go
		ks := opt.FindKeySeek(conj, base, ts.table, ts.table.PK, make([]bool, len(ts.table.PK)))
		if ks.Bounded() && len(ks.Eq) == len(ts.eq) {
			ts.eq, ts.rng = nil, &ks
		}
	}
}
