package opt

import (
	"errors"
	"testing"

	"mirrordb/engine/exec"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// TestPlanSelect: the passes over one table's bound SELECT: the ORDER BY
// of bare key columns is served by the scan, not an expression's nor a
// grouped query's; a GROUP BY whose columns an index covers reads it, its
// groups arriving together; the columns read are decoded alone, from the
// index's entries when they cover them, and nothing is narrowed when the
// columns read cannot be told.
func TestPlanSelect(t *testing.T) {
	col := func(i int) exec.Expr { return &exec.ColRef{Idx: i, T: types.TypeInt} }
	sel := func(project ...exec.Expr) *exec.Select {
		p := &exec.Select{}
		p.Src, p.Project = &exec.TableScan{Def: scansTable()}, project
		return p
	}
	plan := func(p *exec.Select) *exec.TableScan {
		t.Helper()
		if err := PlanSelect(p, Query{Width: 4}, Tables{Rows: func(*exec.TableScan) float64 { return 100 }, Implies: always}); err != nil {
			t.Fatal(err)
		}
		return p.Src.(*exec.TableScan)
	}

	p := sel(col(3))
	p.OrderBy = []exec.OrderKey{{Col: -1, X: col(0), Desc: true}}
	if plan(p); !p.Presorted {
		t.Error("ORDER BY a DESC is sorted, want the key read backward")
	}
	p = sel(col(0))
	p.OrderBy = []exec.OrderKey{{Col: 0, Desc: false}} // ORDER BY 1
	if plan(p); !p.Presorted {
		t.Error("ORDER BY 1 (the key's first column) is sorted, want the key's order")
	}
	p = sel(col(3))
	p.OrderBy = []exec.OrderKey{{Col: -1, X: &exec.Arith{Op: "+", L: col(0), R: col(1), T: types.TypeInt}}}
	if plan(p); p.Presorted {
		t.Error("ORDER BY a + b is served by the key's order")
	}
	p = sel(col(0))
	p.Grouped, p.GroupBy = true, []exec.Expr{col(0)}
	p.OrderBy = []exec.OrderKey{{Col: -1, X: col(0)}}
	if plan(p); p.Presorted || !p.GroupsArrive {
		t.Errorf("GROUP BY a ORDER BY a: presorted %v, groups arrive %v; want the groups streamed, then sorted", p.Presorted, p.GroupsArrive)
	}

	// SELECT c, COUNT(*) ... GROUP BY c: the index on c covers it
	p = sel(col(2))
	p.Grouped, p.GroupBy = true, []exec.Expr{col(2)}
	ts := plan(p)
	if !p.GroupsArrive || ts.Seek == nil || !ts.Seek.Covering || ts.Seek.Index.Name != "ix_c" {
		t.Errorf("GROUP BY c: groups arrive %v, seek %+v; want the covering index on c read whole", p.GroupsArrive, ts.Seek)
	}
	if !ts.Need[2] || ts.Need[3] {
		t.Errorf("the scan decodes %v, want c alone", ts.Need)
	}
	p = sel(col(3))
	p.Grouped, p.GroupBy = true, []exec.Expr{col(2)}
	if ts := plan(p); p.GroupsArrive || ts.Seek != nil {
		t.Error("GROUP BY c reads the index on c that lacks d")
	}

	// a column opt cannot tell (a correlated subquery may read any)
	p = sel(&exec.Subquery{Plan: &exec.Select{}, Correlated: true})
	if ts := plan(p); ts.Need != nil {
		t.Errorf("the scan decodes only %v of a statement whose columns are unknown", ts.Need)
	}
}

// TestPlanSelectJoins: a join is planned (a chain) unless the session's
// oldJoins asks for the top-level access path alone; a hint that leaves
// no plan fails with 8622.
func TestPlanSelectJoins(t *testing.T) {
	big, small, tb := joinTables(10)
	sel := func() *exec.Select {
		p := &exec.Select{}
		p.Src = &exec.NestedLoops{Kind: exec.InnerJoin, Left: &exec.TableScan{Def: big}, Right: &exec.TableScan{Def: small}, On: eqCols(0, 3), LW: 2, RW: 2}
		p.Project = []exec.Expr{intCol(1)}
		return p
	}
	p := sel()
	if err := PlanSelect(p, Query{Width: 4}, tb); err != nil {
		t.Fatal(err)
	}
	if _, ok := p.Src.(*exec.JoinChain); !ok {
		t.Errorf("an inner join planned as %T, want a chain", p.Src)
	}
	p = sel()
	if err := PlanSelect(p, Query{Width: 4, OldJoins: true}, tb); err != nil {
		t.Fatal(err)
	}
	if _, ok := p.Src.(*exec.NestedLoops); !ok {
		t.Errorf("with oldJoins the join planned as %T, want nested loops", p.Src)
	}
	p = sel()
	p.Src.(*exec.NestedLoops).On = &exec.Compare{Op: "<", L: intCol(0), R: intCol(3)}
	var se *sqlerr.Error
	if err := PlanSelect(p, Query{Width: 4, Hints: []string{"HASH JOIN"}}, tb); !errors.As(err, &se) || se.Number != 8622 {
		t.Errorf("HASH JOIN without an equality: %v, want Msg 8622", err)
	}
}
