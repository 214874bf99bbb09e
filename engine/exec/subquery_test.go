package exec

import (
	"context"
	"fmt"
	"testing"

	"mirrordb/engine/govern"
	"mirrordb/session"
	"mirrordb/types"
)

func intCol(i int) Expr { return &ColRef{Idx: i, T: types.TypeInt} }

// intSelect is "SELECT c<out> FROM src WHERE where", built, its one
// result column an int.
func intSelect(src Operator, where Expr, out int) *Select {
	p := &Select{
		Cols:        []session.Column{{Name: "c", Type: types.TypeInt}},
		SelectParts: SelectParts{Src: src, Scope: colNames{}, Where: where, Project: []Expr{intCol(out)}},
	}
	p.Build()
	return p
}

// TestSelectWithSubqueries builds bound SELECTs from exec alone, with
// subqueries in their WHERE clauses, and checks the rows they produce:
// IN over a list holding a NULL (a match is true, no match is NULL, so
// NOT IN keeps no row), and a correlated EXISTS that runs per outer row
// and gives back the rows it kept for the previous one (run over 20,000
// outer rows within a 64 kB budget the kept rows would otherwise pass).
func TestSelectWithSubqueries(t *testing.T) {
	col, sel := intCol, intSelect
	outer := rows{{int64(1), "a"}, {int64(2), "b"}, {int64(3), "c"}, {nil, "n"}}
	inner := sel(rows{{int64(1)}, {int64(3)}, {nil}}, nil, 0)

	pool := govern.NewPool(64<<10, 64<<10)
	gov := pool.Begin(context.Background())
	defer gov.End()
	run := func(p *Select) string {
		t.Helper()
		e := &Env{Ctx: context.Background(), Gov: gov}
		got, err := CollectRows(e, p, -1)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(got)
	}

	in := sel(outer, &InSubquery{X: col(0), Sub: &Subquery{Plan: inner}}, 1)
	if got := run(in); got != "[[a] [c]]" {
		t.Errorf("IN: %s, want [[a] [c]]", got)
	}
	notIn := sel(outer, &InSubquery{X: col(0), Sub: &Subquery{Plan: inner}, Not: true}, 1)
	if got := run(notIn); got != "[]" {
		t.Errorf("NOT IN over a NULL: %s, want []", got)
	}

	// EXISTS (SELECT * FROM wide WHERE wide.c0 = outer.c0): each outer
	// row's subquery keeps its 1 kB row until the next outer row.
	wide := rows{{int64(1), string(make([]byte, 1024))}, {int64(3), string(make([]byte, 1024))}}
	corr := sel(wide, &Compare{Op: "=", L: col(0), R: &OuterRef{Level: 0, Idx: 0, T: types.TypeInt}}, 1)
	var many rows
	for i := 0; i < 20000; i++ {
		many = append(many, outer[i%len(outer)])
	}
	exists := sel(many, &Subquery{Plan: corr, Exists: true, Correlated: true}, 1)
	e := &Env{Ctx: context.Background(), Gov: gov}
	got, err := CollectRows(e, exists, 3)
	if err != nil {
		t.Fatalf("correlated EXISTS: %v", err)
	}
	if fmt.Sprint(got) != "[[a] [c] [a]]" {
		t.Errorf("correlated EXISTS: %v, want [[a] [c] [a]]", got)
	}
	n := 0
	if err := exists.Run(e, func([]types.Value) error { n++; return nil }); err != nil {
		t.Fatalf("correlated EXISTS over 20,000 rows: %v", err)
	}
	if n != 10000 {
		t.Errorf("correlated EXISTS over 20,000 rows: %d rows, want 10000", n)
	}
}
