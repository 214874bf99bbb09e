package exec

import (
	"mirrordb/engine/plan"
	"mirrordb/types"
)

// SemiJoin runs a WHERE conjunct "x [NOT] IN (subquery)" over an
// uncorrelated subquery, or "[NOT] EXISTS (subquery)" whose subquery
// names the outer row only in equalities of its WHERE clause, as a Hash
// Match semi-join (anti semi-join for NOT): the subquery's rows are read
// once into a hash table on their keys, and each outer row is kept by a
// lookup, instead of a scan of the subquery's rows (or a run of the
// subquery) per outer row. The planner (opt.SemiJoin) decides which
// conjuncts qualify and whether an EXISTS seeks instead.
//
// NULLs keep the predicate's meaning. x IN (...) is unknown, so the row
// is not kept, when x is NULL or when no value matches but one is NULL;
// NOT IN is then unknown too, except that NOT IN over no rows at all is
// true whatever x is. EXISTS compares with =, so a NULL key matches
// nothing: EXISTS is false and NOT EXISTS true for it.
//
// It keeps the rows of Src (the statement's combined row, Width wide)
// that have a match (Anti: that have none) among the subquery's.
type SemiJoin struct {
	Src   Operator
	Width int
	Anti  bool
	// The inner rows: an IN subquery's result (In, its first column the
	// key), or the rows of an EXISTS subquery's FROM clause that pass its
	// remaining WHERE conjuncts (Inner, Filter; InnerPlan names their
	// columns in plans), keyed by InnerKeys.
	In        *Subquery
	Inner     Operator
	InnerPlan *Select
	Filter    Expr
	InnerKeys []Expr
	OuterKeys []Expr
	Convert   types.Type // IN: both sides converted to this type, when set
	Floats    []bool     // per key: compared as approximate numbers (HashTable)
	// Seek, when set, reads an EXISTS subquery's rows by a seek per outer
	// row instead (Nested Loops (Left Semi Join)): chosen when the outer
	// rows are few against the inner table and an index answers a key.
	Seek Operator
	// OuterRefs are the subquery's own names of the outer columns (its
	// level the statement's), which the seek's key values read.
	OuterRefs []*OuterRef
}

