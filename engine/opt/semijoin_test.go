package opt

import (
	"testing"

	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/session"
	"mirrordb/types"
)

// inSub is "x IN (SELECT a FROM t)" (NOT IN when not), the subquery's one
// column of type st.
func inSub(x exec.Expr, t *catalog.TableDef, st types.Type, not, correlated bool) *exec.InSubquery {
	p := &exec.Select{Cols: []session.Column{{Name: "a", Type: st}}}
	p.Src, p.Project = &exec.TableScan{Def: t}, []exec.Expr{&exec.ColRef{Idx: 0, T: st}}
	return &exec.InSubquery{X: x, Sub: &exec.Subquery{Plan: p, Correlated: correlated}, Not: not}
}

// outerCol is the statement's column i as a subquery at depth level+1
// names it.
func outerCol(level, i int) *exec.OuterRef {
	return &exec.OuterRef{Level: level, Idx: i, T: types.TypeInt, Name: "o"}
}

// exists is "EXISTS (SELECT 1 FROM src WHERE where)", correlated.
func exists(src exec.Operator, where exec.Expr) *exec.Subquery {
	p := &exec.Select{Cols: []session.Column{{Name: "", Type: types.TypeInt}}}
	p.Src, p.Where, p.Project = src, where, []exec.Expr{&exec.Const{V: int64(1), T: types.TypeInt}}
	return &exec.Subquery{Plan: p, Exists: true, Correlated: true}
}

// TestSemiJoinIn: an uncorrelated IN or NOT IN over one column is a
// hash semi-join (anti for NOT IN) keyed on x, converting both sides
// when their representations differ; a correlated or many-column
// subquery, or NOT (x IN ...), stays a per-row subquery.
func TestSemiJoinIn(t *testing.T) {
	_, small, _ := joinTables(10)
	s := SemiJoin(inSub(intCol(1), small, types.TypeInt, false, false), 0)
	if s == nil || s.In == nil || s.Anti || len(s.OuterKeys) != 1 || s.OuterKeys[0].(*exec.ColRef).Idx != 1 {
		t.Fatalf("x IN (SELECT a FROM small) planned as %+v, want a semi-join keyed on x", s)
	}
	if s.Convert.Kind != 0 || s.Floats[0] {
		t.Errorf("int IN (int): convert %v, floats %v; want neither", s.Convert, s.Floats)
	}
	if s := SemiJoin(inSub(intCol(1), small, types.TypeInt, true, false), 0); s == nil || !s.Anti {
		t.Errorf("x NOT IN (SELECT a FROM small) planned as %+v, want an anti semi-join", s)
	}
	if s := SemiJoin(inSub(intCol(1), small, types.TypeSysname, false, false), 0); s == nil || s.Convert.Kind == 0 {
		t.Errorf("int IN (nvarchar): %+v, want both sides converted", s)
	}
	if s := SemiJoin(inSub(intCol(1), small, types.TypeFloat, false, false), 0); s == nil || !s.Floats[0] {
		t.Errorf("int IN (float): %+v, want the keys compared as approximate numbers", s)
	}

	refused := map[string]exec.Expr{
		"correlated":    inSub(intCol(1), small, types.TypeInt, false, true),
		"NOT (x IN ..)": &exec.Not{X: inSub(intCol(1), small, types.TypeInt, false, false)},
		"two columns": func() exec.Expr {
			in := inSub(intCol(1), small, types.TypeInt, false, false)
			in.Sub.Plan.Cols = append(in.Sub.Plan.Cols, session.Column{Name: "b", Type: types.TypeInt})
			return in
		}(),
		"uncorrelated EXISTS": &exec.Subquery{Plan: exists(&exec.TableScan{Def: small}, colEq(0, 1)).Plan, Exists: true},
		"a plain compare":     colEq(0, 1),
	}
	for name, c := range refused {
		if s := SemiJoin(c, 0); s != nil {
			t.Errorf("%s planned as a semi-join %+v, want none", name, s)
		}
	}
}

