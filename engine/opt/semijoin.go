package opt

import (
	"mirrordb/engine/exec"
	"mirrordb/types"
)

// Semi-joins: which WHERE conjuncts run as an exec.SemiJoin instead of a
// subquery evaluated per row, and whether an EXISTS seeks its inner table
// per outer row. See exec.SemiJoin for how it keeps NULLs' meaning.

// planJoins is PushJoins with the semi-joins: the WHERE conjuncts that can
// run as semi-joins (SemiJoin) are taken out first, the rest planned by
// PushJoins, and the semi-joins then filter the planned source, each
// choosing its method under the hints. level is the statement's row as
// its subqueries name it (exec.OuterRef.Level): the binder's depth of
// enclosing queries when it bound the statement.
func planJoins(src exec.Operator, width int, where exec.Expr, hints []string, level int, tb Tables) (exec.Operator, exec.Expr, error) {
	var semis []*exec.SemiJoin
	if where != nil {
		var rest []exec.Expr
		for _, c := range Conjuncts(where, nil) {
			if s := SemiJoin(c, level); s != nil {
				semis = append(semis, s)
			} else {
				rest = append(rest, c)
			}
		}
		where = AndAll(rest)
	}
	src, where, err := PushJoins(src, width, where, hints, tb)
	if err != nil {
		return src, where, err
	}
	hint := QueryHint(hints)
	for _, s := range semis {
		s.Src, s.Width = src, width
		tb.seekSemiJoin(s, hint)
		src = s
	}
	return src, where, nil
}

// SemiJoin plans one WHERE conjunct as a semi-join, or returns nil: x
// [NOT] IN over an uncorrelated subquery of one column, or [NOT] EXISTS
// over a correlated subquery that decorrelates. Its source is left for
// the caller to set. level is as planJoins's.
func SemiJoin(c exec.Expr, level int) *exec.SemiJoin {
	anti := false
	if n, ok := c.(*exec.Not); ok {
		c, anti = n.X, true
	}
	switch x := c.(type) {
	case *exec.InSubquery:
		if anti || x.Sub.Correlated || len(x.Sub.Plan.Cols) != 1 {
			return nil
		}
		if _, _, ok := ExprSpan(x.X); !ok {
			return nil
		}
		s := &exec.SemiJoin{In: x.Sub, Anti: x.Not, OuterKeys: []exec.Expr{x.X}}
		xt, st := x.X.Type(), x.Sub.Type()
		ct := xt
		if !exec.SameRepresentation(xt.Kind, st.Kind) {
			ct = types.Common(xt, st)
			s.Convert = ct
		}
		s.Floats = []bool{!exec.ExactNumber(ct) || !exec.ExactNumber(xt) || !exec.ExactNumber(st)}
		return s
	case *exec.Subquery:
		if !x.Exists || !x.Correlated {
			return nil
		}
		return decorrelate(x, anti, level)
	}
	return nil
}

// decorrelate turns EXISTS (SELECT ... FROM one table WHERE inner = outer
// AND ...) into a semi-join on those equalities: the subquery must be a
// plain one (no grouping, TOP or OFFSET), over one table, naming the
// statement's row (at level) only as a bare column on one side of an
// equality of its WHERE clause.
func decorrelate(sub *exec.Subquery, anti bool, level int) *exec.SemiJoin {
	p := sub.Plan
	ts, ok := p.Src.(*exec.TableScan)
	if !ok || p.Grouped || len(p.Aggs) > 0 || p.Having != nil || p.Top != nil || p.Offset != nil || p.Fetch != nil || p.Where == nil || p.Srfs != nil {
		return nil // a set-returning function may make no row of a matching one
	}
	for _, x := range ts.Eq {
		if namesLevel(x, level) {
			return nil
		}
	}
	if ts.Seek != nil {
		return nil // an index seek's values may read the outer row
	}
	s := &exec.SemiJoin{Inner: ts, InnerPlan: p, Anti: anti}
	var filter []exec.Expr
	for _, c := range Conjuncts(p.Where, nil) {
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
		if _, _, ok := ExprSpan(inner); !ok {
			return nil
		}
		s.InnerKeys = append(s.InnerKeys, inner)
		s.OuterKeys = append(s.OuterKeys, &exec.ColRef{Idx: outer.Idx, T: outer.T})
		s.OuterRefs = append(s.OuterRefs, outer)
		s.Floats = append(s.Floats, !exec.ExactNumber(inner.Type()) || !exec.ExactNumber(outer.T))
	}
	if len(s.InnerKeys) == 0 {
		return nil
	}
	s.Filter = AndAll(filter)
	return s
}

// namesLevel reports whether x reads the row of the query at stack level
// (or might: an expression the planner cannot look into).
func namesLevel(x exec.Expr, level int) bool {
	found := false
	known := ExprLeaves(x, func(x exec.Expr) {
		if o, ok := x.(*exec.OuterRef); ok && o.Level == level {
			found = true
		}
	})
	return found || !known
}

// seekSemiJoin chooses the seek per outer row for an EXISTS semi-join
// whose outer input is estimated small against its inner table, or that
// OPTION (LOOP JOIN) asks for, as the join steps do (joinchain.go), when
// an index answers a key (SeekInner).
func (tb Tables) seekSemiJoin(s *exec.SemiJoin, hint JoinHint) {
	ts, ok := s.Inner.(*exec.TableScan)
	if !ok || hint == HintHash {
		return
	}
	if hint != HintLoop && !SeekCheaper(tb.Estimate(s.Src), tb.Reads(ts)) {
		return
	}
	pairs := make([]exec.JoinPair, len(s.InnerKeys))
	for i := range pairs {
		pairs[i] = exec.JoinPair{L: s.OuterRefs[i], R: s.InnerKeys[i]}
	}
	if inner, _ := SeekInner(ts, 0, pairs); inner != nil {
		s.Seek = inner
	}
}