func (s *SemiJoin) Run(e *Env, fn func(row []types.Value) error) error {
	if s.Seek != nil {
		return s.scanSeeking(e, fn)
	}
	t := NewHashTable(s.Floats, 0)
	var held int64
	defer func() { e.Gov.Shrink(held) }()
	add := func(kv []types.Value) error {
		n := t.Add(nil, kv)
		held += n
		return e.Gov.Grow(n)
	}
	kv := make([]types.Value, len(s.OuterKeys))
	sawNull, empty := false, true
	saved := e.Row
	defer func() { e.Row = saved }()
	if s.In != nil {
		rows, err := s.In.Rows(e)
		if err != nil {
			return err
		}
		for _, r := range rows {
			empty = false
			v := r[0]
			if v != nil && s.Convert.Kind != 0 {
				if v, err = types.Convert(v, s.In.Type(), s.Convert, types.Implicit); err != nil {
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
		err := s.Inner.Run(e, func(r []types.Value) error {
			e.Row = r
			if s.Filter != nil {
				if v, err := s.Filter.Eval(e); err != nil || !Truth(v) {
					return err
				}
			}
			ok, err := EvalKeys(e, s.InnerKeys, kv)
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
	buf := make([]types.Value, s.Width)
	return s.Src.Run(e, func(r []types.Value) error {
		if err := e.Gov.Check(); err != nil {
			return err
		}
		copy(buf, Pad(r, s.Width))
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
func (s *SemiJoin) scanSeeking(e *Env, fn func(row []types.Value) error) error {
	buf := make([]types.Value, s.Width)
	kv, ik := make([]types.Value, len(s.OuterKeys)), make([]types.Value, len(s.InnerKeys))
	saved := e.Row
	defer func() { e.Row = saved }()
	outer := e.Outer
	// The seek's values name the outer row one level out; buf is that row
	// for every outer row, so the list is built once.
	seekOuter := append(outer[:len(outer):len(outer)], buf)
	return s.Src.Run(e, func(r []types.Value) error {
		if err := e.Gov.Check(); err != nil {
			return err
		}
		copy(buf, Pad(r, s.Width))
		e.Row = buf
		ok, err := EvalKeys(e, s.OuterKeys, kv)
		if err != nil {
			return err
		}
		found := false
		if ok {
			e.Outer = seekOuter
			err = s.Seek.Run(e, func(ir []types.Value) error {
				e.Row = ir
				if s.Filter != nil {
					if v, err := s.Filter.Eval(e); err != nil || !Truth(v) {
						return err
					}
				}
				if ok, err := EvalKeys(e, s.InnerKeys, ik); err != nil || !ok || !KeysEqual(ik, kv) {
					return err
				}
				found = true
				return ErrStopScan
			})
			e.Outer = outer
			if err != nil && err != ErrStopScan {
				return err
			}
		}
		e.Row = saved
		if found == s.Anti {
			return nil
		}
		return fn(r)
	})
}

// keeps decides one outer row (in e.row).
func (s *SemiJoin) keeps(e *Env, t *HashTable, kv []types.Value, sawNull, empty bool) (bool, error) {
	if s.In != nil && s.Anti && empty {
		return true, nil // NOT IN over no rows: true even for NULL
	}
	ok, err := EvalKeys(e, s.OuterKeys, kv)
	if err != nil {
		return false, err
	}
	if ok && s.Convert.Kind != 0 {
		if kv[0], err = types.Convert(kv[0], s.OuterKeys[0].Type(), s.Convert, types.Implicit); err != nil {
			return false, err
		}
		ok = kv[0] != nil
	}
	if !ok { // a NULL key: IN and NOT IN unknown, EXISTS false
		return s.Anti && s.In == nil, nil
	}
	found := false
	err = t.Matches(kv, func(int, []types.Value) error { found = true; return ErrStopScan })
	if err != nil && err != ErrStopScan {
		return false, err
	}
	if found {
		return !s.Anti, nil
	}
	if s.In != nil && sawNull {
		return false, nil // no match but a NULL: unknown
	}
	return s.Anti, nil
}

// Explain draws the semi-join as SQL Server does: Hash Match (Right Semi
// Join, or Right Anti Semi Join) over the subquery's rows, the build
// input, then the outer rows it probes with.
func (s *SemiJoin) Explain(x *Explainer, nm *Names) *plan.Node {
	if s.Seek != nil {
		return s.explainSeek(x, nm)
	}
	var build *plan.Node
	var inner string
	if s.In != nil {
		build = s.In.Plan.Explain(x)
		inner = x.Text(s.In.Plan.Project[0], &Names{Columns: s.In.Plan.Scope})
	} else {
		inm := &Names{Columns: s.InnerPlan.Scope}
		build = s.explainInner(x, inm, s.Inner)
		inner = x.List(s.InnerKeys, inm)
	}
	outer := x.List(s.OuterKeys, nm)
	probe := s.Src.Explain(x, nm)
	logical := "Right Semi Join"
	if s.Anti {
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
func (s *SemiJoin) explainSeek(x *Explainer, nm *Names) *plan.Node {
	outer := s.Src.Explain(x, nm)
	inner := s.explainInner(x, &Names{Columns: s.InnerPlan.Scope}, s.Seek)
	logical := "Left Semi Join"
	if s.Anti {
		logical = "Left Anti Semi Join"
	}
	n := x.Node("Nested Loops", logical, "OUTER REFERENCES:("+x.List(s.OuterKeys, nm)+")", outer, inner)
	n.NamesLogical = true
	return n
}

// explainInner draws an EXISTS subquery's rows: src under its remaining
// WHERE conjuncts.
func (s *SemiJoin) explainInner(x *Explainer, inm *Names, src Operator) *plan.Node {
	n := src.Explain(x, inm)
	if s.Filter != nil {
		n = x.Node("Filter", "Filter", "WHERE:("+x.Text(s.Filter, inm)+")", n)
	}
	return n
}
