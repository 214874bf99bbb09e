package exec

import (
	"context"
	"fmt"
	"testing"

	"mirrordb/types"
)

// TestApplyReadsTheLeftRow runs OUTER and CROSS APPLY from exec alone: the
// right side reads the left row as the innermost outer row (at Base, where
// the left side sits in the statement's row) and makes one row per odd
// value; OUTER APPLY keeps the even ones with a NULL right side.
func TestApplyReadsTheLeftRow(t *testing.T) {
	left := rows{{int64(1)}, {int64(2)}, {int64(3)}}
	right := &VirtualScan{Name: "odd", Rows: func(e *Env) ([][]types.Value, error) {
		outer := e.Outer[len(e.Outer)-1]
		if v := outer[2].(int64); v%2 == 1 {
			return [][]types.Value{{v * 10}}, nil
		}
		return nil, nil
	}}
	for _, outer := range []bool{false, true} {
		var got []string
		a := &Apply{Outer: outer, Left: left, Right: right, Base: 2, LW: 1, RW: 1}
		err := a.Run(&Env{Ctx: context.Background()}, func(row []types.Value) error {
			got = append(got, fmt.Sprint(row))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		want := "[[1 10] [3 30]]"
		if outer {
			want = "[[1 10] [2 <nil>] [3 30]]"
		}
		if fmt.Sprint(got) != want {
			t.Errorf("outer=%v: got %v, want %v", outer, got, want)
		}
	}
}

// TestEncodeRowEqualsAsSetOperationsDo: NULLs encode alike, so UNION and
// DISTINCT take two NULL rows as one; unequal values differ.
func TestEncodeRowEqualsAsSetOperationsDo(t *testing.T) {
	a := encodeRow(nil, []types.Value{nil, "x"})
	b := encodeRow(nil, []types.Value{nil, "x"})
	c := encodeRow(nil, []types.Value{"", "x"})
	if string(a) != string(b) || string(a) == string(c) {
		t.Errorf("NULL rows %q %q, empty string row %q", a, b, c)
	}
}
