package exec

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"mirrordb/engine/govern"
	"mirrordb/engine/plan"
	"mirrordb/types"
)

// rows is a row source for the tests: the given rows, described as a
// scan of [t].
type rows [][]types.Value

func (r rows) Run(e *Env, emit func([]types.Value) error) error { return ScanRows(e, r, emit) }

func (r rows) Explain(x *Explainer, _ *Names) *plan.Node {
	return x.Node("Table Scan", "Table Scan", "OBJECT:([t])")
}

// colNames names column i [ci].
type colNames struct{}

func (colNames) ColumnName(i int) (string, bool) { return fmt.Sprintf("[c%d]", i), true }

// TestChainOutsideTheEngine composes a SELECT's chain from exec alone,
// WHERE c0 > 1 ... ORDER BY c0 DESC, TOP 2 over (c0, c1), and checks the
// rows it produces, the plan it prints, and that the sort gives back what
// it held when its run ends: run 5,000 times, as a correlated subquery's
// chain is, it stays within a 300 kB budget it would otherwise pass.
func TestChainOutsideTheEngine(t *testing.T) {
	col := func(i int) Expr { return &ColRef{Idx: i, T: types.TypeInt} }
	src := rows{{int64(1), "a"}, {int64(3), "c"}, {int64(2), "b"}, {int64(4), "d"}, {nil, "n"}}
	order := []OrderKey{{Col: -1, X: col(0), Desc: true}}
	var op Operator = &Filter{In: src, Cond: &Compare{Op: ">", L: col(0), R: &Const{V: int64(1), T: types.TypeInt}}}
	op = &Project{In: op, Exprs: []Expr{col(1)}, Order: order, WithOrder: true}
	op = &Sort{In: op, Keys: order, Width: 1}
	op = &Top{In: op, Count: &Const{V: int64(2), T: types.TypeBigInt}}

	pool := govern.NewPool(300<<10, 300<<10)
	gov := pool.Begin(context.Background())
	defer gov.End()
	e := &Env{Ctx: context.Background(), Gov: gov}
	for i := 0; i < 5000; i++ {
		var got []string
		err := op.Run(e, func(row []types.Value) error {
			got = append(got, fmt.Sprint(row...))
			return nil
		})
		if err != nil {
			t.Fatalf("run %d: %v", i+1, err)
		}
		if fmt.Sprint(got) != "[d c]" {
			t.Fatalf("rows %v, want [d c]", got)
		}
	}

	n := op.Explain(&Explainer{}, &Names{Columns: colNames{}})
	want := "Top(TOP EXPRESSION:((2))) / Sort(ORDER BY:([c0] DESC)) / Filter(WHERE:([c0]>(1))) / Table Scan(OBJECT:([t]))"
	var path []string
	for ; n != nil; n = first(n.Children) {
		path = append(path, n.PhysicalOp+"("+n.Argument+")")
	}
	if s := strings.Join(path, " / "); s != want {
		t.Fatalf("plan\n%s\nwant\n%s", s, want)
	}
}

func first(ns []*plan.Node) *plan.Node {
	if len(ns) == 0 {
		return nil
	}
	return ns[0]
}
