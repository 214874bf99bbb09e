package bind

import (
	"testing"

	"mirrordb/engine/exec"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// withFunctions registers test functions and globals for one test.
func withFunctions(t *testing.T) {
	t.Helper()
	twice := &exec.Builtin{Min: 1, Max: 1, Type: func(ts []types.Type) types.Type { return ts[0] },
		Eval: func(_ *exec.Env, a []types.Value, _ []types.Type) (types.Value, error) { return a[0].(int64) * 2, nil }}
	pick := &exec.Builtin{Min: 1, Max: 2, Type: func(ts []types.Type) types.Type { return ts[0] }, Volatile: true,
		Eval: func(_ *exec.Env, a []types.Value, _ []types.Type) (types.Value, error) { return a[0], nil }}
	seq := &exec.Builtin{Type: func([]types.Type) types.Type { return types.TypeUUID }, Volatile: true}
	isnull := &exec.Builtin{Min: 2, Max: 2, NullSafe: true, Type: func(ts []types.Type) types.Type { return ts[0] }}
	g := &exec.Builtin{Type: func([]types.Type) types.Type { return types.TypeInt }, Volatile: true}
	Functions["TWICE"], Functions["PICK"], Functions["NEWSEQUENTIALID"], Functions["ISNULL"] = twice, pick, seq, isnull
	Globals["TESTGLOBAL"] = g
	t.Cleanup(func() {
		delete(Functions, "TWICE")
		delete(Functions, "PICK")
		delete(Functions, "NEWSEQUENTIALID")
		delete(Functions, "ISNULL")
		delete(Globals, "TESTGLOBAL")
	})
}

func TestBindFunctions(t *testing.T) {
	withFunctions(t)
	eng := &testEngine{}
	b := &Binder{Params: &exec.ParamTypes{}, Engine: eng}
	x, err := bindSelect(t, b, "SELECT twice(21)")
	if c, ok := x.(*exec.Const); err != nil || !ok || c.V != int64(42) {
		t.Errorf("twice(21) bound to %#v (%v), want the folded constant 42", x, err)
	}
	x, err = bindSelect(t, b, "SELECT sys.pick(a) FROM t")
	if c, ok := x.(*exec.Call); err != nil || !ok || c.Name != "PICK" || c.T != types.TypeInt {
		t.Errorf("sys.pick(a) bound to %#v (%v), want a call of PICK typed int", x, err)
	}
	x, err = bindSelect(t, b, "SELECT isnull(a, 2.5) FROM t")
	if c, ok := x.(*exec.Call); err != nil || !ok || c.ArgT[1] != types.TypeInt {
		t.Errorf("isnull(a, 2.5) bound to %#v (%v), want its second argument converted to int", x, err)
	}
	x, err = bindSelect(t, b, "SELECT @@testglobal")
	if c, ok := x.(*exec.Call); err != nil || !ok || c.Name != "@@TESTGLOBAL" || c.T != types.TypeInt {
		t.Errorf("@@testglobal bound to %#v (%v), want a call typed int", x, err)
	}
	x, err = bindSelect(t, b, "SELECT DATEADD(day, 1, '2026-12-07')")
	if err != nil || x.Type() != types.TypeDateTime {
		t.Errorf("DATEADD(day, 1, text) bound to %v (%v), want datetime", x, err)
	}
	if len(eng.asked) != 0 {
		t.Errorf("the engine was asked for %q; functions and globals are bind's", eng.asked)
	}
	if _, err := bindSelect(t, b, "SELECT generate_series(1, 3)"); err != nil || len(eng.asked) != 1 {
		t.Errorf("generate_series: %v, engine asked %q; a set-returning function is the engine's", err, eng.asked)
	}
	for _, c := range []struct {
		text string
		err  int
	}{
		{"SELECT nosuch(1)", 195},
		{"SELECT other.twice(1)", 195},
		{"SELECT twice()", 174},
		{"SELECT pick(1, 2, 3)", 189},
		{"SELECT @@nosuch", 137},
		{"SELECT DATEPART(fortnight, '2026-12-07')", 155},
		{"SELECT NEWSEQUENTIALID()", 302},
		{"SELECT COUNT(*) FROM t", 147},
		{"SELECT ROW_NUMBER() FROM t", 10753},
		{"SELECT ROW_NUMBER() OVER (ORDER BY a) FROM t", 4108},
	} {
		if _, err := bindSelect(t, b, c.text); !sqlerr.Is(err, c.err) {
			t.Errorf("%s: %v, want Msg %d", c.text, err, c.err)
		}
	}
}

func TestBindDefaultAllowsSequentialID(t *testing.T) {
	withFunctions(t)
	b := &Binder{Params: &exec.ParamTypes{}, Engine: &testEngine{}}
	b.Batch.Text = "NEWSEQUENTIALID()"
	x, err := parseExpr(t, "NEWSEQUENTIALID()")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.BindDefault(x, types.TypeUUID); err != nil {
		t.Errorf("NEWSEQUENTIALID() as a uniqueidentifier DEFAULT: %v", err)
	}
	if _, err := b.BindDefault(x, types.TypeInt); !sqlerr.Is(err, 302) {
		t.Errorf("NEWSEQUENTIALID() as an int DEFAULT: %v, want Msg 302", err)
	}
}

func TestBindAggregatesAndWindows(t *testing.T) {
	b := &Binder{Params: &exec.ParamTypes{}, Engine: &testEngine{}}
	sc := testScope()
	agg := &AggContext{Scope: sc}
	for i, text := range []string{"SUM(a)", "COUNT(*)", "SUM(a)"} {
		x, err := parseExpr(t, text)
		if err != nil {
			t.Fatal(err)
		}
		r, err := b.BindExpr(x, sc, agg, types.TypeUnknown)
		ref, ok := r.(*exec.AggRef)
		if want := []int{0, 1, 0}[i]; err != nil || !ok || ref.Idx != want {
			t.Errorf("%s bound to %#v (%v), want aggregate %d", text, r, err, want)
		}
	}
	if len(agg.Aggs) != 2 {
		t.Errorf("%d aggregates collected, want 2 (the same call twice is one)", len(agg.Aggs))
	}
	if x, _ := parseExpr(t, "SUM(SUM(a))"); x != nil {
		if _, err := b.BindExpr(x, sc, agg, types.TypeUnknown); !sqlerr.Is(err, 130) {
			t.Errorf("SUM(SUM(a)): %v, want Msg 130", err)
		}
	}
	b.Win = &WindowContext{}
	for _, text := range []string{"ROW_NUMBER() OVER (ORDER BY a)", "LAG(a, 1, 0) OVER (ORDER BY a)", "ROW_NUMBER() OVER (ORDER BY a)"} {
		x, err := parseExpr(t, text)
		if err != nil {
			t.Fatal(err)
		}
		if r, err := b.BindExpr(x, sc, nil, types.TypeUnknown); err != nil {
			t.Errorf("%s: %v", text, err)
		} else if _, ok := r.(*exec.WinRef); !ok {
			t.Errorf("%s bound to %#v, want a window reference", text, r)
		}
	}
	if len(b.Win.Specs) != 2 || b.Win.Specs[1].T != types.TypeInt {
		t.Errorf("window specs %v, want ROW_NUMBER and LAG typed int", b.Win.Specs)
	}
	if x, _ := parseExpr(t, "RANK() OVER (ORDER BY ROW_NUMBER() OVER (ORDER BY a))"); x != nil {
		if _, err := b.BindExpr(x, sc, nil, types.TypeUnknown); !sqlerr.Is(err, 4109) {
			t.Errorf("a window function inside another: %v, want Msg 4109", err)
		}
	}
}
