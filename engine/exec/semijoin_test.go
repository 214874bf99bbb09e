package exec

import (
	"context"
	"fmt"
	"testing"

	"mirrordb/engine/govern"
	"mirrordb/session"
	"mirrordb/types"
)

// TestSemiJoinAsSubquery: a semi-join keeps the rows the subquery it
// replaces keeps when run per row, NULLs included: IN and NOT IN over
// rows with a NULL, without one and over none (NOT IN over no rows keeps
// a NULL x), and EXISTS on an equality (a NULL key matches nothing), by
// hash and by a seek per outer row; and draws itself as SQL Server does.
func TestSemiJoinAsSubquery(t *testing.T) {
	col := intCol
	sel := func(src Operator, where Expr) *Select { return intSelect(src, where, 0) }
	outer := rows{{int64(1), "a"}, {int64(2), "b"}, {int64(3), "c"}, {nil, "n"}}
	gov := govern.NewPool(1<<20, 1<<20).Begin(context.Background())
	defer gov.End()
	run := func(op Operator) string {
		t.Helper()
		var got []string
		err := op.Run(&Env{Ctx: context.Background(), Gov: gov}, func(r []types.Value) error {
			got = append(got, fmt.Sprint(r[1]))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(got)
	}
	perRow := func(where Expr) string { return run(&Filter{In: outer, Cond: where}) }

	for name, inner := range map[string]rows{
		"with a NULL": {{int64(1)}, {int64(3)}, {nil}},
		"without":     {{int64(3)}, {int64(1)}},
		"none":        {},
	} {
		for _, not := range []bool{false, true} {
			in := &InSubquery{X: col(0), Sub: &Subquery{Plan: sel(inner, nil)}, Not: not}
			s := &SemiJoin{Src: outer, Width: 2, Anti: not, In: in.Sub, OuterKeys: []Expr{col(0)}, Floats: []bool{false}}
			if got, want := run(s), perRow(in); got != want {
				t.Errorf("NOT %v IN (rows %s): semi-join keeps %s, the subquery %s", not, name, got, want)
			}
		}
	}
	if got := run(&SemiJoin{Src: outer, Width: 2, Anti: true, In: &Subquery{Plan: sel(rows{}, nil)}, OuterKeys: []Expr{col(0)}, Floats: []bool{false}}); got != "[a b c n]" {
		t.Errorf("NOT IN over no rows keeps %s, want every row, the NULL too", got)
	}

	// x IN (SELECT s FROM strings): both sides converted to int
	strs := &Select{Cols: []session.Column{{Name: "s", Type: types.TypeSysname}},
		SelectParts: SelectParts{Src: rows{{"03"}, {"1"}}, Scope: colNames{}, Project: []Expr{&ColRef{Idx: 0, T: types.TypeSysname}}}}
	strs.Build()
	conv := &SemiJoin{Src: outer, Width: 2, In: &Subquery{Plan: strs}, OuterKeys: []Expr{col(0)}, Convert: types.TypeInt, Floats: []bool{false}}
	if got := run(conv); got != "[a c]" {
		t.Errorf("int IN ('03', '1') keeps %s, want [a c]", got)
	}

	// EXISTS (SELECT 1 FROM inner WHERE inner.c0 = outer.c0 AND inner.c1 = 'y')
	inner := rows{{int64(1), "y"}, {int64(2), "no"}, {int64(3), "y"}, {nil, "y"}}
	isY := &Compare{Op: "=", L: &ColRef{Idx: 1, T: types.TypeSysname}, R: &Const{V: "y", T: types.TypeSysname}}
	corr := sel(inner, &Logic{And: true, L: &Compare{Op: "=", L: col(0), R: &OuterRef{Level: 0, Idx: 0, T: types.TypeInt}}, R: isY})
	for _, anti := range []bool{false, true} {
		var exists Expr = &Subquery{Plan: corr, Exists: true, Correlated: true}
		if anti {
			exists = &Not{X: exists}
		}
		want := perRow(exists)
		for _, seek := range []Operator{nil, inner} {
			s := &SemiJoin{Src: outer, Width: 2, Anti: anti, Inner: inner, InnerPlan: corr, Filter: isY,
				InnerKeys: []Expr{col(0)}, OuterKeys: []Expr{col(0)}, Floats: []bool{false},
				Seek: seek, OuterRefs: []*OuterRef{{Level: 0, Idx: 0, T: types.TypeInt}}}
			if got := run(s); got != want {
				t.Errorf("NOT %v EXISTS, seeking %v: semi-join keeps %s, the subquery %s", anti, seek != nil, got, want)
			}
			kind := map[bool]string{false: "Semi Join", true: "Anti Semi Join"}[anti]
			text := "Hash Match(Right " + kind + ", HASH:([c0])=([c0]))"
			if seek != nil {
				text = "Nested Loops(Left " + kind + ", OUTER REFERENCES:([c0]))"
			}
			if n := s.Explain(&Explainer{}, &Names{Columns: colNames{}}); n.Text() != text {
				t.Errorf("drawn as %s, want %s", n.Text(), text)
			}
		}
	}
	if got := perRow(&Subquery{Plan: corr, Exists: true, Correlated: true}); got != "[a c]" {
		t.Errorf("the per-row EXISTS keeps %s, want [a c]", got)
	}
}
