package exec

import (
	"bytes"
	"context"
	"testing"

	"mirrordb/engine/catalog"
	"mirrordb/types"
)

// TestKeySeekRanges computes a seek's key ranges from exec alone: an IN
// list's values in key order, once each, a NULL among them matching
// nothing; bounds that cross give no range; = NULL reads nothing.
func TestKeySeekRanges(t *testing.T) {
	e := &Env{Ctx: context.Background()}
	c := func(v types.Value) Expr { return &Const{V: v, T: types.TypeInt} }
	it := []types.Type{types.TypeInt, types.TypeInt}
	prefix := []byte("t/")
	within := func(r KeyRange, key []byte) bool {
		return bytes.Compare(r.Lo, key) <= 0 && (r.Hi == nil || bytes.Compare(key, r.Hi) < 0)
	}
	key := func(a, b int64) []byte {
		return SeekKey(SeekKey(append([]byte{}, prefix...), a, types.TypeInt, false), b, types.TypeInt, false)
	}

	in := &KeySeek{Eq: []Expr{c(int64(7))}, In: []Expr{c(int64(3)), c(int64(1)), c(nil), c(int64(3))}, Types: it, Desc: []bool{false, false}}
	rs, err := in.Ranges(e, prefix)
	if err != nil || len(rs) != 2 {
		t.Fatalf("IN (3, 1, NULL, 3): %d ranges, %v; want 2", len(rs), err)
	}
	if !within(rs[0], key(7, 1)) || !within(rs[1], key(7, 3)) || within(rs[0], key(7, 3)) || within(rs[1], key(7, 2)) {
		t.Errorf("IN (3, 1): ranges %x do not hold exactly 7/1 then 7/3", rs)
	}
	if within(rs[0], key(8, 1)) {
		t.Errorf("IN under = 7: the range %x holds 8/1", rs[0])
	}

	between := &KeySeek{Eq: []Expr{c(int64(7))}, Lo: c(int64(2)), Hi: c(int64(4)), HiX: true, Types: it, Desc: []bool{false, false}}
	if rs, err = between.Ranges(e, prefix); err != nil || len(rs) != 1 {
		t.Fatalf(">= 2 AND < 4: %d ranges, %v", len(rs), err)
	}
	for v, want := range map[int64]bool{1: false, 2: true, 3: true, 4: false} {
		if within(rs[0], key(7, v)) != want {
			t.Errorf(">= 2 AND < 4: 7/%d in the range is %v", v, !want)
		}
	}
	var x Explainer
	col := func(i int) string { return []string{"[a]", "[b]"}[i] }
	in.Eq[0] = &Cast{X: c(int64(7)), To: types.TypeBigInt} // a constant's conversion is not printed
	for s, want := range map[*KeySeek]string{
		in:      "[a]=(7) AND [b]=(3) OR [a]=(7) AND [b]=(1) OR [a]=(7) AND [b]=NULL OR [a]=(7) AND [b]=(3)",
		between: "[a]=(7) AND [b] >= (2) AND [b] < (4)",
	} {
		if got := s.Explain(&x, &Names{}, col); got != want {
			t.Errorf("SEEK:(%s), want SEEK:(%s)", got, want)
		}
	}
	desc := &KeySeek{Lo: c(int64(2)), Hi: c(int64(4)), Types: it, Desc: []bool{true, false}}
	if rs, err = desc.Ranges(e, prefix); err != nil || len(rs) != 1 {
		t.Fatalf("descending BETWEEN 2 AND 4: %d ranges, %v", len(rs), err)
	}
	for v, want := range map[int64]bool{1: false, 2: true, 4: true, 5: false} {
		if within(rs[0], SeekKey(append([]byte{}, prefix...), v, types.TypeInt, true)) != want {
			t.Errorf("descending BETWEEN 2 AND 4: %d in the range is %v", v, !want)
		}
	}

	for name, s := range map[string]*KeySeek{
		"> 4 AND < 2": {Lo: c(int64(4)), LoX: true, Hi: c(int64(2)), HiX: true, Types: it, Desc: []bool{false, false}},
		"= NULL":      {Eq: []Expr{c(nil)}, Types: it, Desc: []bool{false, false}},
		"> NULL":      {Lo: c(nil), Types: it, Desc: []bool{false, false}},
	} {
		if rs, err := s.Ranges(e, prefix); err != nil || len(rs) != 0 {
			t.Errorf("%s: ranges %x, %v; want none", name, rs, err)
		}
	}
}

// TestEqualKeySeek: given values seek a key's leading columns, typed as
// the key's columns (all of them, not only those with values).
func TestEqualKeySeek(t *testing.T) {
	def := &catalog.TableDef{Columns: []catalog.ColumnDef{{Name: "a", Type: types.TypeBigInt}, {Name: "b", Type: types.TypeInt}}}
	eq := []Expr{&Const{V: int64(1), T: types.TypeInt}}
	s := EqualKeySeek(def, []int{1, 0}, []bool{true, false}, eq)
	if len(s.Eq) != 1 || len(s.Types) != 2 || s.Types[0] != types.TypeInt || s.Types[1] != types.TypeBigInt || !s.Desc[0] {
		t.Errorf("EqualKeySeek: %+v", s)
	}
}
