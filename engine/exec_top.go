package engine

import (
	"math"
	"strings"

	"mirrordb/engine/exec"
	"mirrordb/engine/govern"
	"mirrordb/engine/plan"
	"mirrordb/parser"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// topOp passes the first rows of its input: TOP n, or OFFSET n ROWS
// [FETCH NEXT m ROWS ONLY], skipping offset rows first. It stops its
// input once it has them. TOP n PERCENT needs the row count first, so it
// holds every row (counted against the statement's memory).
type topOp struct {
	in      operator
	offset  exec.Expr // nil without OFFSET
	count   exec.Expr // TOP's or FETCH's; nil for OFFSET alone
	percent bool
	fetch   bool // count is FETCH's
}

func (t *topOp) run(e *exec.Env, emit func([]types.Value) error) error {
	if t.percent {
		return t.runPercent(e, emit)
	}
	bad := 1014 // TOP's count
	if t.fetch {
		bad = 10744
	}
	limit, err := rowCount(e, t.count, -1, bad)
	if err != nil {
		return err
	}
	skip, err := rowCount(e, t.offset, 0, 10742)
	if err != nil || limit == 0 {
		return err
	}
	var n int64
	stopped := false // errStopScan is ours, not from a consumer above
	err = t.in.run(e, func(row []types.Value) error {
		if skip > 0 {
			skip--
			return nil
		}
		if err := emit(row); err != nil {
			return err
		}
		if n++; limit >= 0 && n >= limit {
			stopped = true
			return errStopScan
		}
		return nil
	})
	if stopped && err == errStopScan {
		return nil
	}
	return err
}

// runPercent holds every row, then passes the first ceil(count × pct / 100).
func (t *topOp) runPercent(e *exec.Env, emit func([]types.Value) error) error {
	pct, err := t.count.Eval(e)
	if err != nil {
		return err
	}
	f, _ := pct.(float64)
	if pct != nil && (f < 0 || f > 100) {
		return sqlerr.New(1014)
	}
	var rows [][]types.Value
	h := holding{gov: e.Gov}
	defer h.release()
	err = t.in.run(e, func(row []types.Value) error {
		r := append([]types.Value(nil), row...)
		rows = append(rows, r)
		return h.grow(govern.RowSize(r) + 8)
	})
	if err != nil {
		return err
	}
	if pct != nil {
		rows = rows[:min(len(rows), int(math.Ceil(float64(len(rows))*f/100)))]
	}
	return scanRows(e, rows, emit)
}

// rowCount evaluates a TOP/OFFSET/FETCH count (def when absent): a
// non-negative bigint, else Msg bad.
func rowCount(e *exec.Env, x exec.Expr, def int64, bad int) (int64, error) {
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

// checkConstantCounts refuses, as SQL Server's compiler does, a constant
// OFFSET below zero (10742) and a constant FETCH below one (10744); an
// expression's value is checked when the statement runs (rowCount), where
// a FETCH of 0 returns no rows.
func (b *binder) checkConstantCounts(sel *parser.Select, p *selectPlan) error {
	if c, ok := p.offset.(*exec.Const); ok {
		if n, _ := c.V.(int64); n < 0 {
			return b.errAt(sel.Offset, sqlerr.New(10742))
		}
	}
	if c, ok := p.fetch.(*exec.Const); ok {
		if n, _ := c.V.(int64); n < 1 {
			return b.errAt(sel.Fetch, sqlerr.New(10744))
		}
	}
	return nil
}

func (t *topOp) explain(x *explainer, nm *names) *plan.Node {
	in := t.in.explain(x, nm)
	var args []string
	if t.offset != nil {
		args = append(args, "OFFSET EXPRESSION:("+x.text(t.offset, nil)+")")
	}
	if t.count != nil {
		s := "TOP EXPRESSION:(" + x.text(t.count, nil) + ")"
		if t.percent {
			s += " PERCENT"
		}
		args = append(args, s)
	}
	return x.node("Top", "Top", strings.Join(args, ", "), in)
}
