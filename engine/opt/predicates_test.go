package opt

import (
	"testing"

	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/types"
)

// TestConjunctsAndBack: a WHERE clause split into its conjuncts and joined
// again is the same tree, and the estimate of the whole is the product of
// its parts' guesses (equality 10%, range 30%).
func TestConjunctsAndBack(t *testing.T) {
	col := func(i int) exec.Expr { return &exec.ColRef{Idx: i, T: types.TypeInt} }
	one := &exec.Const{V: int64(1), T: types.TypeInt}
	eq := &exec.Compare{Op: "=", L: col(0), R: one}
	lt := &exec.Compare{Op: "<", L: col(1), R: one}
	like := &exec.Like{X: col(2), Pattern: one}
	where := AndAll([]exec.Expr{eq, lt, like})
	parts := Conjuncts(where, nil)
	if len(parts) != 3 || parts[0] != eq || parts[1] != lt || parts[2] != like {
		t.Fatalf("conjuncts %v", parts)
	}
	if AndAll(nil) != nil {
		t.Fatal("AND of nothing is not nil")
	}
	if got, want := Selectivity(where), 0.1*0.3*0.1; got < want*0.999 || got > want*1.001 {
		t.Fatalf("selectivity %v, want %v", got, want)
	}
	or := &exec.Logic{L: eq, R: eq}
	if got := Selectivity(or); got < 0.189 || got > 0.191 {
		t.Fatalf("selectivity of an OR of two equalities %v, want 0.19", got)
	}
}

// TestUniqueColumn: a column alone is unique when it is the whole primary
// key or an unfiltered unique index's whole key.
func TestUniqueColumn(t *testing.T) {
	tbl := &catalog.TableDef{PK: []int{0, 1}, Indexes: []catalog.IndexDef{
		{Unique: true, Columns: []int{2}},
		{Unique: true, Columns: []int{3}, Filter: "[c3] IS NOT NULL"},
		{Columns: []int{4}},
	}}
	for col, want := range []bool{false, false, true, false, false} {
		if got := UniqueColumn(tbl, col); got != want {
			t.Errorf("column %d unique: %v, want %v", col, got, want)
		}
	}
	if !UniqueColumn(&catalog.TableDef{PK: []int{1}}, 1) {
		t.Error("a one-column primary key is unique")
	}
}

// TestKeyCompatible: only values that compare with the key column as the
// column's own type may narrow its range.
func TestKeyCompatible(t *testing.T) {
	for _, c := range []struct {
		col, val types.Type
		want     bool
	}{
		{types.TypeInt, types.TypeBigInt, true},
		{types.TypeInt, types.DecimalType(10, 2), false},
		{types.DecimalType(10, 2), types.DecimalType(8, 1), true},
		{types.DecimalType(10, 2), types.DecimalType(8, 3), false},
		{types.NVarCharType(10), types.NVarCharType(20), true},
		{types.TypeInt, types.TypeUnknown, false},
	} {
		if got := KeyCompatible(c.col, c.val); got != c.want {
			t.Errorf("KeyCompatible(%v, %v) = %v, want %v", c.col, c.val, got, c.want)
		}
	}
}
