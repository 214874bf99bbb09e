package engine

import (
	"slices"

	"mirrordb/engine/exec"
	"mirrordb/engine/opt"
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

// joinHint is a query's OPTION (LOOP JOIN | HASH JOIN).
type joinHint uint8

const (
	hintNone joinHint = iota
	hintLoop
	hintHash
)

// queryHint reads the join hints of a SELECT. Both given leave the choice
// to the planner, as SQL Server restricts the choice to the hinted kinds.
func queryHint(hints []string) joinHint {
	var h joinHint
	for _, s := range hints {
		if s == "FORCE ORDER" {
			continue
		}
		k := hintHash
		if s == "LOOP JOIN" {
			k = hintLoop
		}
		if h != hintNone && h != k {
			return hintNone
		}
		h = k
	}
	return h
}

// joinPlanner rewrites one FROM clause.
type joinPlanner struct {
	hint       joinHint
	forceOrder bool  // OPTION (FORCE ORDER): inner joins in the written order
	err        error // 8622 when a hint cannot be honoured
}

// planJoins pushes the WHERE clause's single-input conjuncts down to the
// inputs they filter and its cross-input equalities into the joins, then
// picks each join's algorithm. It returns the new source and what is left
// of the WHERE clause. With the session's oldJoins set (tests comparing
// the two paths) it changes nothing but the top-level access path.
//
// First, the WHERE conjuncts that can run as semi-joins (semijoin.go) are
// taken out; they filter the planned source.
func (b *binder) planJoins(src exec.Operator, width int, where exec.Expr, hints []string) (exec.Operator, exec.Expr, error) {
	var semis []*semiJoin
	if where != nil && !b.set.OldJoins() {
		var rest []exec.Expr
		for _, c := range opt.Conjuncts(where, nil) {
			if s := b.semiJoin(c); s != nil {
				semis = append(semis, s)
			} else {
				rest = append(rest, c)
			}
		}
		where = opt.AndAll(rest)
	}
	src, where, err := b.pushJoins(src, width, where, hints)
	hint := queryHint(hints)
	for _, s := range semis {
		s.src, s.width = src, width
		s.planSeek(hint)
		src = s
	}
	return src, where, err
}

// pushJoins is planJoins without the semi-joins.
func (b *binder) pushJoins(src exec.Operator, width int, where exec.Expr, hints []string) (exec.Operator, exec.Expr, error) {
	if _, join := src.(*exec.NestedLoops); !join || b.set.OldJoins() {
		chooseAccess(src, where) // one input: its access path is all there is
		return src, where, nil
	}
	jp := &joinPlanner{hint: queryHint(hints), forceOrder: slices.Contains(hints, "FORCE ORDER")}
	var push, keep []exec.Expr
	if where != nil {
		for _, c := range opt.Conjuncts(where, nil) {
			if lo, _, ok := exprSpan(c); ok && lo >= 0 {
				push = append(push, c)
			} else {
				keep = append(keep, c)
			}
		}
	}
	src, left := jp.rewrite(src, 0, width, push)
	keep = append(keep, left...)
	return src, opt.AndAll(keep), jp.err
}

// rewrite returns src with the predicates preds applied (pushed further
// down where that keeps the meaning), or returned when they must stay
// above it. src covers columns [base, base+width) of the combined row.
func (jp *joinPlanner) rewrite(src exec.Operator, base, width int, preds []exec.Expr) (exec.Operator, []exec.Expr) {
	switch s := src.(type) {
	case *exec.NestedLoops:
		return jp.rewriteJoin(s, base, preds)
	case *exec.TableScan:
		opt.ChooseAccess(s, opt.AndAll(preds), base, impliesFilter)
	}
	if len(preds) == 0 {
		return src, nil
	}
	return &exec.InputFilter{Src: src, Cond: opt.AndAll(preds), Base: base, Width: width}, nil
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
		a, z, _ := exprSpan(p)
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
		for _, c := range opt.Conjuncts(j.On, nil) {
			a, z, ok := exprSpan(c)
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
	on := opt.AndAll(cond)
	pairs, rest := equiPairs(cond, lo, mid, hi)
	nested := &exec.NestedLoops{Kind: kind, Left: left, Right: right, On: on, Base: base, LW: j.LW, RW: j.RW}
	if len(pairs) == 0 {
		if jp.hint == hintHash {
			jp.fail()
		}
		return nested, keep
	}
	if opt.CanSeek(kind) && (jp.hint == hintLoop || jp.hint == hintNone && seekCheaper(left, right)) {
		if inner, used := seekInner(right, mid, pairs); inner != nil {
			nested.Right = inner // on stays whole: a converted key value may seek too wide
			return &exec.SeekJoin{NestedLoops: *nested, Keys: used}, keep
		}
	}
	if jp.hint == hintLoop {
		return nested, keep
	}
	return exec.NewHashJoin(nested, pairs, opt.AndAll(rest), opt.BuildLeft(estimateRows(left), estimateRows(right))), keep
}

// seekCheaper reports whether seeking the right input once per left row
// is estimated to cost less than hashing it (the rule of a chain's steps,
// joinorder.go).
func seekCheaper(left, right exec.Operator) bool {
	reads := estimateRows(right)
	if ts := leafScan(right); ts != nil {
		reads = max(scanRows(ts), 1)
	}
	return opt.SeekCheaper(estimateRows(left), reads)
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
			la, lz, lok := exprSpan(cmp.L)
			ra, rz, rok := exprSpan(cmp.R)
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

// exprSpan returns the lowest and highest combined-row column an
// expression reads (lo = -1 when it reads none); ok is false for an
// expression whose inputs it cannot tell, which then stays where it was
// written.
func exprSpan(x exec.Expr) (lo, hi int, ok bool) {
	lo, hi = -1, -1
	ok = exprColumns(x, func(i int) {
		if lo < 0 || i < lo {
			lo = i
		}
		if i > hi {
			hi = i
		}
	})
	return lo, hi, ok
}

// exprColumns calls add with every combined-row column an expression
// reads; false for an expression whose inputs it cannot tell.
func exprColumns(x exec.Expr, add func(col int)) bool {
	return exprLeaves(x, func(x exec.Expr) {
		if c, ok := x.(*exec.ColRef); ok {
			add(c.Idx)
		}
	})
}

// exprLeaves calls leaf with every column, outer column, constant,
// parameter and subquery of an expression (a subquery's own plan is not
// entered); false for an expression it cannot look into, or one with a
// correlated subquery, which may read any column of the row.
func exprLeaves(x exec.Expr, leaf func(exec.Expr)) bool {
	var walk func(x exec.Expr) bool
	all := func(xs ...exec.Expr) bool {
		for _, x := range xs {
			if x != nil && !walk(x) {
				return false
			}
		}
		return true
	}
	walk = func(x exec.Expr) bool {
		switch e := x.(type) {
		case *subqueryExpr:
			leaf(e)
			return !e.correlated // it may read any column of the row
		case *exec.ColRef, *exec.Const, *exec.ParamRef, *exec.OuterRef, *exec.AggRef, *exec.GroupKeyRef:
			leaf(e)
			return true
		case *exec.Cast:
			return walk(e.X)
		case *exec.Arith:
			return all(e.L, e.R)
		case *exec.Negate:
			return walk(e.X)
		case *exec.Compare:
			return all(e.L, e.R)
		case *exec.Logic:
			return all(e.L, e.R)
		case *exec.Not:
			return walk(e.X)
		case *exec.IsNull:
			return walk(e.X)
		case *exec.InList:
			return walk(e.X) && all(e.List...)
		case *exec.Case:
			return all(e.Conds...) && all(e.Results...) && all(e.Else)
		case *exec.Like:
			return all(e.X, e.Pattern, e.Escape)
		case *exec.Call:
			return !e.Agg && all(e.Args...)
		case *exec.StyledConvert:
			return all(e.X, e.Style)
		case *inSubquery:
			return walk(e.x) && walk(e.sub)
		}
		return false
	}
	return walk(x)
}
