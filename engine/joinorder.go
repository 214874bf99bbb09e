package engine

import (
	"math/bits"
	"sort"

	"mirrordb/engine/exec"
	"mirrordb/engine/govern"
	"mirrordb/engine/opt"
	"mirrordb/engine/plan"
	"mirrordb/types"
)

// Join order: a run of inner (and cross) joins is one joinChain, its
// inputs joined left-deep in the order the row estimates suggest (the
// smallest input first, then each time the connected input that keeps the
// result smallest), or in the written order under OPTION (FORCE ORDER).
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
	opt.Input
}

type joinMethod uint8

const (
	methodLoop joinMethod = iota // nested loops over the input held in memory
	methodHash                   // hash match
	methodSeek                   // a seek of the input per row so far
)

// chainStep joins one more input to the rows so far.
type chainStep struct {
	in        joinInput
	method    joinMethod
	cond      exec.Expr       // every conjunct this step applies
	pairs     []exec.JoinPair // its equalities: l over the rows so far, r over in
	rest      exec.Expr       // hash: the conjuncts besides pairs
	floats    []bool          // hash: keys compared as float
	buildLeft bool            // hash: build on the rows so far, stream in
	est       float64         // rows after this step
}

// joinChain is a left-deep run of inner joins over the columns [base,
// base+width) of the combined row.
type joinChain struct {
	first       joinInput
	steps       []chainStep
	base, width int
	est         float64
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
				conds = opt.Conjuncts(js.On, conds)
			}
			return
		}
		inputs = append(inputs, joinInput{src: src, Input: opt.Input{Base: base, W: w}})
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
		ok := exprColumns(x, func(col int) {
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
			in.src = &filterSource{src: in.src, cond: opt.AndAll(left), base: in.Base, width: in.W}
		}
		in.Est = estimateRows(in.src)
		in.Reads = in.Est
		if ts := leafScan(in.src); ts != nil {
			in.Reads, in.Table = max(tableRows(ts.db, ts.table), 1), ts.table
		}
	}
	descs := make([]opt.Input, len(inputs))
	for i, in := range inputs {
		descs[i] = in.Input
	}
	c := &joinChain{base: base, width: j.LW + j.RW}
	order := opt.JoinOrder(descs, conds, masks, multi, jp.forceOrder)
	c.first = inputs[order[0]]
	joined := uint64(1) << order[0]
	est := c.first.Est
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
		c.steps = append(c.steps, s)
		joined, est = now, s.est
	}
	c.est = est
	return c, nil, true
}

// leafScan is the table scan under an input's filters, or nil.
func leafScan(src exec.Operator) *tableScan {
	for {
		switch s := src.(type) {
		case *tableScan:
			return s
		case *filterSource:
			src = s.src
		default:
			return nil
		}
	}
}

// step plans joining in to the rows so far (the inputs in joined, est
// rows) with the conditions conds.
func (jp *joinPlanner) step(in joinInput, conds []exec.Expr, joined uint64, mask func(exec.Expr) (uint64, bool), inputs []opt.Input, est float64) chainStep {
	s := chainStep{in: in, cond: opt.AndAll(conds)}
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
				s.pairs = append(s.pairs, exec.JoinPair{L: cmp.L, R: cmp.R, Cmp: cmp})
				eqs = append(eqs, c)
				continue
			case rm != 0 && rm&^joined == 0 && lm == self:
				s.pairs = append(s.pairs, exec.JoinPair{L: cmp.R, R: cmp.L, Cmp: cmp})
				eqs = append(eqs, c)
				continue
			}
		}
		rest = append(rest, c)
		sel *= opt.Selectivity(c)
	}
	s.est = opt.JoinedRows(est, in.Input, eqs, inputs) * sel
	if len(eqs) == 0 {
		s.est = max(est*in.Est*sel, 1)
	}
	if len(s.pairs) == 0 {
		if jp.hint == hintHash {
			jp.fail()
		}
		return s
	}
	if jp.hint == hintLoop || jp.hint == hintNone && opt.SeekCheaper(est, in.Reads) {
		if inner, used := seekInner(in.src, in.Base, s.pairs); inner != nil {
			s.method, s.in.src, s.pairs = methodSeek, inner, used // cond stays whole: a converted key may seek too wide
			return s
		}
	}
	if jp.hint == hintLoop || jp.hint == hintNone && min(est, in.Est) <= 1 {
		return s // nested loops: one side a single row, no table to build
	}
	s.method, s.rest = methodHash, opt.AndAll(rest)
	for _, p := range s.pairs {
		s.floats = append(s.floats, !exec.ExactNumber(p.L.Type()) || !exec.ExactNumber(p.R.Type()))
	}
	s.buildLeft = opt.BuildLeft(est, in.Est)
	return s
}

func (c *joinChain) Run(e *exec.Env, fn func(row []types.Value) error) error {
	buf := make([]types.Value, c.base+c.width)
	saved := e.Row
	defer func() { e.Row = saved }()
	var held int64
	defer func() { e.Gov.Shrink(held) }()
	return c.run(e, len(c.steps), buf, &held, func() error { return fn(buf[c.base:]) })
}

