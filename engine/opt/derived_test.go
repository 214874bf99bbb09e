package opt

import (
	"testing"

	"mirrordb/engine/exec"
	"mirrordb/types"
)

// TestInnerComparison: a comparison of a derived table's plain column with
// a constant or parameter becomes the same comparison over the inner
// query's column (through a conversion too); one over a computed column,
// or between two columns, stays outside.
func TestInnerComparison(t *testing.T) {
	five := &exec.Const{V: int64(5), T: types.TypeInt}
	project := []exec.Expr{intCol(3), &exec.Arith{Op: "+", L: intCol(1), R: five, T: types.TypeInt}}
	for _, c := range []struct {
		cmp  exec.Expr
		want string
	}{
		{&exec.Compare{Op: "=", L: intCol(0), R: five}, "3"},
		{&exec.Compare{Op: "<", L: &exec.ParamRef{N: 0}, R: intCol(0)}, "3"},
		{&exec.Compare{Op: "=", L: &exec.Cast{X: intCol(0), To: types.TypeBigInt}, R: five}, "3"},
		{&exec.Compare{Op: "=", L: intCol(1), R: five}, ""},
		{&exec.Compare{Op: "=", L: intCol(0), R: intCol(1)}, ""},
		{&exec.IsNull{X: intCol(0)}, ""},
	} {
		got := innerComparison(c.cmp, project)
		if c.want == "" {
			if got != nil {
				t.Errorf("%T pushed, want kept", c.cmp)
			}
			continue
		}
		cmp, ok := got.(*exec.Compare)
		if !ok {
			t.Fatalf("%v not pushed", c.cmp)
		}
		var inner exec.Expr = cmp.L
		if _, isParam := cmp.L.(*exec.ParamRef); isParam {
			inner = cmp.R
		}
		if cast, isCast := inner.(*exec.Cast); isCast {
			inner = cast.X
		}
		if r, ok := inner.(*exec.ColRef); !ok || r.Idx != 3 {
			t.Errorf("pushed over %v, want inner column 3", inner)
		}
	}
}
