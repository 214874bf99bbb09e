package opt

import (
	"slices"

	"mirrordb/engine/exec"
	"mirrordb/sqlerr"
)

// Join planning: the rewrite of a bound FROM tree that pushes predicates
// to the inputs they filter and picks each join's algorithm (index nested
// loops, hash match, or plain nested loops). See docs/ARCHITECTURE.md
// "Joins".
//
// Every expression keeps the column indexes of the statement's combined
// row; an operator that evaluates one copies its input rows into a
// buffer of that width at the input's offset (exec.InputFilter, the joins).

// JoinHint is a query's OPTION (LOOP JOIN | HASH JOIN).
type JoinHint uint8

const (
	HintNone JoinHint = iota
	HintLoop
	HintHash
)

// QueryHint reads the join hints of a SELECT. Both given leave the choice
// to the planner, as SQL Server restricts the choice to the hinted kinds.
func QueryHint(hints []string) JoinHint {
	var h JoinHint
	for _, s := range hints {
		if s == "FORCE ORDER" {
			continue
		}
		k := HintHash
		if s == "LOOP JOIN" {
			k = HintLoop
		}
		if h != HintNone && h != k {
			return HintNone
		}
		h = k
	}
	return h
}

// Tables is what planning asks the engine about the stored tables, which
// opt cannot read: a scan's committed row count and whether a filtered
// index's filter holds.
type Tables struct {
	Rows    func(*exec.TableScan) float64
	Implies Implies
}

// Reads is the rows a scan's table holds, at least 1: what reading it
// whole costs against seeking it per outer row.
func (tb Tables) Reads(ts *exec.TableScan) float64 { return max(tb.Rows(ts), 1) }

// Estimate is an input's estimated row count (EstimateRows).
func (tb Tables) Estimate(src exec.Operator) float64 { return EstimateRows(src, tb.Rows) }

// joinPlanner rewrites one FROM clause.
type joinPlanner struct {
	Tables
	hint       JoinHint
	forceOrder bool  // OPTION (FORCE ORDER): inner joins in the written order
	err        error // 8622 when a hint cannot be honoured
}

// PushJoins pushes the WHERE clause's single-input conjuncts down to the
// inputs they filter and its cross-input equalities into the joins, then
// picks each join's algorithm and every scan's access path. It returns
// the new source and what is left of the WHERE clause; the error is 8622
// when the hints leave no plan. src covers the combined row's width
// columns.
func PushJoins(src exec.Operator, width int, where exec.Expr, hints []string, tb Tables) (exec.Operator, exec.Expr, error) {
	if _, join := src.(*exec.NestedLoops); !join {
		ChooseAccess(src, where, 0, tb.Implies) // one input: its access path is all there is
		return src, where, nil
	}
	jp := &joinPlanner{Tables: tb, hint: QueryHint(hints), forceOrder: slices.Contains(hints, "FORCE ORDER")}
	var push, keep []exec.Expr
	if where != nil {
		for _, c := range Conjuncts(where, nil) {
			if lo, _, ok := ExprSpan(c); ok && lo >= 0 {
				push = append(push, c)
			} else {
				keep = append(keep, c)
			}
		}
	}
	src, left := jp.rewrite(src, 0, width, push)
	keep = append(keep, left...)
	return src, AndAll(keep), jp.err
}

// rewrite returns src with the predicates preds applied (pushed further
// down where that keeps the meaning), or returned when they must stay
// above it. src covers columns [base, base+width) of the combined row.
func (jp *joinPlanner) rewrite(src exec.Operator, base, width int, preds []exec.Expr) (exec.Operator, []exec.Expr) {
	switch s := src.(type) {
	case *exec.NestedLoops:
		return jp.rewriteJoin(s, base, preds)
	case *exec.TableScan:
		ChooseAccess(s, AndAll(preds), base, jp.Implies)
	}
	if len(preds) == 0 {
		return src, nil
	}
	return &exec.InputFilter{Src: src, Cond: AndAll(preds), Base: base, Width: width}, nil
}

