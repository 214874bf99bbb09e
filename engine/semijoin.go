package engine

import (
	"mirrordb/engine/exec"
	"mirrordb/engine/opt"
	"mirrordb/engine/plan"
	"mirrordb/types"
)

// Semi-joins: a WHERE conjunct "x [NOT] IN (subquery)" over an
// uncorrelated subquery, or "[NOT] EXISTS (subquery)" whose subquery
// names the outer row only in equalities of its WHERE clause, runs as a
// Hash Match semi-join (anti semi-join for NOT): the subquery's rows are
// read once into a hash table on their keys, and each outer row is kept
// by a lookup, instead of a scan of the subquery's rows (or a run of the
// subquery) per outer row.
//
// NULLs keep the predicate's meaning. x IN (...) is unknown, so the row
// is not kept, when x is NULL or when no value matches but one is NULL;
// NOT IN is then unknown too, except that NOT IN over no rows at all is
// true whatever x is. EXISTS compares with =, so a NULL key matches
// nothing: EXISTS is false and NOT EXISTS true for it.

// semiJoin keeps the rows of src (the statement's combined row, width
// wide) that have a match (anti: that have none) among the subquery's.
type semiJoin struct {
	src   exec.Operator
	width int
	anti  bool
	// The inner rows: an IN subquery's result (in, its first column the
	// key), or the rows of an EXISTS subquery's FROM clause that pass its
	// remaining WHERE conjuncts (inner, filter), keyed by innerKeys.
	in        *exec.Subquery
	inner     exec.Operator
	innerPlan *exec.Select
	filter    exec.Expr
	innerKeys []exec.Expr
	outerKeys []exec.Expr
	convert   types.Type // IN: both sides converted to this type, when set
	floats    []bool
	// seek, when set, reads an EXISTS subquery's rows by a seek per outer
	// row instead (Nested Loops (Left Semi Join)): chosen when the outer
	// rows are few against the inner table and an index answers a key.
	seek exec.Operator
	// outerRefs are the subquery's own names of the outer columns (its
	// level the statement's), which the seek's key values read.
	outerRefs []*exec.OuterRef
}

// planSeek chooses the seek per outer row for an EXISTS semi-join whose
// outer input is estimated small, as the join steps do (opt/joinchain.go).
func (s *semiJoin) planSeek(hint opt.JoinHint) {
	ts, ok := s.inner.(*exec.TableScan)
	if !ok || hint == opt.HintHash {
		return
	}
	if hint != opt.HintLoop && !opt.SeekCheaper(planTables.Estimate(s.src), planTables.Reads(ts)) {
		return
	}
	pairs := make([]exec.JoinPair, len(s.innerKeys))
	for i := range pairs {
		pairs[i] = exec.JoinPair{L: s.outerRefs[i], R: s.innerKeys[i]}
	}
	if inner, _ := opt.SeekInner(ts, 0, pairs); inner != nil {
		s.seek = inner
	}
}

// semiJoin plans one conjunct as a semi-join, or returns nil.
func (b *binder) semiJoin(c exec.Expr) *semiJoin {
	anti := false
	if n, ok := c.(*exec.Not); ok {
		c, anti = n.X, true
	}
	switch x := c.(type) {
	case *exec.InSubquery:
		if anti || x.Sub.Correlated || len(x.Sub.Plan.Cols) != 1 {
			return nil
		}
		if _, _, ok := opt.ExprSpan(x.X); !ok {
			return nil
		}
		s := &semiJoin{in: x.Sub, anti: x.Not, outerKeys: []exec.Expr{x.X}}
		xt, st := x.X.Type(), x.Sub.Type()
		ct := xt
		if !exec.SameRepresentation(xt.Kind, st.Kind) {
			ct = types.Common(xt, st)
			s.convert = ct
		}
		s.floats = []bool{!exec.ExactNumber(ct) || !exec.ExactNumber(xt) || !exec.ExactNumber(st)}
		return s
	case *exec.Subquery:
		if !x.Exists || !x.Correlated {
			return nil
		}
		return b.decorrelate(x, anti)
	}
	return nil
}

