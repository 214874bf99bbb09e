package opt

import (
	"math/bits"
	"sort"

	"mirrordb/engine/exec"
	"mirrordb/types"
)

// Join order: a run of inner (and cross) joins is one exec.JoinChain, its
// inputs joined left-deep in the order the row estimates suggest (the
// smallest input first, then each time the connected input that keeps the
// result smallest: JoinOrder), or in the written order under OPTION
// (FORCE ORDER).
// Each step picks its method: a seek of the input per row so far (index
// nested loops) when the rows so far are few against the input's size and
// an index answers the step's equalities, a hash match otherwise (built on
// the smaller side), nested loops where there is no equality. Outer joins
// are not reordered: they are inputs of a chain, keeping their meaning.
//
// Every input keeps its columns' place in the combined row, so no
// expression is re-bound: the chain fills one buffer of the statement's
// width, each input at its own offset, and every condition reads it there.

// joinInput is one input of a chain: its source and what the join order
// knows of it.
type joinInput struct {
	src exec.Operator
	Input
}

// maxChainInputs bounds the inputs a chain reorders (a bitmask each).
const maxChainInputs = 64

// chainJoin plans the run of inner joins rooted at j with the predicates
// preds pushed to it. ok is false when it cannot (a condition whose
// columns it cannot tell); the caller then keeps the written plan.
func (jp *joinPlanner) chainJoin(j *exec.NestedLoops, base int, preds []exec.Expr) (src exec.Operator, keep []exec.Expr, ok bool) {
	var inputs []joinInput
	conds := append([]exec.Expr(nil), preds...)
	var flatten func(src exec.Operator, base, w int)
	flatten = func(src exec.Operator, base, w int) {
		if js, ok := src.(*exec.NestedLoops); ok && (js.Kind == exec.InnerJoin || js.Kind == exec.CrossJoin) {
			flatten(js.Left, base, js.LW)
			flatten(js.Right, base+js.LW, js.RW)
			if js.On != nil {
				conds = Conjuncts(js.On, conds)
			}
			return
		}
		inputs = append(inputs, joinInput{src: src, Input: Input{Base: base, W: w}})
	}
	flatten(j, base, j.LW+j.RW)
	conds = append(conds, transitiveEqualities(conds)...)
	if len(inputs) > maxChainInputs {
		return nil, nil, false
	}
	owner := func(col int) int {
		for i, in := range inputs {
			if col >= in.Base && col < in.Base+in.W {
				return i
			}
		}
		return -1
	}
	mask := func(x exec.Expr) (uint64, bool) {
		var m uint64
		ok := ExprColumns(x, func(col int) {
			if i := owner(col); i >= 0 {
				m |= 1 << i
			}
		})
		return m, ok
	}
	masks := make([]uint64, len(conds))
	perInput := make([][]exec.Expr, len(inputs))
	var multi []int
	for i, c := range conds {
		m, ok := mask(c)
		if !ok {
			return nil, nil, false
		}
		if m == 0 {
			m = 1 // no columns: it filters the first input as well as any
		}
		masks[i] = m
		if bits.OnesCount64(m) == 1 {
			in := bits.TrailingZeros64(m)
			perInput[in] = append(perInput[in], c)
		} else {
			multi = append(multi, i)
		}
	}
	for i := range inputs {
		in := &inputs[i]
		var left []exec.Expr
		in.src, left = jp.rewrite(in.src, in.Base, in.W, perInput[i])
		if len(left) > 0 {
			in.src = &exec.InputFilter{Src: in.src, Cond: AndAll(left), Base: in.Base, Width: in.W}
		}
		in.Est = jp.Estimate(in.src)
		in.Reads = in.Est
		if ts := LeafScan(in.src); ts != nil {
			in.Reads, in.Table = jp.Reads(ts), ts.Def
		}
	}
	descs := make([]Input, len(inputs))
	for i, in := range inputs {
		descs[i] = in.Input
	}
	c := &exec.JoinChain{Base: base, Width: j.LW + j.RW}
	order := JoinOrder(descs, conds, masks, multi, jp.forceOrder)
	first := inputs[order[0]]
	c.First = jp.chainInput(first.src, first.Input)
	joined := uint64(1) << order[0]
	est := first.Est
	applied := make([]bool, len(conds))
	for _, k := range order[1:] {
		now := joined | 1<<k
		var step []exec.Expr
		for _, i := range multi {
			if !applied[i] && masks[i]&^now == 0 {
				applied[i] = true
				step = append(step, conds[i])
			}
		}
		s := jp.step(inputs[k], step, joined, mask, descs, est)
		c.Steps = append(c.Steps, s)
		joined, est = now, s.Est
	}
	c.Est = est
	return c, nil, true
}

// chainInput describes an input, read from src, to the chain that runs
// it; its plan draws the scan under a pushed-down filter with the scan's
// own estimate.
func (jp *joinPlanner) chainInput(src exec.Operator, in Input) exec.ChainInput {
	ci := exec.ChainInput{Src: src, Base: in.Base, W: in.W, Est: in.Est}
	if f, ok := src.(*exec.InputFilter); ok {
		ci.Filtered, ci.ScanEst = true, jp.Estimate(f.Src)
	}
	return ci
}

