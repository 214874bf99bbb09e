package bind

import (
	"testing"

	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/session"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// twoTables is FROM db.dbo.t JOIN (...) AS d: a base table, then an
// aliased source, both with a column a.
func twoTables() *Scope {
	sc := &Scope{}
	sc.Add(&Source{Name: "t", Table: 7, Database: "db", Cols: []session.Column{{Name: "a", Type: types.TypeInt}, {Name: "b", Type: types.TypeBit}}})
	sc.Add(&Source{Name: "d", Alias: true, Cols: []session.Column{{Name: "A", Type: types.VarCharType(3)}, {Name: "true", Type: types.TypeInt}}})
	return sc
}

func ref(parts ...string) *parser.ColumnRef { return &parser.ColumnRef{Parts: parts} }

func TestScopeResolve(t *testing.T) {
	sc := twoTables()
	if sc.Width() != 4 || sc.Sources[1].Offset != 2 {
		t.Fatalf("width %d, second source at %d; want 4 and 2", sc.Width(), sc.Sources[1].Offset)
	}
	noOuter := func(*parser.ColumnRef) (exec.Expr, bool, error) { return nil, false, nil }
	for _, c := range []struct {
		ref  *parser.ColumnRef
		idx  int // column found, or
		err  int // the error's number
		orig exec.ColumnOrigin
	}{
		{ref("b"), 1, 0, exec.ColumnOrigin{Table: 7, Attr: 2}},
		{ref("T", "a"), 0, 0, exec.ColumnOrigin{Table: 7, Attr: 1}},
		{ref("dbo", "t", "a"), 0, 0, exec.ColumnOrigin{Table: 7, Attr: 1}},
		{ref("d", "a"), 2, 0, exec.ColumnOrigin{}},
		{ref("a"), 0, 209, exec.ColumnOrigin{}},
		{ref("dbo", "d", "a"), 0, 4104, exec.ColumnOrigin{}}, // an alias has no schema
		{ref("x", "a"), 0, 4104, exec.ColumnOrigin{}},
		{ref("c"), 0, 207, exec.ColumnOrigin{}},
		{ref("true"), 3, 0, exec.ColumnOrigin{}}, // a column named true wins over the literal
	} {
		x, err := sc.Resolve(c.ref, noOuter)
		if c.err != 0 {
			if !sqlerr.Is(err, c.err) {
				t.Errorf("%v: %v, want Msg %d", c.ref.Parts, err, c.err)
			}
			continue
		}
		col, ok := x.(*exec.ColRef)
		if err != nil || !ok || col.Idx != c.idx || col.Origin != c.orig {
			t.Errorf("%v resolved to %#v (%v), want column %d from %v", c.ref.Parts, x, err, c.idx, c.orig)
		}
	}
	if x, err := (*Scope)(nil).Resolve(ref("false"), nil); err != nil || x.(*exec.Const).V != false {
		t.Errorf("false with no scope: %v, %v", x, err)
	}
}

func TestScopeResolveAsksOuterOnlyForWhatItLacks(t *testing.T) {
	sc := twoTables()
	asked := 0
	outer := func(r *parser.ColumnRef) (exec.Expr, bool, error) {
		asked++
		return &exec.Const{V: int64(1), T: types.TypeInt}, r.Name() == "o", nil
	}
	if x, err := sc.Resolve(ref("o"), outer); err != nil || asked != 1 || x.(*exec.Const).V != int64(1) {
		t.Errorf("an outer column: %v, %v after %d lookups", x, err, asked)
	}
	if _, err := sc.Resolve(ref("b"), outer); err != nil || asked != 1 {
		t.Errorf("a column of the scope asked the outer scopes (%d) or failed: %v", asked, err)
	}
	if _, err := sc.Resolve(ref("t", "zz"), outer); !sqlerr.Is(err, 207) || asked != 1 {
		t.Errorf("a qualified name of a source in scope looked further out (%d): %v", asked, err)
	}
	if _, err := sc.Resolve(ref("nope"), outer); !sqlerr.Is(err, 207) || asked != 2 {
		t.Errorf("an unknown column: %v after %d lookups, want 207 after asking", err, asked)
	}
}

func TestScopeColumnName(t *testing.T) {
	sc := twoTables()
	for idx, want := range map[int]string{0: "[db].[dbo].[t].[a]", 2: "[d].[A]"} {
		if got, ok := sc.ColumnName(idx); !ok || got != want {
			t.Errorf("column %d is named %q, want %q", idx, got, want)
		}
	}
	if _, ok := sc.ColumnName(4); ok {
		t.Error("a column past the row has a name")
	}
}
