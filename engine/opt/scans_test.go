package opt

import (
	"testing"

	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/types"
)

// scansTable is t(a int, b int, c int, d int) with primary key (a, b) and
// an index on c; the index's state and filter are the test's to set.
func scansTable() *catalog.TableDef {
	intT := types.TypeInt
	return &catalog.TableDef{ID: 1, Name: "t", PK: []int{0, 1},
		Columns: []catalog.ColumnDef{{Name: "a", Type: intT}, {Name: "b", Type: intT}, {Name: "c", Type: intT}, {Name: "d", Type: intT}},
		Indexes: []catalog.IndexDef{{ID: 2, Name: "ix_c", Columns: []int{2}, Desc: []bool{false}}}}
}

func colEq(i int, v int64) exec.Expr {
	return &exec.Compare{Op: "=", L: &exec.ColRef{Idx: i, T: types.TypeInt}, R: &exec.Const{V: v, T: types.TypeInt}}
}

func always(*catalog.TableDef, *catalog.IndexDef, []exec.Expr, int) bool { return true }

// TestChooseAccess: equalities on the whole primary key make a point
// lookup; on a prefix, a prefix scan; on the index's column, a seek of
// the index unless it is not ready or its filter is not implied; a join's
// input finds its columns at base.
func TestChooseAccess(t *testing.T) {
	and := func(l, r exec.Expr) exec.Expr { return &exec.Logic{And: true, L: l, R: r} }
	never := func(*catalog.TableDef, *catalog.IndexDef, []exec.Expr, int) bool { return false }
	building := scansTable()
	building.Indexes[0].State = catalog.IndexBuilding
	for _, c := range []struct {
		name     string
		def      *catalog.TableDef
		where    exec.Expr
		base     int
		implies  Implies
		eq       int
		seekOn   string
		rngBound bool
	}{
		{"point lookup", scansTable(), and(colEq(0, 1), colEq(1, 2)), 0, always, 2, "", false},
		{"key prefix", scansTable(), colEq(0, 1), 0, always, 1, "", false},
		{"index seek", scansTable(), colEq(2, 5), 0, always, 0, "ix_c", false},
		{"the key prefix wins a tie", scansTable(), and(colEq(0, 1), colEq(2, 5)), 0, always, 1, "", false},
		{"filter not implied", scansTable(), colEq(2, 5), 0, never, 0, "", false},
		{"index not ready", building, colEq(2, 5), 0, always, 0, "", false},
		{"a join's input at base 4", scansTable(), colEq(6, 5), 4, always, 0, "ix_c", false},
		{"a range of the key", scansTable(), &exec.Compare{Op: ">", L: &exec.ColRef{Idx: 0, T: types.TypeInt}, R: &exec.Const{V: int64(3), T: types.TypeInt}}, 0, always, 0, "", true},
	} {
		ts := &exec.TableScan{Def: c.def}
		ChooseAccess(ts, c.where, c.base, c.implies)
		seekOn := ""
		if ts.Seek != nil {
			seekOn = ts.Seek.Index.Name
		}
		if len(ts.Eq) != c.eq || seekOn != c.seekOn || (ts.Rng != nil) != c.rngBound {
			t.Errorf("%s: eq %d seek %q range %v; want eq %d seek %q range %v", c.name, len(ts.Eq), seekOn, ts.Rng != nil, c.eq, c.seekOn, c.rngBound)
		}
	}
}

