package engine

import (
	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/engine/opt"
	"mirrordb/engine/plan"
	"mirrordb/types"
)

// SeekJoin is an index nested-loop join: for each left row its right
// input, a seek whose key values read that row's columns, returns only
// the right rows with equal keys. INNER and LEFT joins only (the right
// side's unmatched rows are never read). on is the whole join condition,
// checked on every row the seek returns.
type SeekJoin struct {
	NestedLoops
	Keys []JoinPair // the equalities the seek answers
}

func (s *SeekJoin) Run(e *exec.Env, fn func(row []types.Value) error) error {
	full := make([]types.Value, s.Base+s.LW+s.RW)
	combined := full[s.Base:]
	saved := e.Row
	defer func() { e.Row = saved }()
	return s.Left.Run(e, func(l []types.Value) error {
		if err := e.Gov.Check(); err != nil {
			return err
		}
		copy(combined, Pad(l, s.LW))
		e.Row = full // the seek's key values read the left row
		matched := false
		err := s.Right.Run(e, func(r []types.Value) error {
			copy(combined[s.LW:], Pad(r, s.RW))
			if s.On != nil {
				e.Row = full
				v, err := s.On.Eval(e)
				if err != nil || !exec.Truth(v) {
					return err
				}
			}
			matched = true
			return fn(combined)
		})
		if err != nil || matched || s.Kind != exec.LeftJoin {
			return err
		}
		clear(combined[s.LW:])
		return fn(combined)
	})
}

// Explain draws the join as SQL Server does: Nested Loops with the left
// columns the seek reads as OUTER REFERENCES, the seek as its inner input.
func (s *SeekJoin) Explain(x *exec.Explainer, nm *exec.Names) *plan.Node {
	left, right := s.Left.Explain(x, nm), s.Right.Explain(x, nm)
	n := x.Node("Nested Loops", s.Kind.Logical(), SeekArgument(x, nm, s.Keys, s.On), left, right)
	n.NamesLogical = true
	return n
}

// SeekArgument is an index nested-loop join's argument: the outer columns
// the seek reads, and the condition checked on each row it returns.
func SeekArgument(x *exec.Explainer, nm *exec.Names, keys []JoinPair, cond exec.Expr) string {
	refs, _ := PairSides(keys)
	arg := "OUTER REFERENCES:(" + x.List(refs, nm) + ")"
	if cond != nil {
		arg += ", WHERE:(" + x.Text(cond, nm) + ")"
	}
	return arg
}

// innerSeekers are the ways an index nested-loop join can read its inner
// input by key: each returns a source that seeks with the outer row's
// values and the equalities it answers, or nil. The primary key's
// clustered index seek is the first; a secondary index adds its own.
var innerSeekers = []func(inner exec.Operator, base int, pairs []JoinPair) (exec.Operator, []JoinPair){pkSeek, secondarySeek}

// seekInner finds a seek for a join's right input (at column base of the
// combined row), keeping a filter pushed onto it.
func seekInner(inner exec.Operator, base int, pairs []JoinPair) (exec.Operator, []JoinPair) {
	if f, ok := inner.(*filterSource); ok {
		s, used := seekInner(f.src, base, pairs)
		if s == nil {
			return nil, nil
		}
		return &filterSource{src: s, cond: f.cond, base: f.base, width: f.width}, used
	}
	for _, try := range innerSeekers {
		if s, used := try(inner, base, pairs); s != nil {
			return s, used
		}
	}
	return nil, nil
}

// pkSeek seeks a table on a prefix of its primary key: the columns a
// pushed-down constant already fixes, then those the join's equalities
// give, converted to the key column's type where that keeps equal values
// equal (keyCompatible), as the top-level access path does.
func pkSeek(inner exec.Operator, base int, pairs []JoinPair) (exec.Operator, []JoinPair) {
	ts, ok := inner.(*tableScan)
	if !ok || len(ts.table.PK) == 0 || ts.seek != nil {
		return nil, nil
	}
	eq, used := seekValues(ts.table, ts.table.PK, append([]exec.Expr(nil), ts.eq...), base, pairs)
	if len(used) == 0 {
		return nil, nil
	}
	return &tableScan{db: ts.db, table: ts.table, eq: eq}, used
}

// secondarySeek seeks a table through the ready, unfiltered secondary
// index whose leading columns the join's equalities give the most of.
func secondarySeek(inner exec.Operator, base int, pairs []JoinPair) (exec.Operator, []JoinPair) {
	ts, ok := inner.(*tableScan)
	if !ok || len(ts.eq) > 0 || ts.seek != nil {
		return nil, nil
	}
	var best *indexSeek
	var bestUsed []JoinPair
	for _, ix := range ts.table.Indexes {
		if ix.State != catalog.IndexReady || ix.Filter != "" {
			continue
		}
		eq, used := seekValues(ts.table, ix.Columns, nil, base, pairs)
		if len(used) > len(bestUsed) {
			best, bestUsed = &indexSeek{ix: ix, keySeek: equalKeySeek(ts.table, ix.Columns, ix.Desc, eq)}, used
		}
	}
	if best == nil {
		return nil, nil
	}
	return &tableScan{db: ts.db, table: ts.table, seek: best}, bestUsed
}

// seekValues extends eq, the values of the leading key columns already
// fixed, with the join equalities that give the next ones, in order.
func seekValues(t *catalog.TableDef, keyCols []int, eq []exec.Expr, base int, pairs []JoinPair) ([]exec.Expr, []JoinPair) {
	var used []JoinPair
	for _, kc := range keyCols[len(eq):] {
		colT := t.Columns[kc].Type
		found := false
		for _, p := range pairs {
			if c, ok := p.R.(*exec.ColRef); ok && c.Idx == base+kc && opt.KeyCompatible(colT, p.L.Type()) && !colT.Kind.IsBinary() {
				v := p.L
				if v.Type() != colT {
					v = &exec.Cast{X: p.L, To: colT, Mode: types.Implicit, Try: true}
				}
				eq = append(eq, v)
				used, found = append(used, p), true
				break
			}
		}
		if !found {
			break
		}
	}
	return eq, used
}

// filterSource applies predicates pushed down to one input. Its rows are
// its input's; the predicates read them at the input's place in the
// combined row.
type filterSource struct {
	src         exec.Operator
	cond        exec.Expr
	base, width int
}

func (f *filterSource) Run(e *exec.Env, fn func(row []types.Value) error) error {
	buf := make([]types.Value, f.base+f.width)
	return f.src.Run(e, func(r []types.Value) error {
		copy(buf[f.base:], Pad(r, f.width))
		saved := e.Row
		e.Row = buf
		v, err := f.cond.Eval(e)
		e.Row = saved
		if err != nil || !exec.Truth(v) {
			return err
		}
		return fn(r)
	})
}

func (f *filterSource) Explain(x *exec.Explainer, nm *exec.Names) *plan.Node {
	in := f.src.Explain(x, nm)
	return x.Node("Filter", "Filter", "WHERE:("+x.Text(f.cond, nm)+")", in)
}
