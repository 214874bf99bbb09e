package exec

import (
	"testing"

	"mirrordb/types"
)

// A variable exists for the text after its DECLARE, under any case of its
// name, and a name is declared once.
func TestVarsLookup(t *testing.T) {
	var vs Vars
	a, ok := vs.Declare("Total", types.TypeInt, 10)
	if !ok {
		t.Fatal("first declaration refused")
	}
	if _, ok := vs.Declare("TOTAL", types.TypeBigInt, 40); ok {
		t.Error("a second declaration of the same name (any case) was accepted")
	}
	for _, c := range []struct {
		name string
		at   int
		want *Var
	}{
		{"total", 11, a}, {"TOTAL", 500, a}, {"total", 10, nil}, {"total", 3, nil}, {"other", 50, nil},
	} {
		if got := vs.Lookup(c.name, c.at); got != c.want {
			t.Errorf("Lookup(%q, %d) = %v, want %v", c.name, c.at, got, c.want)
		}
	}
	var none *Vars
	if none.Lookup("total", 100) != nil {
		t.Error("a batch without variables found one")
	}
	a.V = int32(7)
	if v, _ := (&VarRef{Var: a}).Eval(nil); v != int32(7) {
		t.Errorf("VarRef reads %v, want the variable's current value 7", v)
	}
}
