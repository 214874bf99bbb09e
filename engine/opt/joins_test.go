package opt

import (
	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/types"
	"slices"
	"testing"
)

func TestJoinMethodRules(t *testing.T) {
	for _, c := range []struct {
		outer, reads float64
		seek         bool
	}{{1, 0, true}, {10, 20000, true}, {5000, 20000, true}, {5016, 20000, false}, {20000, 20000, false}, {17, 0, false}} {
		if got := SeekCheaper(c.outer, c.reads); got != c.seek {
			t.Errorf("SeekCheaper(%v, %v) = %v, want %v", c.outer, c.reads, got, c.seek)
		}
	}
	if !BuildLeft(1, 2) || BuildLeft(2, 2) || BuildLeft(3, 2) {
		t.Error("BuildLeft builds on the left only when it is estimated smaller")
	}
}

// TestJoinOrder: the smallest input first, then the connected input that
// keeps the result smallest (a unique key's input matches once per row),
// a cross product last; as written when forced.
func TestJoinOrder(t *testing.T) {
	col := func(i int) exec.Expr { return &exec.ColRef{Idx: i, T: types.TypeInt} }
	keyed := &catalog.TableDef{PK: []int{0}}
	inputs := []Input{
		{Base: 0, W: 1, Est: 1000, Reads: 1000},
		{Base: 1, W: 1, Est: 50, Reads: 50},
		{Base: 2, W: 1, Est: 500, Reads: 500, Table: keyed},
		{Base: 3, W: 1, Est: 10, Reads: 10},
	}
	conds := []exec.Expr{
		&exec.Compare{Op: "=", L: col(0), R: col(1)}, // inputs 0 and 1
		&exec.Compare{Op: "=", L: col(1), R: col(2)}, // 1 and 2, 2's key
	}
	masks := []uint64{0b0011, 0b0110}
	multi := []int{0, 1}
	if got, want := JoinOrder(inputs, conds, masks, multi, false), []int{3, 1, 2, 0}; !slices.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
	if got, want := JoinOrder(inputs, conds, masks, multi, true), []int{0, 1, 2, 3}; !slices.Equal(got, want) {
		t.Errorf("forced order %v, want %v", got, want)
	}
	if got := JoinedRows(50, inputs[2], conds[1:], inputs); got != 50 {
		t.Errorf("rows joined on a unique key %v, want one per row so far (50)", got)
	}
}

// TestSeekValues: the join equalities give a key's columns in key order,
// stopping at the first they do not give; an int outer value seeking a
// bigint key is converted to it.
func TestSeekValues(t *testing.T) {
	tbl := &catalog.TableDef{Columns: []catalog.ColumnDef{{Type: types.TypeBigInt}, {Type: types.TypeInt}, {Type: types.TypeInt}}}
	col := func(i int, ty types.Type) exec.Expr { return &exec.ColRef{Idx: i, T: ty} }
	pairs := []exec.JoinPair{
		{L: col(0, types.TypeInt), R: col(10, types.TypeBigInt)}, // key column 0
		{L: col(1, types.TypeInt), R: col(12, types.TypeInt)},    // key column 2
	}
	eq, used := SeekValues(tbl, []int{0, 1, 2}, nil, 10, pairs)
	if len(eq) != 1 || len(used) != 1 || used[0].R != pairs[0].R {
		t.Fatalf("values %v, pairs used %v: want column 0's alone", eq, used)
	}
	if c, ok := eq[0].(*exec.Cast); !ok || c.To != types.TypeBigInt {
		t.Errorf("int outer value seeks a bigint key as %#v, want a conversion", eq[0])
	}
	if !CanSeek(exec.InnerJoin) || !CanSeek(exec.LeftJoin) || CanSeek(exec.RightJoin) || CanSeek(exec.FullJoin) {
		t.Error("only joins that drop unmatched right rows seek")
	}
}
