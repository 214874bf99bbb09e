package pgcatalog

import (
	"reflect"
	"testing"

	"mirrordb/types"
)

func TestPGArrayText(t *testing.T) {
	for _, c := range []struct {
		elems []types.Value
		text  string
	}{
		{nil, "{}"},
		{[]types.Value{"a", "b"}, "{a,b}"},
		{[]types.Value{"a b", "", nil, "NULL", `q"\`, "x,y"}, `{"a b","",NULL,"NULL","q\"\\","x,y"}`},
	} {
		if got := ArrayText(c.elems); got != c.text {
			t.Errorf("ArrayText(%v) = %s, want %s", c.elems, got, c.text)
		}
		back, ok := ParseArray(c.text)
		if !ok || !reflect.DeepEqual(back, c.elems) {
			t.Errorf("ParseArray(%s) = %#v, %v; want %#v", c.text, back, ok, c.elems)
		}
	}
	if _, ok := ParseArray("a,b"); ok {
		t.Error("a,b is not an array")
	}
}
