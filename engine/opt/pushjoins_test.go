package opt

import (
	"errors"
	"testing"

	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// joinTables are big(a int primary key, c int) with 100000 rows, at
// columns 0-1 of the combined row, and small(a int primary key, b int)
// with rows rows, at columns 2-3; the planner asks their row counts of tb.
func joinTables(smallRows float64) (big, small *catalog.TableDef, tb Tables) {
	intT := types.TypeInt
	big = &catalog.TableDef{ID: 1, Name: "big", PK: []int{0}, Columns: []catalog.ColumnDef{{Name: "a", Type: intT}, {Name: "c", Type: intT}}}
	small = &catalog.TableDef{ID: 2, Name: "small", PK: []int{0}, Columns: []catalog.ColumnDef{{Name: "a", Type: intT}, {Name: "b", Type: intT}}}
	rows := func(ts *exec.TableScan) float64 {
		if ts.Def == big {
			return 100000
		}
		return smallRows
	}
	return big, small, Tables{Rows: rows, Implies: always}
}

func intCol(i int) *exec.ColRef { return &exec.ColRef{Idx: i, T: types.TypeInt} }

func eqCols(l, r int) exec.Expr { return &exec.Compare{Op: "=", L: intCol(l), R: intCol(r)} }

// TestPushJoinsChain: an inner join becomes a chain that starts from the
// smaller input and seeks the big one by its key per row, the big one's
// own filter pushed under the seek; two big inputs are hashed, unless
// OPTION (LOOP JOIN) asks for the seek; OPTION (HASH JOIN) without an
// equality leaves no plan (8622).
func TestPushJoinsChain(t *testing.T) {
	plan := func(smallRows float64, on, where exec.Expr, hints ...string) (*exec.JoinChain, exec.Expr, error) {
		t.Helper()
		big, small, tb := joinTables(smallRows)
		j := &exec.NestedLoops{Kind: exec.InnerJoin, Left: &exec.TableScan{Def: big}, Right: &exec.TableScan{Def: small}, On: on, LW: 2, RW: 2}
		src, rest, err := PushJoins(j, 4, where, hints, tb)
		if err != nil {
			return nil, rest, err
		}
		c, ok := src.(*exec.JoinChain)
		if !ok {
			t.Fatalf("an inner join planned as %T, want a chain", src)
		}
		return c, rest, nil
	}
	c, rest, err := plan(10, eqCols(0, 3), colEq(1, 5))
	if err != nil || rest != nil || len(c.Steps) != 1 {
		t.Fatalf("chain %+v, rest %v, err %v", c, rest, err)
	}
	if ts, ok := c.First.Src.(*exec.TableScan); !ok || ts.Def.Name != "small" {
		t.Errorf("the chain starts from %#v, want the small table", c.First.Src)
	}
	step := c.Steps[0]
	f, ok := step.In.Src.(*exec.InputFilter)
	if !ok || step.Method != exec.MethodSeek {
		t.Fatalf("big joined by method %v through %T, want a seek under its filter", step.Method, step.In.Src)
	}
	if ts := f.Src.(*exec.TableScan); len(ts.Eq) != 1 || ts.Def.Name != "big" {
		t.Errorf("big read with %d key values, want its key sought", len(ts.Eq))
	}

	// big.a = small.a: either key answers the equality
	if c, _, _ := plan(100000, eqCols(0, 2), nil); c.Steps[0].Method != exec.MethodHash {
		t.Errorf("two big inputs joined by method %v, want a hash match", c.Steps[0].Method)
	}
	if c, _, _ := plan(100000, eqCols(0, 2), nil, "LOOP JOIN"); c.Steps[0].Method != exec.MethodSeek {
		t.Errorf("OPTION (LOOP JOIN) joins by method %v, want the seek", c.Steps[0].Method)
	}
	_, _, err = plan(10, &exec.Compare{Op: "<", L: intCol(0), R: intCol(3)}, nil, "HASH JOIN")
	var se *sqlerr.Error
	if !errors.As(err, &se) || se.Number != 8622 {
		t.Errorf("HASH JOIN without an equality: %v, want Msg 8622", err)
	}
}

// TestPushJoinsOuter: a WHERE conjunct on the side a LEFT JOIN fills with
// NULLs stays above the join, one on the preserved side filters it first,
// and the few preserved rows seek the other side by its key.
func TestPushJoinsOuter(t *testing.T) {
	big, small, tb := joinTables(10)
	j := &exec.NestedLoops{Kind: exec.LeftJoin, Left: &exec.TableScan{Def: small}, Right: &exec.TableScan{Def: big}, On: eqCols(1, 2), LW: 2, RW: 2}
	onBig, onSmall := colEq(3, 5), &exec.Compare{Op: ">", L: intCol(1), R: &exec.Const{V: int64(0), T: types.TypeInt}}
	src, rest, err := PushJoins(j, 4, &exec.Logic{And: true, L: onBig, R: onSmall}, nil, tb)
	if err != nil || rest != onBig {
		t.Fatalf("left join: rest %v (err %v), want the big side's conjunct above the join", rest, err)
	}
	sj, ok := src.(*exec.SeekJoin)
	if !ok {
		t.Fatalf("left join planned as %T, want a seek per preserved row", src)
	}
	if f, ok := sj.Left.(*exec.InputFilter); !ok || f.Cond != onSmall {
		t.Errorf("preserved side %#v, want it filtered by its own conjunct", sj.Left)
	}
	if ts, ok := sj.Right.(*exec.TableScan); !ok || len(ts.Eq) != 1 || len(sj.Keys) != 1 {
		t.Errorf("the big side read as %#v with keys %v, want its key sought", sj.Right, sj.Keys)
	}
}

// TestTransitiveEqualities: big.a = small.b and big.a = 7 give small.b = 7;
// an int column is not linked to a varchar one.
func TestTransitiveEqualities(t *testing.T) {
	seven := &exec.Const{V: int64(7), T: types.TypeInt}
	out := transitiveEqualities([]exec.Expr{eqCols(0, 3), &exec.Compare{Op: "=", L: intCol(0), R: seven}})
	if len(out) != 1 {
		t.Fatalf("derived %v, want small.b = 7", out)
	}
	if c := out[0].(*exec.Compare); c.L.(*exec.ColRef).Idx != 3 || c.R != seven {
		t.Errorf("derived %#v, want column 3 = 7", c)
	}
	str := &exec.ColRef{Idx: 3, T: types.Type{Kind: types.VarChar, Length: 10}}
	if out := transitiveEqualities([]exec.Expr{&exec.Compare{Op: "=", L: intCol(0), R: str}, &exec.Compare{Op: "=", L: intCol(0), R: seven}}); len(out) != 0 {
		t.Errorf("int = varchar linked: %v", out)
	}
}

// leafOutside is an expression defined outside exec, as the engine's
// subqueries are: it reads column col, or any column when correlated.
type leafOutside struct {
	col        int
	correlated bool
}

func (l *leafOutside) Type() types.Type                    { return types.TypeInt }
func (l *leafOutside) Eval(*exec.Env) (types.Value, error) { return nil, nil }
func (l *leafOutside) WalkLeaves(walk func(exec.Expr) bool, _ func(exec.Expr)) bool {
	return walk(intCol(l.col)) && !l.correlated
}

// TestExprSpan: the columns an expression reads, through an expression
// defined outside exec too; one that may read any column is not placed.
func TestExprSpan(t *testing.T) {
	x := &exec.Arith{Op: "+", L: intCol(4), R: &leafOutside{col: 2}}
	if lo, hi, ok := ExprSpan(&exec.Compare{Op: "=", L: x, R: intCol(3)}); !ok || lo != 2 || hi != 4 {
		t.Errorf("span %d..%d (%v), want 2..4", lo, hi, ok)
	}
	if lo, _, ok := ExprSpan(&exec.Const{V: int64(1), T: types.TypeInt}); !ok || lo != -1 {
		t.Errorf("a constant spans from %d (%v), want no column", lo, ok)
	}
	if _, _, ok := ExprSpan(&exec.Not{X: &leafOutside{col: 2, correlated: true}}); ok {
		t.Error("a correlated subquery's columns were told")
	}
}

// TestQueryHint: one join hint restricts the choice; both leave it free.
func TestQueryHint(t *testing.T) {
	for _, c := range []struct {
		hints []string
		want  JoinHint
	}{{nil, HintNone}, {[]string{"FORCE ORDER"}, HintNone}, {[]string{"LOOP JOIN", "FORCE ORDER"}, HintLoop}, {[]string{"HASH JOIN"}, HintHash}, {[]string{"LOOP JOIN", "HASH JOIN"}, HintNone}} {
		if got := QueryHint(c.hints); got != c.want {
			t.Errorf("QueryHint(%q) = %v, want %v", c.hints, got, c.want)
		}
	}
}

// TestSeekInner: an equality on the key's first column seeks the key, one
// on an index's column seeks the index, a filtered index is not used, and
// a filter pushed onto the input stays above the seek.
func TestSeekInner(t *testing.T) {
	pair := func(col int) []exec.JoinPair { return []exec.JoinPair{{L: intCol(10), R: intCol(col)}} }
	s, used := SeekInner(&exec.TableScan{Def: scansTable()}, 0, pair(0))
	if ts, ok := s.(*exec.TableScan); !ok || len(ts.Eq) != 1 || ts.Seek != nil || len(used) != 1 {
		t.Errorf("equality on the key's first column: %#v, want a key seek", s)
	}
	s, _ = SeekInner(&exec.InputFilter{Src: &exec.TableScan{Def: scansTable()}, Cond: colEq(3, 1), Width: 4}, 0, pair(2))
	f, ok := s.(*exec.InputFilter)
	if !ok {
		t.Fatalf("filtered input sought as %T, want its filter kept", s)
	}
	if ts := f.Src.(*exec.TableScan); ts.Seek == nil || ts.Seek.Index.Name != "ix_c" {
		t.Errorf("equality on c: %#v, want a seek of ix_c", ts)
	}
	filtered := scansTable()
	filtered.Indexes[0].Filter = "d > 0"
	if s, _ := SeekInner(&exec.TableScan{Def: filtered}, 0, pair(2)); s != nil {
		t.Errorf("a filtered index sought: %#v", s)
	}
}
