package exec

// The joins' operators. Every input yields rows relative to its own first
// column; a join copies them into a buffer as wide as the statement's
// combined row, at the input's offset, since its condition's column
// indexes are the combined row's. The planner (package engine, its passes
// over the bound FROM tree) chooses which operator a join runs as.

import (
	"mirrordb/engine/govern"
	"mirrordb/engine/plan"
	"mirrordb/types"
)

// NestedLoops combines two sources with nested loops; the right side is
// materialised once per scan, its rows counted against the statement's
// memory. Like every source it yields rows relative to its own first
// column; base is where that column sits in the statement's combined row,
// which is what the ON condition's column indexes refer to. The inner loop
// checks the statement at every pair: with an empty or selective ON it may
// run long between rows.
type NestedLoops struct {
	Kind        JoinKind
	Left, Right Operator
	On          Expr
	Base        int
	LW, RW      int
}

func (j *NestedLoops) Run(e *Env, fn func(row []types.Value) error) error {
	var right [][]types.Value
	var held int64
	defer func() { e.Gov.Shrink(held) }()
	if err := j.Right.Run(e, func(r []types.Value) error {
		row := append(make([]types.Value, 0, j.RW), Pad(r, j.RW)...)
		n := govern.RowSize(row) + 1 // and its matchedRight flag
		held += n
		right = append(right, row)
		return e.Gov.Grow(n)
	}); err != nil {
		return err
	}
	matchedRight := make([]bool, len(right))
	full := make([]types.Value, j.Base+j.LW+j.RW)
	combined := full[j.Base:]
	saved := e.Row
	defer func() { e.Row = saved }()
	err := j.Left.Run(e, func(l []types.Value) error {
		copy(combined, Pad(l, j.LW))
		matched := false
		for i, r := range right {
			if err := e.Gov.Check(); err != nil {
				return err
			}
			copy(combined[j.LW:], r)
			if j.On != nil {
				e.Row = full
				v, err := j.On.Eval(e)
				if err != nil {
					return err
				}
				if !Truth(v) {
					continue
				}
			}
			matched = true
			matchedRight[i] = true
			if err := fn(combined); err != nil {
				return err
			}
		}
		if !matched && j.Kind.Preserves(true) {
			clear(combined[j.LW:])
			return fn(combined)
		}
		return nil
	})
	if err != nil || !j.Kind.Preserves(false) {
		return err
	}
	clear(combined[:j.LW])
	for i, r := range right {
		if err := e.Gov.Check(); err != nil {
			return err
		}
		if !matchedRight[i] {
			copy(combined[j.LW:], r)
			if err := fn(combined); err != nil {
				return err
			}
		}
	}
	return nil
}

// Explain describes the join as what it runs: nested loops over the left
// input, the right input read once and held in memory.
func (j *NestedLoops) Explain(x *Explainer, nm *Names) *plan.Node {
	left, right := j.Left.Explain(x, nm), j.Right.Explain(x, nm)
	arg := ""
	if j.On != nil {
		arg = "WHERE:(" + x.Text(j.On, nm) + ")"
	}
	n := x.Node("Nested Loops", j.Kind.Logical(), arg, left, right)
	n.NamesLogical = true
	return n
}

// Pad returns r as a row of n columns: cut, or extended with NULLs (a
// source may yield fewer columns than its width, trailing NULLs unset).
func Pad(r []types.Value, n int) []types.Value {
	if len(r) >= n {
		return r[:n]
	}
	return append(append([]types.Value{}, r...), make([]types.Value, n-len(r))...)
}

// JoinPair is one conjunct l = r of a join condition, l over the left
// input's columns and r over the right's.
type JoinPair struct {
	L, R Expr
	Cmp  *Compare
}

// SeekJoin is an index nested-loop join: for each left row its right
// input, a seek whose key values read that row's columns, returns only
// the right rows with equal keys. INNER and LEFT joins only (the right
// side's unmatched rows are never read). on is the whole join condition,
// checked on every row the seek returns.
type SeekJoin struct {
	NestedLoops
	Keys []JoinPair // the equalities the seek answers
}

func (s *SeekJoin) Run(e *Env, fn func(row []types.Value) error) error {
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
				if err != nil || !Truth(v) {
					return err
				}
			}
			matched = true
			return fn(combined)
		})
		if err != nil || matched || s.Kind != LeftJoin {
			return err
		}
		clear(combined[s.LW:])
		return fn(combined)
	})
}

// Explain draws the join as SQL Server does: Nested Loops with the left
// columns the seek reads as OUTER REFERENCES, the seek as its inner input.
func (s *SeekJoin) Explain(x *Explainer, nm *Names) *plan.Node {
	left, right := s.Left.Explain(x, nm), s.Right.Explain(x, nm)
	n := x.Node("Nested Loops", s.Kind.Logical(), SeekArgument(x, nm, s.Keys, s.On), left, right)
	n.NamesLogical = true
	return n
}

// SeekArgument is an index nested-loop join's argument: the outer columns
// the seek reads, and the condition checked on each row it returns.
func SeekArgument(x *Explainer, nm *Names, keys []JoinPair, cond Expr) string {
	refs, _ := PairSides(keys)
	arg := "OUTER REFERENCES:(" + x.List(refs, nm) + ")"
	if cond != nil {
		arg += ", WHERE:(" + x.Text(cond, nm) + ")"
	}
	return arg
}

// InputFilter applies predicates pushed down to one input. Its rows are
// its input's; the predicates read them at the input's place in the
// combined row.
type InputFilter struct {
	Src         Operator
	Cond        Expr
	Base, Width int
}

func (f *InputFilter) Run(e *Env, fn func(row []types.Value) error) error {
	buf := make([]types.Value, f.Base+f.Width)
	return f.Src.Run(e, func(r []types.Value) error {
		copy(buf[f.Base:], Pad(r, f.Width))
		saved := e.Row
		e.Row = buf
		v, err := f.Cond.Eval(e)
		e.Row = saved
		if err != nil || !Truth(v) {
			return err
		}
		return fn(r)
	})
}

// Explain draws the pushed-down filter as any other Filter.
func (f *InputFilter) Explain(x *Explainer, nm *Names) *plan.Node {
	return (&Filter{In: f.Src, Cond: f.Cond}).Explain(x, nm)
}
