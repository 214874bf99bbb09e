package opt

import (
	"testing"

	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/types"
)

// TestFindKeySeek: on a key (a, b) of a table at base 2 in the combined
// row, a = 5 fixes a, and b's bound, IN list or OR of equalities narrows
// b; an equality on b alone, or one whose value reads a column, fixes
// nothing.
func TestFindKeySeek(t *testing.T) {
	def := &catalog.TableDef{Columns: []catalog.ColumnDef{{Name: "a", Type: types.TypeInt}, {Name: "b", Type: types.TypeInt}}}
	col := func(i int) exec.Expr { return &exec.ColRef{Idx: 2 + i, T: types.TypeInt} }
	k := func(v int64) exec.Expr { return &exec.Const{V: v, T: types.TypeInt} }
	cmp := func(op string, l, r exec.Expr) exec.Expr { return &exec.Compare{Op: op, L: l, R: r} }
	find := func(conj ...exec.Expr) exec.KeySeek {
		return FindKeySeek(conj, 2, def, []int{0, 1}, []bool{false, false})
	}

	s := find(cmp(">", col(1), k(3)), cmp("=", k(5), col(0)))
	if len(s.Eq) != 1 || s.Lo == nil || !s.LoX || s.Hi != nil || len(s.Types) != 2 {
		t.Errorf("a = 5 AND b > 3: %+v", s)
	}
	s = find(cmp("=", col(0), k(5)), &exec.InList{X: col(1), List: []exec.Expr{k(1), k(2)}})
	if len(s.Eq) != 1 || len(s.In) != 2 {
		t.Errorf("a = 5 AND b IN (1, 2): %+v", s)
	}
	s = find(cmp("=", col(0), k(5)), &exec.Logic{L: cmp("=", col(1), k(1)), R: cmp("=", k(2), col(1))})
	if len(s.Eq) != 1 || len(s.In) != 2 {
		t.Errorf("a = 5 AND (b = 1 OR 2 = b): %+v", s)
	}
	if s = find(cmp("=", col(1), k(1)), cmp("=", col(0), col(1))); len(s.Eq) != 0 || s.Bounded() {
		t.Errorf("b = 1 AND a = b: %+v, want no seek", s)
	}
}
