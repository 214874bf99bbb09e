package exec

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"mirrordb/engine/govern"
	"mirrordb/types"
)

// TestLeafSources runs the row sources that read no store from exec
// alone: a SELECT without FROM has one empty row, a catalog view's rows
// come back as its function computes them, each prints its plan node,
// and a stopped statement reads no row of a view.
func TestLeafSources(t *testing.T) {
	gov := govern.NewPool(1<<20, 1<<20).Begin(context.Background())
	defer gov.End()
	e := &Env{Ctx: context.Background(), Gov: gov}
	collect := func(op Operator, e *Env) ([]string, error) {
		var got []string
		err := op.Run(e, func(row []types.Value) error {
			got = append(got, fmt.Sprint(len(row), row))
			return nil
		})
		return got, err
	}

	got, err := collect(OneRow{}, e)
	if err != nil || fmt.Sprint(got) != "[0 []]" {
		t.Fatalf("OneRow: %v %v, want one empty row", got, err)
	}
	view := &VirtualScan{Name: "objects", Rows: func(*Env) ([][]types.Value, error) {
		return [][]types.Value{{int64(1), "a"}, {int64(2), "b"}}, nil
	}}
	got, err = collect(view, e)
	if err != nil || fmt.Sprint(got) != "[2 [1 a] 2 [2 b]]" {
		t.Fatalf("VirtualScan: %v %v", got, err)
	}
	for op, want := range map[Operator]string{
		OneRow{}: "Constant Scan",
		view:     "Table-valued function(OBJECT:([sys].[objects]))",
	} {
		var x Explainer
		if text := op.Explain(&x, &Names{}).Text(); text != want {
			t.Errorf("plan %q, want %q", text, want)
		}
	}
	failing := &VirtualScan{Name: "broken", Rows: func(*Env) ([][]types.Value, error) { return nil, errors.New("no rows") }}
	if _, err := collect(failing, e); err == nil || err.Error() != "no rows" {
		t.Errorf("a view whose rows fail: %v", err)
	}

	stop := errors.New("stopped")
	ctx, cancel := context.WithCancelCause(context.Background())
	stopped := govern.NewPool(1<<20, 1<<20).Begin(ctx)
	defer stopped.End()
	cancel(stop)
	for deadline := time.Now().Add(5 * time.Second); stopped.Check() == nil; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the governor never saw its context end")
		}
	}
	got, err = collect(view, &Env{Ctx: ctx, Gov: stopped})
	if !errors.Is(err, stop) || len(got) != 0 {
		t.Fatalf("a stopped statement's view: rows %v, err %v; want none and %v", got, err, stop)
	}
}