// decorrelate turns EXISTS (SELECT ... FROM one table WHERE inner = outer
// AND ...) into a semi-join on those equalities: the subquery must be a
// plain one (no grouping, TOP or OFFSET), over one table, naming the
// statement's row only as a bare column on one side of an equality of its
// WHERE clause.
func (b *binder) decorrelate(sub *exec.Subquery, anti bool) *semiJoin {
	p := sub.Plan
	ts, ok := p.Src.(*exec.TableScan)
	if !ok || p.Grouped || len(p.Aggs) > 0 || p.Having != nil || p.Top != nil || p.Offset != nil || p.Fetch != nil || p.Where == nil || p.Srfs != nil {
		return nil // a set-returning function may make no row of a matching one
	}
	level := b.OuterDepth() // the statement's row, as the subquery names it
	for _, x := range ts.Eq {
		if namesLevel(x, level) {
			return nil
		}
	}
	if ts.Seek != nil {
		return nil // an index seek's values may read the outer row
	}
	s := &semiJoin{inner: ts, innerPlan: p, anti: anti}
	var filter []exec.Expr
	for _, c := range opt.Conjuncts(p.Where, nil) {
		if !namesLevel(c, level) {
			filter = append(filter, c)
			continue
		}
		cmp, ok := c.(*exec.Compare)
		if !ok || cmp.Op != "=" {
			return nil
		}
		var inner exec.Expr
		var outer *exec.OuterRef
		for _, side := range [2][2]exec.Expr{{cmp.L, cmp.R}, {cmp.R, cmp.L}} {
			if o, ok := side[1].(*exec.OuterRef); ok && o.Level == level && !namesLevel(side[0], level) {
				inner, outer = side[0], o
			}
		}
		if outer == nil {
			return nil
		}
		if _, _, ok := opt.ExprSpan(inner); !ok {
			return nil
		}
		s.innerKeys = append(s.innerKeys, inner)
		s.outerKeys = append(s.outerKeys, &exec.ColRef{Idx: outer.Idx, T: outer.T})
		s.outerRefs = append(s.outerRefs, outer)
		s.floats = append(s.floats, !exec.ExactNumber(inner.Type()) || !exec.ExactNumber(outer.T))
	}
	if len(s.innerKeys) == 0 {
		return nil
	}
	s.filter = opt.AndAll(filter)
	return s
}

// namesLevel reports whether x reads the row of the query at stack level
// (or might: an expression the planner cannot look into).
func namesLevel(x exec.Expr, level int) bool {
	found := false
	known := opt.ExprLeaves(x, func(x exec.Expr) {
		if o, ok := x.(*exec.OuterRef); ok && o.Level == level {
			found = true
		}
	})
	return found || !known
}

func (s *semiJoin) Run(e *exec.Env, fn func(row []types.Value) error) error {
	if s.seek != nil {
		return s.scanSeeking(e, fn)
	}
	t := exec.NewHashTable(s.floats, 0)
	var held int64
	defer func() { e.Gov.Shrink(held) }()
	add := func(kv []types.Value) error {
		n := t.Add(nil, kv)
		held += n
		return e.Gov.Grow(n)
	}
	kv := make([]types.Value, len(s.outerKeys))
	sawNull, empty := false, true
	saved := e.Row
	defer func() { e.Row = saved }()
	if s.in != nil {
		rows, err := s.in.Rows(e)
		if err != nil {
			return err
		}
		for _, r := range rows {
			empty = false
			v := r[0]
			if v != nil && s.convert.Kind != 0 {
				if v, err = types.Convert(v, s.in.Type(), s.convert, types.Implicit); err != nil {
					return err
				}
			}
			if v == nil {
				sawNull = true
				continue
			}
			kv[0] = v
			if err := add(kv); err != nil {
				return err
			}
		}
	} else {
		err := s.inner.Run(e, func(r []types.Value) error {
			e.Row = r
			if s.filter != nil {
				if v, err := s.filter.Eval(e); err != nil || !exec.Truth(v) {
					return err
				}
			}
			ok, err := exec.EvalKeys(e, s.innerKeys, kv)
			if err != nil || !ok {
				return err
			}
			return add(kv)
		})
		if err != nil {
			return err
		}
	}
	if err := e.Gov.Grow(t.Link()); err != nil {
		return err
	}
	buf := make([]types.Value, s.width)
	return s.src.Run(e, func(r []types.Value) error {
		if err := e.Gov.Check(); err != nil {
			return err
		}
		copy(buf, exec.Pad(r, s.width))
		e.Row = buf
		keep, err := s.keeps(e, t, kv, sawNull, empty)
		e.Row = saved
		if err != nil || !keep {
			return err
		}
		return fn(r)
	})
}

