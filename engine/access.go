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
	ts, ok := src.(*exec.TableScan)
	if !ok || where == nil || len(ts.Eq) > 0 || ts.Seek != nil || ts.Rng != nil {
		return
	}
	defer chooseIndexSeek(ts, where, base) // secondary indexes: engine/index_access.go
	if len(ts.Def.PK) == 0 {
		return
	}
	conj := opt.Conjuncts(where, nil)
	for _, pkCol := range ts.Def.PK {
		colT := ts.Def.Columns[pkCol].Type
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
		ts.Eq = append(ts.Eq, &exec.Cast{X: val, To: colT, Mode: types.Implicit, Try: true})
	}
	if len(ts.Eq) < len(ts.Def.PK) {
		// ranges, IN lists, LIKE prefixes of the next key column: keyseek.go
		ks := opt.FindKeySeek(conj, base, ts.Def, ts.Def.PK, make([]bool, len(ts.Def.PK)))
		if ks.Bounded() && len(ks.Eq) == len(ts.Eq) {
			ts.Eq, ts.Rng = nil, &ks
		}
	}
}