// rewriteJoin places each predicate: on the side it refers to when
// filtering that side first keeps the join's meaning (not the side an
// outer join preserves, for its ON conjuncts; not the side it fills with
// NULLs, for WHERE conjuncts), into an inner join's condition when it
// refers to both sides, else above the join.
func (jp *joinPlanner) rewriteJoin(j *exec.NestedLoops, base int, preds []exec.Expr) (exec.Operator, []exec.Expr) {
	kind := j.Kind
	if kind == exec.InnerJoin || kind == exec.CrossJoin {
		if src, keep, ok := jp.chainJoin(j, base, preds); ok {
			return src, keep
		}
	}
	lo, mid, hi := base, base+j.LW, base+j.LW+j.RW
	var lp, rp, cond, keep []exec.Expr
	innerish := kind == exec.InnerJoin || kind == exec.CrossJoin
	for _, p := range preds {
		a, z, _ := ExprSpan(p)
		switch {
		case a >= lo && z < mid && (innerish || kind == exec.LeftJoin):
			lp = append(lp, p)
		case a >= mid && z < hi && (innerish || kind == exec.RightJoin):
			rp = append(rp, p)
		case innerish && a >= lo && z < hi:
			cond = append(cond, p)
		default:
			keep = append(keep, p)
		}
	}
	if j.On != nil {
		for _, c := range Conjuncts(j.On, nil) {
			a, z, ok := ExprSpan(c)
			switch {
			case ok && a >= lo && z < mid && (innerish || kind == exec.RightJoin):
				lp = append(lp, c)
			case ok && a >= mid && z < hi && (innerish || kind == exec.LeftJoin):
				rp = append(rp, c)
			default:
				cond = append(cond, c)
			}
		}
	}
	left, lk := jp.rewrite(j.Left, lo, j.LW, lp)
	right, rk := jp.rewrite(j.Right, mid, j.RW, rp)
	keep = append(append(keep, lk...), rk...)
	if kind == exec.CrossJoin && len(cond) > 0 {
		kind = exec.InnerJoin
	}
	on := AndAll(cond)
	pairs, rest := equiPairs(cond, lo, mid, hi)
	nested := &exec.NestedLoops{Kind: kind, Left: left, Right: right, On: on, Base: base, LW: j.LW, RW: j.RW}
	if len(pairs) == 0 {
		if jp.hint == HintHash {
			jp.fail()
		}
		return nested, keep
	}
	if CanSeek(kind) && (jp.hint == HintLoop || jp.hint == HintNone && jp.seekCheaper(left, right)) {
		if inner, used := SeekInner(right, mid, pairs); inner != nil {
			nested.Right = inner // on stays whole: a converted key value may seek too wide
			return &exec.SeekJoin{NestedLoops: *nested, Keys: used}, keep
		}
	}
	if jp.hint == HintLoop {
		return nested, keep
	}
	return exec.NewHashJoin(nested, pairs, AndAll(rest), BuildLeft(jp.Estimate(left), jp.Estimate(right))), keep
}

// seekCheaper reports whether seeking the right input once per left row
// is estimated to cost less than hashing it (the rule of a chain's steps,
// joinchain.go).
func (jp *joinPlanner) seekCheaper(left, right exec.Operator) bool {
	reads := jp.Estimate(right)
	if ts := LeafScan(right); ts != nil {
		reads = jp.Reads(ts)
	}
	return SeekCheaper(jp.Estimate(left), reads)
}

// fail records that the query's hints leave no plan (8622).
func (jp *joinPlanner) fail() {
	if jp.err == nil {
		jp.err = sqlerr.New(8622)
	}
}

// equiPairs splits a join condition into its equalities between the two
// inputs and the rest.
func equiPairs(cond []exec.Expr, lo, mid, hi int) ([]exec.JoinPair, []exec.Expr) {
	var pairs []exec.JoinPair
	var rest []exec.Expr
	for _, c := range cond {
		if cmp, ok := c.(*exec.Compare); ok && cmp.Op == "=" {
			la, lz, lok := ExprSpan(cmp.L)
			ra, rz, rok := ExprSpan(cmp.R)
			if lok && rok && la >= 0 && ra >= 0 {
				switch {
				case la >= lo && lz < mid && ra >= mid && rz < hi:
					pairs = append(pairs, exec.JoinPair{L: cmp.L, R: cmp.R, Cmp: cmp})
					continue
				case ra >= lo && rz < mid && la >= mid && lz < hi:
					pairs = append(pairs, exec.JoinPair{L: cmp.R, R: cmp.L, Cmp: cmp})
					continue
				}
			}
		}
		rest = append(rest, c)
	}
	return pairs, rest
}
