package opt

import (
	"testing"

	"mirrordb/engine/exec"
	"mirrordb/types"
)

// TestKeyOrderServes: a key (a, b DESC, c) with a fixed by a seek serves
// ORDER BY b DESC, c forward and ORDER BY b, c DESC backward, with a
// constant column skipped; not c alone, nor b, c mixed against the key.
func TestKeyOrderServes(t *testing.T) {
	o := KeyOrder{Cols: []int{0, 1, 2}, Desc: []bool{false, true, false}, Fixed: 1}
	for _, c := range []struct {
		cols         []int
		desc         []bool
		ok, backward bool
	}{
		{[]int{1, 2}, []bool{true, false}, true, false},
		{[]int{1, 2}, []bool{false, true}, true, true},
		{[]int{0, 1}, []bool{false, true}, true, false},
		{[]int{2}, []bool{false}, false, false},
		{[]int{1, 2}, []bool{true, true}, false, false},
	} {
		ok, back := o.Serves(c.cols, c.desc, 0)
		if ok != c.ok || ok && back != c.backward {
			t.Errorf("Serves(%v, %v) = %v, %v; want %v, %v", c.cols, c.desc, ok, back, c.ok, c.backward)
		}
	}
	if ok, _ := o.Serves([]int{11, 12}, []bool{true, false}, 10); !ok {
		t.Error("the columns at base 10 are the key's")
	}
}

// TestRowIndependent: constants and parameters and arithmetic on them are
// the same for every row; a column is not.
func TestRowIndependent(t *testing.T) {
	one := &exec.Const{V: int64(1), T: types.TypeInt}
	col := &exec.ColRef{Idx: 0, T: types.TypeInt}
	if !RowIndependent(&exec.Arith{Op: "+", L: one, R: one}) {
		t.Error("1 + 1 depends on the row")
	}
	if RowIndependent(&exec.Arith{Op: "+", L: one, R: col}) {
		t.Error("1 + a does not depend on the row")
	}
}