// run joins the first k+1 inputs into buf, calling emit for each row.
func (c *joinChain) run(e *exec.Env, k int, buf []types.Value, held *int64, emit func() error) error {
	if k == 0 {
		in := c.first
		return in.src.Run(e, func(r []types.Value) error {
			copy(buf[in.Base:in.Base+in.W], exec.Pad(r, in.W))
			return emit()
		})
	}
	s := &c.steps[k-1]
	in := s.in
	cols := buf[in.Base : in.Base+in.W]
	// emitIf emits the row in buf when cond holds for it.
	emitIf := func(cond exec.Expr) error {
		if err := e.Gov.Check(); err != nil {
			return err
		}
		if cond != nil {
			e.Row = buf
			if v, err := cond.Eval(e); err != nil || !exec.Truth(v) {
				return err
			}
		}
		return emit()
	}
	grow := func(n int64) error {
		*held += n
		return e.Gov.Grow(n)
	}
	switch s.method {
	case methodSeek:
		return c.run(e, k-1, buf, held, func() error {
			e.Row = buf // the seek's key values read the rows so far
			return in.src.Run(e, func(r []types.Value) error {
				copy(cols, exec.Pad(r, in.W))
				return emitIf(s.cond)
			})
		})
	case methodLoop:
		var rows []types.Value // the input's rows, one after another
		if err := in.src.Run(e, func(r []types.Value) error {
			rows = append(rows, exec.Pad(r, in.W)...)
			n := 16 * int64(in.W)
			for _, v := range r {
				n += govern.ValueSize(v)
			}
			return grow(n)
		}); err != nil {
			return err
		}
		return c.run(e, k-1, buf, held, func() error {
			for i := 0; i < len(rows); i += in.W {
				copy(cols, rows[i:i+in.W])
				if err := emitIf(s.cond); err != nil {
					return err
				}
			}
			return nil
		})
	}
	lkeys, rkeys := exec.PairSides(s.pairs)
	kv := make([]types.Value, len(s.pairs))
	// keyed evaluates keys over buf into kv and calls fn unless one is NULL.
	keyed := func(keys []exec.Expr, fn func() error) error {
		e.Row = buf
		if ok, err := exec.EvalKeys(e, keys, kv); err != nil || !ok {
			return err
		}
		return fn()
	}
	// build reads the build side into a hash table of rows width wide,
	// taken from held when it is in buf.
	build := func(width int, keys []exec.Expr, scan func(func() error) error, held []types.Value) (*exec.HashTable, error) {
		t := exec.NewHashTable(s.floats, width)
		err := scan(func() error {
			return keyed(keys, func() error { return grow(t.Add(held, kv)) })
		})
		if err == nil {
			err = grow(t.Link())
		}
		return t, err
	}
	scanInput := func(fn func() error) error {
		return in.src.Run(e, func(r []types.Value) error {
			copy(cols, exec.Pad(r, in.W))
			return fn()
		})
	}
	scanSoFar := func(fn func() error) error { return c.run(e, k-1, buf, held, fn) }
	if !s.buildLeft {
		t, err := build(in.W, rkeys, scanInput, cols)
		if err != nil {
			return err
		}
		return scanSoFar(func() error {
			return keyed(lkeys, func() error {
				return t.Matches(kv, func(_ int, row []types.Value) error {
					copy(cols, row)
					return emitIf(s.rest)
				})
			})
		})
	}
	// Build on the rows so far (the chain's whole width), stream the input.
	region := buf[c.base : c.base+c.width]
	t, err := build(c.width, lkeys, scanSoFar, region)
	if err != nil {
		return err
	}
	lo, hi := in.Base-c.base, in.Base-c.base+in.W // the input's place in a held row
	return scanInput(func() error {
		return keyed(rkeys, func() error {
			return t.Matches(kv, func(_ int, row []types.Value) error {
				copy(region[:lo], row[:lo])
				copy(region[hi:], row[hi:])
				return emitIf(s.rest)
			})
		})
	})
}

// Explain draws the chain as SQL Server draws a left-deep join tree, each
// join over the rows so far and the next input, with its estimate.
func (c *joinChain) Explain(x *exec.Explainer, nm *exec.Names) *plan.Node {
	n := c.first.explain(x, nm, c.first.Est)
	est := c.first.Est
	for _, s := range c.steps {
		inEst := s.in.Est
		if s.method == methodSeek {
			inEst = max(s.est/est, 1) // rows per seek
		}
		in := s.in.explain(x, nm, inEst)
		est = s.est
		logical := exec.InnerJoin.Logical()
		var j *plan.Node
		switch s.method {
		case methodSeek:
			j = x.Node("Nested Loops", logical, exec.SeekArgument(x, nm, s.pairs, s.cond), n, in)
		case methodLoop:
			arg := ""
			if s.cond != nil {
				arg = "WHERE:(" + x.Text(s.cond, nm) + ")"
			}
			j = x.Node("Nested Loops", logical, arg, n, in)
		default:
			l, r := exec.PairSides(s.pairs)
			arg := "HASH:(" + x.List(r, nm) + ")=(" + x.List(l, nm) + ")"
			first, second := in, n
			if s.buildLeft {
				arg, first, second = "HASH:("+x.List(l, nm)+")=("+x.List(r, nm)+")", n, in
			}
			if s.cond != nil {
				arg += ", RESIDUAL:(" + x.Text(s.cond, nm) + ")"
			}
			j = x.Node("Hash Match", logical, arg, first, second)
		}
		j.NamesLogical = true
		j.EstimateRows, j.Estimated = s.est, true
		n = j
	}
	return n
}

// explain draws an input with its estimate est (and its table's row
// count on the scan under its filters).
func (in joinInput) explain(x *exec.Explainer, nm *exec.Names, est float64) *plan.Node {
	n := in.src.Explain(x, nm)
	if !n.Estimated {
		n.EstimateRows, n.Estimated = est, true
	}
	if f, ok := in.src.(*filterSource); ok && len(n.Children) > 0 && !n.Children[0].Estimated {
		n.Children[0].EstimateRows, n.Children[0].Estimated = estimateRows(f.src), true
	}
	return n
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
		case lok && rowIndependent(cmp.R):
			consts, has[l.Idx] = append(consts, fixed{l, cmp.R}), true
		case rok && rowIndependent(cmp.L):
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
