package exec

import (
	"math"
	"strings"

	"mirrordb/engine/govern"
	"mirrordb/engine/plan"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// Top passes the first rows of its input: TOP n, or OFFSET n ROWS
// [FETCH NEXT m ROWS ONLY], skipping offset rows first. It stops its
// input once it has them. TOP n PERCENT needs the row count first, so it
// holds every row (counted against the statement's memory).
type Top struct {
	In      Operator
	Offset  Expr // nil without OFFSET
	Count   Expr // TOP's or FETCH's; nil for OFFSET alone
	Percent bool
	Fetch   bool // count is FETCH's
}

func (t *Top) Run(e *Env, emit func([]types.Value) error) error {
	if t.Percent {
		return t.runPercent(e, emit)
	}
	bad := 1014 // TOP's count
	if t.Fetch {
		bad = 10744
	}
	limit, err := rowCount(e, t.Count, -1, bad)
	if err != nil {
		return err
	}
	skip, err := rowCount(e, t.Offset, 0, 10742)
	if err != nil || limit == 0 {
		return err
	}
	var n int64
	stopped := false // ErrStopScan is ours, not from a consumer above
	err = t.In.Run(e, func(row []types.Value) error {
		if skip > 0 {
			skip--
			return nil
		}
		if err := emit(row); err != nil {
			return err
		}
		if n++; limit >= 0 && n >= limit {
			stopped = true
			return ErrStopScan
		}
		return nil
	})
	if stopped && err == ErrStopScan {
		return nil
	}
	return err
}

// runPercent holds every row, then passes the first ceil(count × pct / 100).
func (t *Top) runPercent(e *Env, emit func([]types.Value) error) error {
	pct, err := t.Count.Eval(e)
	if err != nil {
		return err
	}
	f, _ := pct.(float64)
	if pct != nil && (f < 0 || f > 100) {
		return sqlerr.New(1014)
	}
	var rows [][]types.Value
	h := Holding{Gov: e.Gov}
	defer h.Release()
	err = t.In.Run(e, func(row []types.Value) error {
		r := append([]types.Value(nil), row...)
		rows = append(rows, r)
		return h.Grow(govern.RowSize(r) + 8)
	})
	if err != nil {
		return err
	}
	if pct != nil {
		rows = rows[:min(len(rows), int(math.Ceil(float64(len(rows))*f/100)))]
	}
	return ScanRows(e, rows, emit)
}

// rowCount evaluates a TOP/OFFSET/FETCH count (def when absent): a
// non-negative bigint, else Msg bad.
func rowCount(e *Env, x Expr, def int64, bad int) (int64, error) {
	if x == nil {
		return def, nil
	}
	v, err := x.Eval(e)
	if err != nil {
		return 0, err
	}
	n, ok := v.(int64)
	if !ok || n < 0 {
		return 0, sqlerr.New(bad)
	}
	return n, nil
}

func (t *Top) Explain(x *Explainer, nm *Names) *plan.Node {
	in := t.In.Explain(x, nm)
	var args []string
	if t.Offset != nil {
		args = append(args, "OFFSET EXPRESSION:("+x.Text(t.Offset, nil)+")")
	}
	if t.Count != nil {
		s := "TOP EXPRESSION:(" + x.Text(t.Count, nil) + ")"
		if t.Percent {
			s += " PERCENT"
		}
		args = append(args, s)
	}
	return x.Node("Top", "Top", strings.Join(args, ", "), in)
}
