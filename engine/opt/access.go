package opt

import (
	"slices"

	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
)

// The access path's rules: which values a seek may use, which columns
// an index gives back, which orders a key delivers.

// RowIndependent reports whether an expression has the same value for every
// row of a statement (constants, parameters and stable functions of them).
func RowIndependent(x exec.Expr) bool {
	switch e := x.(type) {
	case *exec.Const, *exec.ParamRef, *exec.VarRef:
		return true
	case *exec.Cast:
		return RowIndependent(e.X)
	case *exec.Arith:
		return RowIndependent(e.L) && RowIndependent(e.R)
	case *exec.Negate:
		return RowIndependent(e.X)
	case *exec.Call:
		if e.Fn.Volatile && !isClock(e.Name) {
			return false
		}
		for _, a := range e.Args {
			if !RowIndependent(a) {
				return false
			}
		}
		return true
	}
	return false
}

// isClock reports the date/time functions, constant within a statement.
func isClock(name string) bool {
	switch name {
	case "GETDATE", "CURRENT_TIMESTAMP", "GETUTCDATE", "SYSDATETIME", "SYSUTCDATETIME":
		return true
	}
	return false
}

// Covers reports whether an index's entries hold every column in
// need, each exactly (keys.ExactInKey for those read from the key).
func Covers(ix *catalog.IndexDef, t *catalog.TableDef, need map[int]bool) bool {
	exact := exec.ExactKeyPrefix(t, ix.Columns)
	for c := range need {
		inPK := slices.Contains(t.PK, c) && exec.ExactKeyPrefix(t, t.PK) == len(t.PK)
		if !slices.Contains(ix.Include, c) && !slices.Contains(ix.Columns[:exact], c) && !inPK {
			return false
		}
	}
	return true
}

// KeyOrder is the order a table scan delivers its rows in: key columns
// (of the table), which of them descend, and how many leading ones the
// scan holds constant; unique when no two rows share the whole key.
type KeyOrder struct {
	Cols   []int
	Desc   []bool
	Fixed  int
	Unique bool
}

// Serves reports whether reading in this order (backward when reversed)
// returns rows ordered by the columns cols (at base in the combined row),
// desc giving each one's direction.
func (o KeyOrder) Serves(cols []int, desc []bool, base int) (ok, backward bool) {
	j, set := o.Fixed, false
	for i, c := range cols {
		if slices.Contains(o.Cols[:o.Fixed], c-base) {
			continue // constant in what is read
		}
		if j == len(o.Cols) {
			return o.Unique && len(o.Cols) > 0, backward // the key orders every row already
		}
		if o.Cols[j] != c-base {
			return false, false
		}
		b := desc[i] != o.Desc[j]
		if set && b != backward {
			return false, false
		}
		backward, set = b, true
		j++
	}
	return len(o.Cols) > 0, backward
}

// ScanOrder is the key order a table scan reads in as it is narrowed now:
// the chosen index's, or the primary key's (none for a heap).
func ScanOrder(t *exec.TableScan) KeyOrder {
	switch {
	case t.Seek != nil:
		return KeyOrder{Cols: t.Seek.Index.Columns, Desc: t.Seek.Index.Desc, Fixed: len(t.Seek.Eq), Unique: t.Seek.Index.Unique}
	case len(t.Def.PK) == 0:
		return KeyOrder{}
	case t.Rng != nil:
		return KeyOrder{Cols: t.Def.PK, Desc: make([]bool, len(t.Def.PK)), Fixed: len(t.Rng.Eq), Unique: true}
	}
	return KeyOrder{Cols: t.Def.PK, Desc: make([]bool, len(t.Def.PK)), Fixed: len(t.Eq), Unique: true}
}
