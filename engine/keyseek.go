package engine

import (
	"github.com/cockroachdb/pebble"

	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/engine/opt"
	"mirrordb/types"
)

// The planner's side of a seek on one key (exec.KeySeek, which computes
// the ranges as the statement runs and prints its SEEK:() in plans):
// which values, bounds, IN lists or LIKE prefix a WHERE clause gives the
// key's columns; and the table scan's reading of the ranges.

// equalKeySeek is the seek of given values of a key's leading columns.
func equalKeySeek(def *catalog.TableDef, cols []int, desc []bool, eq []exec.Expr) exec.KeySeek {
	s := exec.KeySeek{Desc: desc, Eq: eq}
	for _, c := range cols {
		s.Types = append(s.Types, def.Columns[c].Type)
	}
	return s
}

// findKeySeek builds the seek the conjuncts allow on a key whose columns
// are cols of def (desc: which are descending); the table's columns start
// at base in the combined row.
func findKeySeek(conj []exec.Expr, base int, def *catalog.TableDef, cols []int, desc []bool) exec.KeySeek {
	s := exec.KeySeek{Desc: desc}
	for _, c := range cols {
		s.Types = append(s.Types, def.Columns[c].Type)
	}
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
		if !opt.RowIndependent(v) || !opt.KeyCompatible(colT, v.Type()) {
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
		if x, isCol := l.X.(*exec.ColRef); isCol && x.Idx == col && opt.RowIndependent(l.Pattern) &&
			l.Pattern.Type().Kind.IsString() && (l.Escape == nil || opt.RowIndependent(l.Escape)) {
			return l
		}
	}
	return nil
}

// scanRanges reads the keys and values of the table's store in the
// ranges in order (backward: from the last key of the last range),
// checking the statement's governor; fn's slices are valid only during
// the call.
func (t *tableScan) scanRanges(e *exec.Env, rs []exec.KeyRange, backward bool, fn func(key, val []byte) error) (err error) {
	if len(rs) == 0 {
		return nil
	}
	first := rs[0]
	if backward {
		first = rs[len(rs)-1]
	}
	it, err := sessionOf(e).readerFor(t.db).NewIter(&pebble.IterOptions{LowerBound: first.Lo, UpperBound: first.Hi})
	if err != nil {
		return t.db.storage.ReadError(err)
	}
	defer func() {
		if cerr := it.Close(); err == nil && cerr != nil {
			err = t.db.storage.ReadError(cerr)
		}
	}()
	for i := range rs {
		rg := rs[i]
		if backward {
			rg = rs[len(rs)-1-i]
		}
		if i > 0 {
			it.SetBounds(rg.Lo, rg.Hi)
		}
		valid, step := it.First, it.Next
		if backward {
			valid, step = it.Last, it.Prev
		}
		for ok := valid(); ok; ok = step() {
			if err := e.Gov.Check(); err != nil {
				return err
			}
			if err := fn(it.Key(), it.Value()); err != nil {
				return err
			}
		}
		if err := it.Error(); err != nil {
			return t.db.storage.ReadError(err)
		}
	}
	return nil
}
