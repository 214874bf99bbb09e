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

// joinInput is one input of a chain.
type joinInput struct {
	src     exec.Operator
	base, w int     // its columns in the combined row
	est     float64 // rows it is estimated to return
	reads   float64 // rows its scan reads (the table's rows for a scan)
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

// seekCost is what one seek costs in rows read by a scan, and hashCost
// what building a hash table costs beyond its rows: a step seeks when the
// rows so far times seekCost is less than the input's scan reads plus
// hashCost (a seek per row of 20,000 took about four times a 20,000-row
// hash match's time per row, BenchmarkJoin20k).
const (
	seekCost = 4
	hashCost = 64
)

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
		inputs = append(inputs, joinInput{src: src, base: base, w: w})
	}
	flatten(j, base, j.LW+j.RW)
	conds = append(conds, transitiveEqualities(conds)...)
	if len(inputs) > maxChainInputs {
		return nil, nil, false
	}
	owner := func(col int) int {
		for i, in := range inputs {
			if col >= in.base && col < in.base+in.w {
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
		in.src, left = jp.rewrite(in.src, in.base, in.w, perInput[i])
		if len(left) > 0 {
			in.src = &filterSource{src: in.src, cond: opt.AndAll(left), base: in.base, width: in.w}
		}
		in.est = estimateRows(in.src)
		in.reads = in.est
		if ts := leafScan(in.src); ts != nil {
			in.reads = max(tableRows(ts.db, ts.table), 1)
		}
	}
	c := &joinChain{base: base, width: j.LW + j.RW}
	order := jp.order(inputs, conds, masks, multi)
	c.first = inputs[order[0]]
	joined := uint64(1) << order[0]
	est := c.first.est
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
		s := jp.step(inputs[k], step, joined, mask, inputs, est)
		c.steps = append(c.steps, s)
		joined, est = now, s.est
	}
	c.est = est
	return c, nil, true
}

// order returns the inputs' join order: written under FORCE ORDER, else
// greedy by estimated rows.
func (jp *joinPlanner) order(inputs []joinInput, conds []exec.Expr, masks []uint64, multi []int) []int {
	n := len(inputs)
	order := make([]int, 0, n)
	if jp.forceOrder {
		for i := range inputs {
			order = append(order, i)
		}
		return order
	}
	first := 0
	for i := range inputs {
		if inputs[i].est < inputs[first].est {
			first = i
		}
	}
	order = append(order, first)
	joined := uint64(1) << first
	est := inputs[first].est
	for len(order) < n {
		// Joined by an equality first (a hash or a seek can do it), then
		// by another condition, then a cross product; the fewest rows
		// within each.
		best, bestEst, bestRank := -1, 0.0, 0
		for k := range inputs {
			if joined&(1<<k) != 0 {
				continue
			}
			now := joined | 1<<k
			rank := 0
			sel := 1.0
			var eqs []exec.Expr
			for _, i := range multi {
				m := masks[i]
				if m&(1<<k) != 0 && m&^now == 0 {
					rank = max(rank, 1)
					if cmp, ok := conds[i].(*exec.Compare); ok && cmp.Op == "=" {
						eqs, rank = append(eqs, conds[i]), 2
					} else {
						sel *= opt.Selectivity(conds[i])
					}
				}
			}
			e := joinedRows(est, inputs[k], eqs, inputs) * sel
			if best < 0 || rank > bestRank || rank == bestRank && e < bestEst {
				best, bestEst, bestRank = k, e, rank
			}
		}
		order = append(order, best)
		joined |= 1 << best
		est = bestEst
	}
	return order
}

// joinedRows estimates the rows of joining rows so far (est of them) with
// input in on the equalities eqs: each row so far matches at most one of
// a unique key's rows, and otherwise the bigger side's count is the guess
// (a foreign key's); without equalities, every pair.
func joinedRows(est float64, in joinInput, eqs []exec.Expr, inputs []joinInput) float64 {
	if len(eqs) == 0 {
		return max(est*in.est, 1)
	}
	for _, c := range eqs {
		cmp := c.(*exec.Compare)
		for _, x := range []exec.Expr{cmp.L, cmp.R} {
			col, ok := x.(*exec.ColRef)
			if !ok {
				continue
			}
			for _, other := range inputs {
				ts := leafScan(other.src)
				if ts == nil || col.Idx < other.base || col.Idx >= other.base+other.w || !opt.UniqueColumn(ts.table, col.Idx-other.base) {
					continue
				}
				if other.base == in.base { // the new input's key: one match per row so far
					return max(est*min(1, in.est/in.reads), 1)
				}
				return max(in.est*min(1, est/other.reads), 1)
			}
		}
	}
	return max(est, in.est)
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
func (jp *joinPlanner) step(in joinInput, conds []exec.Expr, joined uint64, mask func(exec.Expr) (uint64, bool), inputs []joinInput, est float64) chainStep {
	s := chainStep{in: in, cond: opt.AndAll(conds)}
	self := uint64(0)
	for i := range inputs {
		if inputs[i].base == in.base {
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
	s.est = joinedRows(est, in, eqs, inputs) * sel
	if len(eqs) == 0 {
		s.est = max(est*in.est*sel, 1)
	}
	if len(s.pairs) == 0 {
		if jp.hint == hintHash {
			jp.fail()
		}
		return s
	}
	if jp.hint == hintLoop || jp.hint == hintNone && est*seekCost < in.reads+hashCost {
		if inner, used := seekInner(in.src, in.base, s.pairs); inner != nil {
			s.method, s.in.src, s.pairs = methodSeek, inner, used // cond stays whole: a converted key may seek too wide
			return s
		}
	}
	if jp.hint == hintLoop || jp.hint == hintNone && min(est, in.est) <= 1 {
		return s // nested loops: one side a single row, no table to build
	}
	s.method, s.rest = methodHash, opt.AndAll(rest)
	for _, p := range s.pairs {
		s.floats = append(s.floats, !exec.ExactNumber(p.L.Type()) || !exec.ExactNumber(p.R.Type()))
	}
	s.buildLeft = est < in.est
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
			copy(buf[in.base:in.base+in.w], exec.Pad(r, in.w))
			return emit()
		})
	}
	s := &c.steps[k-1]
	in := s.in
	cols := buf[in.base : in.base+in.w]
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
				copy(cols, exec.Pad(r, in.w))
				return emitIf(s.cond)
			})
		})
	case methodLoop:
		var rows []types.Value // the input's rows, one after another
		if err := in.src.Run(e, func(r []types.Value) error {
			rows = append(rows, exec.Pad(r, in.w)...)
			n := 16 * int64(in.w)
			for _, v := range r {
				n += govern.ValueSize(v)
			}
			return grow(n)
		}); err != nil {
			return err
		}
		return c.run(e, k-1, buf, held, func() error {
			for i := 0; i < len(rows); i += in.w {
				copy(cols, rows[i:i+in.w])
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
			copy(cols, exec.Pad(r, in.w))
			return fn()
		})
	}
	scanSoFar := func(fn func() error) error { return c.run(e, k-1, buf, held, fn) }
	if !s.buildLeft {
		t, err := build(in.w, rkeys, scanInput, cols)
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
	lo, hi := in.base-c.base, in.base-c.base+in.w // the input's place in a held row
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
	n := c.first.explain(x, nm, c.first.est)
	est := c.first.est
	for _, s := range c.steps {
		inEst := s.in.est
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