// scanSeeking runs an EXISTS semi-join by a seek of the inner table per
// outer row, stopping at the first inner row that matches.
func (s *semiJoin) scanSeeking(e *exec.Env, fn func(row []types.Value) error) error {
	buf := make([]types.Value, s.width)
	kv, ik := make([]types.Value, len(s.outerKeys)), make([]types.Value, len(s.innerKeys))
	saved := e.Row
	defer func() { e.Row = saved }()
	outer := e.Outer
	// The seek's values name the outer row one level out; buf is that row
	// for every outer row, so the list is built once.
	seekOuter := append(outer[:len(outer):len(outer)], buf)
	return s.src.Run(e, func(r []types.Value) error {
		if err := e.Gov.Check(); err != nil {
			return err
		}
		copy(buf, exec.Pad(r, s.width))
		e.Row = buf
		ok, err := exec.EvalKeys(e, s.outerKeys, kv)
		if err != nil {
			return err
		}
		found := false
		if ok {
			e.Outer = seekOuter
			err = s.seek.Run(e, func(ir []types.Value) error {
				e.Row = ir
				if s.filter != nil {
					if v, err := s.filter.Eval(e); err != nil || !exec.Truth(v) {
						return err
					}
				}
				if ok, err := exec.EvalKeys(e, s.innerKeys, ik); err != nil || !ok || !exec.KeysEqual(ik, kv) {
					return err
				}
				found = true
				return exec.ErrStopScan
			})
			e.Outer = outer
			if err != nil && err != exec.ErrStopScan {
				return err
			}
		}
		e.Row = saved
		if found == s.anti {
			return nil
		}
		return fn(r)
	})
}

// keeps decides one outer row (in e.row).
func (s *semiJoin) keeps(e *exec.Env, t *exec.HashTable, kv []types.Value, sawNull, empty bool) (bool, error) {
	if s.in != nil && s.anti && empty {
		return true, nil // NOT IN over no rows: true even for NULL
	}
	ok, err := exec.EvalKeys(e, s.outerKeys, kv)
	if err != nil {
		return false, err
	}
	if ok && s.convert.Kind != 0 {
		if kv[0], err = types.Convert(kv[0], s.outerKeys[0].Type(), s.convert, types.Implicit); err != nil {
			return false, err
		}
		ok = kv[0] != nil
	}
	if !ok { // a NULL key: IN and NOT IN unknown, EXISTS false
		return s.anti && s.in == nil, nil
	}
	found := false
	err = t.Matches(kv, func(int, []types.Value) error { found = true; return exec.ErrStopScan })
	if err != nil && err != exec.ErrStopScan {
		return false, err
	}
	if found {
		return !s.anti, nil
	}
	if s.in != nil && sawNull {
		return false, nil // no match but a NULL: unknown
	}
	return s.anti, nil
}

// Explain draws the semi-join as SQL Server does: Hash Match (Right Semi
// Join, or Right Anti Semi Join) over the subquery's rows, the build
// input, then the outer rows it probes with.
func (s *semiJoin) Explain(x *exec.Explainer, nm *exec.Names) *plan.Node {
	if s.seek != nil {
		return s.explainSeek(x, nm)
	}
	var build *plan.Node
	var inner string
	if s.in != nil {
		build = s.in.Plan.Explain(x)
		inner = x.Text(s.in.Plan.Project[0], &exec.Names{Columns: s.in.Plan.Scope})
	} else {
		inm := &exec.Names{Columns: s.innerPlan.Scope}
		build = s.explainInner(x, inm, s.inner)
		inner = x.List(s.innerKeys, inm)
	}
	outer := x.List(s.outerKeys, nm)
	probe := s.src.Explain(x, nm)
	logical := "Right Semi Join"
	if s.anti {
		logical = "Right Anti Semi Join"
	}
	arg := "HASH:(" + inner + ")=(" + outer + ")"
	n := x.Node("Hash Match", logical, arg, build, probe)
	n.NamesLogical = true
	return n
}

// explainSeek draws a seeking semi-join as SQL Server does: Nested Loops
// (Left Semi Join, or Left Anti Semi Join) over the outer rows, with the
// outer columns the seek reads.
func (s *semiJoin) explainSeek(x *exec.Explainer, nm *exec.Names) *plan.Node {
	outer := s.src.Explain(x, nm)
	inner := s.explainInner(x, &exec.Names{Columns: s.innerPlan.Scope}, s.seek)
	logical := "Left Semi Join"
	if s.anti {
		logical = "Left Anti Semi Join"
	}
	n := x.Node("Nested Loops", logical, "OUTER REFERENCES:("+x.List(s.outerKeys, nm)+")", outer, inner)
	n.NamesLogical = true
	return n
}

// explainInner draws an EXISTS subquery's rows: src under its remaining
// WHERE conjuncts.
func (s *semiJoin) explainInner(x *exec.Explainer, inm *exec.Names, src exec.Operator) *plan.Node {
	n := src.Explain(x, inm)
	if s.filter != nil {
		n = x.Node("Filter", "Filter", "WHERE:("+x.Text(s.filter, inm)+")", n)
	}
	return n
}

// EstimateRows guesses that half the outer rows match (opt.Estimated).
func (s *semiJoin) EstimateRows(input func(exec.Operator) float64) float64 {
	return max(input(s.src)*0.5, 1)
}