// LeafScan is the table scan under an input's filters, or nil.
func LeafScan(src exec.Operator) *exec.TableScan {
	for {
		switch s := src.(type) {
		case *exec.TableScan:
			return s
		case *exec.InputFilter:
			src = s.Src
		default:
			return nil
		}
	}
}

// step plans joining in to the rows so far (the inputs in joined, est
// rows) with the conditions conds.
func (jp *joinPlanner) step(in joinInput, conds []exec.Expr, joined uint64, mask func(exec.Expr) (uint64, bool), inputs []Input, est float64) exec.ChainStep {
	s := exec.ChainStep{In: jp.chainInput(in.src, in.Input), Cond: AndAll(conds)}
	self := uint64(0)
	for i := range inputs {
		if inputs[i].Base == in.Base {
			self = 1 << i
		}
	}
	var eqs, rest []exec.Expr
	sel := 1.0
	for _, c := range conds {
		if cmp, ok := c.(*exec.Compare); ok && cmp.Op == "=" {
			lm, _ := mask(cmp.L)
			rm, _ := mask(cmp.R)
			switch {
			case lm != 0 && lm&^joined == 0 && rm == self:
				s.Pairs = append(s.Pairs, exec.JoinPair{L: cmp.L, R: cmp.R, Cmp: cmp})
				eqs = append(eqs, c)
				continue
			case rm != 0 && rm&^joined == 0 && lm == self:
				s.Pairs = append(s.Pairs, exec.JoinPair{L: cmp.R, R: cmp.L, Cmp: cmp})
				eqs = append(eqs, c)
				continue
			}
		}
		rest = append(rest, c)
		sel *= Selectivity(c)
	}
	s.Est = JoinedRows(est, in.Input, eqs, inputs) * sel
	if len(eqs) == 0 {
		s.Est = max(est*in.Est*sel, 1)
	}
	if len(s.Pairs) == 0 {
		if jp.hint == HintHash {
			jp.fail()
		}
		return s
	}
	if jp.hint == HintLoop || jp.hint == HintNone && SeekCheaper(est, in.Reads) {
		if inner, used := SeekInner(in.src, in.Base, s.Pairs); inner != nil {
			s.Method, s.In, s.Pairs = exec.MethodSeek, jp.chainInput(inner, in.Input), used // cond stays whole: a converted key may seek too wide
			return s
		}
	}
	if jp.hint == HintLoop || jp.hint == HintNone && min(est, in.Est) <= 1 {
		return s // nested loops: one side a single row, no table to build
	}
	s.Method, s.Rest = exec.MethodHash, AndAll(rest)
	for _, p := range s.Pairs {
		s.Floats = append(s.Floats, !exec.ExactNumber(p.L.Type()) || !exec.ExactNumber(p.R.Type()))
	}
	s.BuildLeft = BuildLeft(est, in.Est)
	return s
}

// transitiveEqualities derives from a.x = b.x and a.x = 5 the conjunct
// b.x = 5, so that both inputs are filtered (and can seek) before the
// join. Columns are linked only when they have the same kind of type (or
// are both integers), where equality is transitive through the values.
func transitiveEqualities(conds []exec.Expr) []exec.Expr {
	parent := map[int]int{}
	var find func(int) int
	find = func(i int) int {
		if p, ok := parent[i]; ok && p != i {
			r := find(p)
			parent[i] = r
			return r
		}
		return i
	}
	cols := map[int]*exec.ColRef{}
	type fixed struct {
		col *exec.ColRef
		v   exec.Expr
	}
	var consts []fixed
	has := map[int]bool{}
	for _, c := range conds {
		cmp, ok := c.(*exec.Compare)
		if !ok || cmp.Op != "=" {
			continue
		}
		l, lok := cmp.L.(*exec.ColRef)
		r, rok := cmp.R.(*exec.ColRef)
		switch {
		case lok && rok && sameKindFamily(l.T, r.T):
			cols[l.Idx], cols[r.Idx] = l, r
			parent[find(l.Idx)] = find(r.Idx)
		case lok && RowIndependent(cmp.R):
			consts, has[l.Idx] = append(consts, fixed{l, cmp.R}), true
		case rok && RowIndependent(cmp.L):
			consts, has[r.Idx] = append(consts, fixed{r, cmp.L}), true
		}
	}
	// Columns in index order, not the map's: the plan text must not vary.
	order := make([]int, 0, len(cols))
	for idx := range cols {
		order = append(order, idx)
	}
	sort.Ints(order)
	var out []exec.Expr
	for _, f := range consts {
		for _, idx := range order {
			c := cols[idx]
			if idx != f.col.Idx && !has[idx] && find(idx) == find(f.col.Idx) && sameKindFamily(c.T, f.col.T) {
				has[idx] = true
				out = append(out, &exec.Compare{Op: "=", L: c, R: f.v})
			}
		}
	}
	return out
}

// sameKindFamily reports two column types whose equality is transitive
// with a third value's: the same kind, or both integers.
func sameKindFamily(a, b types.Type) bool {
	return a.Kind == b.Kind || a.Kind.IsInteger() && b.Kind.IsInteger()
}