// TestUseKeyOrder: ORDER BY a DESC, b DESC reads the key backward; ORDER
// BY c reads the index on c only when a TOP stops the read or the index
// covers the statement, and a GROUP BY c then arrives group by group.
func TestUseKeyOrder(t *testing.T) {
	ts := &exec.TableScan{Def: scansTable()}
	if !UseKeyOrder(ts, Ordering{Cols: []int{0, 1}, Desc: []bool{true, true}}, always) || !ts.Backward || !ts.Ordered {
		t.Errorf("ORDER BY a DESC, b DESC: backward %v ordered %v", ts.Backward, ts.Ordered)
	}
	byC := Ordering{Cols: []int{2}, Desc: []bool{false}, Need: map[int]bool{2: true, 3: true}, Known: true}
	ts = &exec.TableScan{Def: scansTable()}
	if UseKeyOrder(ts, byC, always) || ts.Seek != nil {
		t.Error("ORDER BY c fetches every row through the index instead of sorting")
	}
	byC.Stops = true
	if !UseKeyOrder(ts, byC, always) || ts.Seek == nil || ts.Seek.Index.Name != "ix_c" {
		t.Error("ORDER BY c under a TOP does not read the index on c")
	}
	byC.Stops, byC.Need = false, map[int]bool{0: true, 2: true}
	ts = &exec.TableScan{Def: scansTable()}
	if !UseKeyOrder(ts, byC, always) || ts.Seek == nil {
		t.Error("ORDER BY c does not read the index on c that covers the statement")
	}
	c := []exec.Expr{&exec.ColRef{Idx: 2, T: types.TypeInt}}
	if !GroupsTogether(ts, c) {
		t.Error("GROUP BY c does not arrive together from the index on c")
	}
}

// TestGroupsTogether: the key (a, b) delivers GROUP BY a and GROUP BY b, a
// together, not GROUP BY b alone; a covering index on c is read for GROUP
// BY c, an index that does not cover is not.
func TestGroupsTogether(t *testing.T) {
	col := func(i int) exec.Expr { return &exec.ColRef{Idx: i, T: types.TypeInt} }
	ts := &exec.TableScan{Def: scansTable()}
	for _, c := range []struct {
		by   []exec.Expr
		want bool
	}{{[]exec.Expr{col(0)}, true}, {[]exec.Expr{col(1), col(0)}, true}, {[]exec.Expr{col(1)}, false}, {nil, false}} {
		if got := GroupsTogether(ts, c.by); got != c.want {
			t.Errorf("GroupsTogether(%d columns from %v) = %v", len(c.by), c.by[0], got)
		}
	}
	UseIndexForGroups(ts, []exec.Expr{col(2)}, nil, map[int]bool{2: true, 3: true}, always)
	if ts.Seek != nil {
		t.Error("GROUP BY c reads an index on c that lacks d")
	}
	UseIndexForGroups(ts, []exec.Expr{col(2)}, nil, map[int]bool{2: true, 0: true}, always)
	if ts.Seek == nil || !GroupsTogether(ts, []exec.Expr{col(2)}) {
		t.Error("GROUP BY c does not read the covering index on c")
	}
	UseCovering(ts, map[int]bool{2: true, 0: true})
	if !ts.Seek.Covering || !ts.Need[0] || ts.Need[1] || !ts.Need[2] || ts.Need[3] {
		t.Errorf("UseCovering: covering %v need %v", ts.Seek.Covering, ts.Need)
	}
}

// TestEstimateRows: a scan estimates its table's rows, a point lookup one;
// a cross join the product, an inner join the bigger input; a semi-join
// half its outer rows, under a filter too; a row source opt has no rule
// for is guessed at 1000.
func TestEstimateRows(t *testing.T) {
	rows := func(*exec.TableScan) float64 { return 500 }
	scan := &exec.TableScan{Def: scansTable()}
	point := &exec.TableScan{Def: scansTable(), Eq: []exec.Expr{colEq(0, 1), colEq(1, 1)}}
	for _, c := range []struct {
		name string
		src  exec.Operator
		want float64
	}{
		{"scan", scan, 500},
		{"point lookup", point, 1},
		{"cross join", &exec.NestedLoops{Kind: exec.CrossJoin, Left: scan, Right: scan}, 250000},
		{"inner join", &exec.NestedLoops{Kind: exec.InnerJoin, Left: point, Right: scan}, 500},
		{"a semi-join: half its outer rows", &exec.SemiJoin{Src: scan}, 250},
		{"a semi-join under c = 1", &exec.InputFilter{Src: &exec.SemiJoin{Src: scan}, Cond: colEq(2, 1), Width: 4}, 25},
		{"a row source that does not estimate itself", &exec.VirtualScan{}, 1000},
	} {
		if got := EstimateRows(c.src, rows); got != c.want {
			t.Errorf("%s: %v rows, want %v", c.name, got, c.want)
		}
	}
}
