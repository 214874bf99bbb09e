package opt

import (
	"testing"

	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/types"
)

// TestEstimates: an equality on a one-column primary key keeps one row,
// one on another column 10%; a cross join every pair, another join the
// bigger input.
func TestEstimates(t *testing.T) {
	tbl := &catalog.TableDef{PK: []int{0}}
	one := &exec.Const{V: int64(1), T: types.TypeInt}
	eq := func(col int) exec.Expr {
		return &exec.Compare{Op: "=", L: &exec.ColRef{Idx: col, T: types.TypeInt}, R: one}
	}
	if got := FilteredRows(500, tbl, 3, eq(3)); got != 1 {
		t.Errorf("key equality keeps %v rows, want 1", got)
	}
	if got := FilteredRows(500, tbl, 3, eq(4)); got < 49.99 || got > 50.01 {
		t.Errorf("non-key equality keeps %v rows, want 50", got)
	}
	if got := FilteredRows(500, nil, 3, eq(3)); got < 49.99 || got > 50.01 {
		t.Errorf("equality over no table keeps %v rows, want 50", got)
	}
	if got := JoinRows(exec.CrossJoin, 20, 30); got != 600 {
		t.Errorf("cross join %v rows, want 600", got)
	}
	if got := JoinRows(exec.LeftJoin, 20, 30); got != 30 {
		t.Errorf("left join %v rows, want 30", got)
	}
}
