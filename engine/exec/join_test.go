package exec

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"mirrordb/engine/govern"
	"mirrordb/types"
)

// TestHashJoinAsNestedLoops: for every join kind, a hash join on l.c0 =
// r.c0 built on either side returns the rows nested loops return: an int
// key meets the decimals = calls equal to it however written (1 = 1.0,
// 2 = 2.00), NULL keys match nothing, outer joins keep unmatched rows.
func TestHashJoinAsNestedLoops(t *testing.T) {
	dec := func(s string) types.Value {
		d, ok := types.ParseDec(s)
		if !ok {
			t.Fatal(s)
		}
		return d
	}
	left := rows{{int64(1), "x"}, {int64(2), "y"}, {nil, "n"}, {int64(7), "z"}, {int64(2), "y2"}}
	right := rows{{dec("1.0"), "a"}, {dec("2.00"), "b"}, {dec("2"), "b2"}, {nil, "rn"}, {dec("9"), "q"}}
	lcol := &ColRef{Idx: 0, T: types.TypeInt}
	rcol := &ColRef{Idx: 2, T: types.Type{Kind: types.Decimal, Precision: 10, Scale: 2}}
	on := &Compare{Op: "=", L: lcol, R: rcol}
	run := func(op Operator) []string {
		gov := govern.NewPool(1<<20, 1<<20).Begin(context.Background())
		defer gov.End()
		var got []string
		err := op.Run(&Env{Ctx: context.Background(), Gov: gov}, func(row []types.Value) error {
			got = append(got, fmt.Sprint(row...))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(got)
		return got
	}
	for _, kind := range []JoinKind{InnerJoin, LeftJoin, RightJoin, FullJoin} {
		nl := &NestedLoops{Kind: kind, Left: left, Right: right, On: on, LW: 2, RW: 2}
		want := run(nl)
		for _, buildLeft := range []bool{false, true} {
			h := NewHashJoin(nl, []JoinPair{{L: lcol, R: rcol, Cmp: on}}, nil, buildLeft)
			if got := run(h); !slices.Equal(got, want) {
				t.Errorf("%s, build left %v: hash join %v, nested loops %v", kind.Logical(), buildLeft, got, want)
			}
		}
		if kind == InnerJoin {
			if len(want) != 5 {
				t.Errorf("inner join %v, want the five pairs of equal keys", want)
			}
		}
	}
}
