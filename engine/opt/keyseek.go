package opt

import (
	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/types"
)

// A seek on one key (the clustered key or a secondary index's columns):
// which values, bounds, IN lists or LIKE prefix the WHERE clause's
// conjuncts give the key's columns. exec.KeySeek computes the ranges
// from them as the statement runs.

// FindKeySeek builds the seek the conjuncts allow on a key whose columns
// are cols of def (desc: which are descending); the table's columns start
// at base in the combined row.
func FindKeySeek(conj []exec.Expr, base int, def *catalog.TableDef, cols []int, desc []bool) exec.KeySeek {
	s := exec.EqualKeySeek(def, cols, desc, nil)
	for i, c := range cols {
		colT := s.Types[i]
		if v := seekValue(conj, base+c, colT, "="); v != nil {
			s.Eq = append(s.Eq, v)
			continue
		}
		if s.In = seekList(conj, base+c, colT); s.In != nil {
			break
		}
		var loOp, hiOp string
		s.Lo, loOp = seekBound(conj, base+c, colT, ">", ">=", "!<")
		s.Hi, hiOp = seekBound(conj, base+c, colT, "<", "<=", "!>")
		s.LoX, s.HiX = loOp == ">", hiOp == "<"
		if s.Lo == nil && s.Hi == nil {
			s.Like = seekLike(conj, base+c, colT)
		}
		break
	}
	return s
}

// seekList finds a conjunct that allows column col only a list of
// row-independent values: col IN (v1, v2, ...) or col = v1 OR col = v2 ...
func seekList(conj []exec.Expr, col int, colT types.Type) []exec.Expr {
	if colT.Kind.IsBinary() {
		return nil
	}
	for _, c := range conj {
		if in, ok := c.(*exec.InList); ok && !in.Not {
			if x, isCol := in.X.(*exec.ColRef); isCol && x.Idx == col && allKeyValues(in.List, colT) {
				return in.List
			}
			continue
		}
		if l, ok := c.(*exec.Logic); ok && !l.And {
			var vals []exec.Expr
			if orEqualities(l, col, colT, &vals) {
				return vals
			}
		}
	}
	return nil
}

// orEqualities collects the values of an OR tree whose every leaf is an
// equality of column col with a row-independent value.
func orEqualities(x exec.Expr, col int, colT types.Type, vals *[]exec.Expr) bool {
	if l, ok := x.(*exec.Logic); ok && !l.And {
		return orEqualities(l.L, col, colT, vals) && orEqualities(l.R, col, colT, vals)
	}
	v := seekValue([]exec.Expr{x}, col, colT, "=")
	if v == nil {
		return false
	}
	*vals = append(*vals, v)
	return true
}

// allKeyValues reports whether every value of a list can be sought in a
// key column of type colT.
func allKeyValues(list []exec.Expr, colT types.Type) bool {
	for _, v := range list {
		if !RowIndependent(v) || !KeyCompatible(colT, v.Type()) {
			return false
		}
	}
	return len(list) > 0
}

// seekLike finds "col LIKE pattern" with a row-independent pattern on a
// string column.
func seekLike(conj []exec.Expr, col int, colT types.Type) *exec.Like {
	if !colT.Kind.IsString() {
		return nil
	}
	for _, c := range conj {
		l, ok := c.(*exec.Like)
		if !ok || l.Not {
			continue
		}
		if x, isCol := l.X.(*exec.ColRef); isCol && x.Idx == col && RowIndependent(l.Pattern) &&
			l.Pattern.Type().Kind.IsString() && (l.Escape == nil || RowIndependent(l.Escape)) {
			return l
		}
	}
	return nil
}

// seekValue finds a conjunct "column op value" (either way round; col is
// the column's place in the combined row) with a row-independent value of a type the column's key encoding agrees with.
func seekValue(conj []exec.Expr, col int, colT types.Type, ops ...string) exec.Expr {
	v, _ := seekBound(conj, col, colT, ops...)
	return v
}

// seekBound is seekValue that also returns the operator found, turned
// round to read "column op value".
func seekBound(conj []exec.Expr, col int, colT types.Type, ops ...string) (exec.Expr, string) {
	if colT.Kind.IsBinary() {
		return nil, "" // fixed-length binary pads; leave it to the scan
	}
	for _, c := range conj {
		cmp, ok := c.(*exec.Compare)
		if !ok {
			continue
		}
		for flip, side := range [2][2]exec.Expr{{cmp.L, cmp.R}, {cmp.R, cmp.L}} {
			col2, isCol := side[0].(*exec.ColRef)
			if !isCol || col2.Idx != col || !RowIndependent(side[1]) || !KeyCompatible(colT, side[1].Type()) {
				continue
			}
			op := cmp.Op
			if flip == 1 { // value op column: turn it round
				op = map[string]string{"<": ">", ">": "<", "<=": ">=", ">=": "<=", "!<": "!>", "!>": "!<", "=": "="}[op]
			}
			for _, want := range ops {
				if op == want {
					return side[1], op
				}
			}
		}
	}
	return nil, ""
}