// TestSemiJoinExists: EXISTS over one table whose WHERE clause names the
// statement's row only in "inner = outer column" equalities decorrelates
// into a semi-join on them, its other conjuncts filtering the inner rows;
// NOT EXISTS into an anti semi-join. Anything else stays a subquery run
// per row.
func TestSemiJoinExists(t *testing.T) {
	_, small, _ := joinTables(10)
	scan := func() *exec.TableScan { return &exec.TableScan{Def: small} }
	corr := func(level int) exec.Expr {
		return &exec.Compare{Op: "=", L: intCol(1), R: outerCol(level, 0)}
	}
	and := func(l, r exec.Expr) exec.Expr { return &exec.Logic{And: true, L: l, R: r} }

	s := SemiJoin(exists(scan(), and(colEq(0, 5), corr(1))), 1)
	if s == nil || s.Anti || s.In != nil {
		t.Fatalf("EXISTS (... WHERE a = 5 AND b = o.x) planned as %+v, want a semi-join", s)
	}
	if len(s.InnerKeys) != 1 || s.InnerKeys[0].(*exec.ColRef).Idx != 1 || s.OuterKeys[0].(*exec.ColRef).Idx != 0 || s.OuterRefs[0].Level != 1 {
		t.Errorf("keys inner %v outer %v, want small.b against the statement's column 0", s.InnerKeys, s.OuterKeys)
	}
	if f, ok := s.Filter.(*exec.Compare); !ok || f.L.(*exec.ColRef).Idx != 0 {
		t.Errorf("filter %v, want a = 5 left on the inner rows", s.Filter)
	}
	// the outer column on the left, and NOT EXISTS
	flipped := &exec.Compare{Op: "=", L: outerCol(0, 0), R: intCol(1)}
	if s := SemiJoin(&exec.Not{X: exists(scan(), flipped)}, 0); s == nil || !s.Anti || s.Filter != nil {
		t.Errorf("NOT EXISTS (... WHERE o.x = b) planned as %+v, want an anti semi-join without a filter", s)
	}

	grouped := exists(scan(), corr(0))
	grouped.Plan.Grouped = true
	topped := exists(scan(), corr(0))
	topped.Plan.Top = &exec.Const{V: int64(1), T: types.TypeInt}
	sought := exists(&exec.TableScan{Def: small, Eq: []exec.Expr{outerCol(0, 1)}}, corr(0))
	refused := map[string]*exec.Subquery{
		"grouped": grouped,
		"TOP":     topped,
		"a join": exists(&exec.NestedLoops{Kind: exec.InnerJoin, Left: scan(), Right: scan(), LW: 2, RW: 2},
			corr(0)),
		"no WHERE":                    exists(scan(), nil),
		"a key value reads the outer": sought,
		"correlated by <": exists(scan(),
			&exec.Compare{Op: "<", L: intCol(1), R: outerCol(0, 0)}),
		"the outer column in an expression": exists(scan(), &exec.Compare{Op: "=", L: intCol(1),
			R: &exec.Arith{Op: "+", L: outerCol(0, 0), R: &exec.Const{V: int64(1), T: types.TypeInt}}}),
		"the outer column on both sides": exists(scan(), &exec.Compare{Op: "=", L: outerCol(0, 1), R: outerCol(0, 0)}),
		"an OR of equalities":            exists(scan(), &exec.Logic{L: corr(0), R: colEq(0, 1)}),
		// naming only a query further out: no equality on the statement's row
		"another level": exists(scan(), corr(0)),
	}
	for name, sub := range refused {
		level := 0
		if name == "another level" {
			level = 1
		}
		if s := SemiJoin(sub, level); s != nil {
			t.Errorf("EXISTS %s planned as a semi-join %+v, want none", name, s)
		}
	}
}

// TestPlanJoinsSemi: the semi-join conjuncts leave the WHERE clause and
// filter the planned source; an EXISTS seeks its inner table by its key
// per outer row when the outer rows are few (or LOOP JOIN asks), and
// hashes it otherwise (or when HASH JOIN asks).
func TestPlanJoinsSemi(t *testing.T) {
	big, small, tb := joinTables(10)
	plan := func(outer, inner *catalog.TableDef, hints ...string) (*exec.SemiJoin, exec.Expr) {
		t.Helper()
		// EXISTS (SELECT 1 FROM inner WHERE inner.a = outer.a) AND outer.b = 5
		sub := exists(&exec.TableScan{Def: inner}, &exec.Compare{Op: "=", L: intCol(0), R: outerCol(0, 0)})
		src, rest, err := planJoins(&exec.TableScan{Def: outer}, 2, &exec.Logic{And: true, L: sub, R: &exec.Compare{Op: ">", L: intCol(1), R: &exec.Const{V: int64(5), T: types.TypeInt}}}, hints, 0, tb)
		if err != nil {
			t.Fatal(err)
		}
		s, ok := src.(*exec.SemiJoin)
		if !ok {
			t.Fatalf("planned as %T, want a semi-join", src)
		}
		if ts, ok := s.Src.(*exec.TableScan); !ok || ts.Def != outer || s.Width != 2 {
			t.Errorf("the semi-join filters %T (width %d), want the outer table's scan", s.Src, s.Width)
		}
		return s, rest
	}
	s, rest := plan(small, big)
	if s.Seek == nil {
		t.Errorf("10 outer rows against 100000: no seek, want Nested Loops (Left Semi Join)")
	} else if ts, ok := s.Seek.(*exec.TableScan); !ok || len(ts.Eq) != 1 {
		t.Errorf("the seek is %#v, want big's key sought", s.Seek)
	}
	if c, ok := rest.(*exec.Compare); !ok || c.Op != ">" {
		t.Errorf("the WHERE clause left %v, want b > 5", rest)
	}
	if s, _ := plan(small, big, "HASH JOIN"); s.Seek != nil {
		t.Errorf("OPTION (HASH JOIN) seeks, want a hash match")
	}
	if s, _ := plan(big, small); s.Seek != nil {
		t.Errorf("100000 outer rows against 10 seek, want a hash match")
	}
	if s, _ := plan(big, small, "LOOP JOIN"); s.Seek == nil {
		t.Errorf("OPTION (LOOP JOIN) hashes, want the seek")
	}
	if n := tb.Estimate(s); n != 5 {
		t.Errorf("the semi-join's estimate is %v rows, want half the outer 10", n)
	}
}
