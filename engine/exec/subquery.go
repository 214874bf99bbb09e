package exec

import (
	"mirrordb/engine/govern"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// Subquery is a subquery as an expression (its value, or EXISTS): an
// uncorrelated one runs once per statement execution, its rows cached in
// the environment; a correlated one runs again for each enclosing row.
type Subquery struct {
	Plan       *Select
	Exists     bool
	Correlated bool // names a column of an enclosing row: runs per row (bind's correlate.go binds it)
	Grouped    bool // runs after its query's grouping: the enclosing row is the group's keys
}

func (s *Subquery) Type() types.Type {
	if s.Exists {
		return types.TypeBit
	}
	return s.Plan.Cols[0].Type
}

func (s *Subquery) Rows(e *Env) ([][]types.Value, error) {
	if e.Cache == nil {
		e.Cache = map[any]any{}
	}
	if r, ok := e.Cache[s]; ok && !s.Correlated {
		return r.([][]types.Value), nil
	}
	sub := *e
	if s.Correlated {
		row := e.Row
		if s.Grouped {
			row = e.Keys
		}
		sub.Outer = append(e.Outer[:len(e.Outer):len(e.Outer)], row)
		releaseCorrelated(e, s)
	}
	sub.Row, sub.Aggs, sub.Keys = nil, nil, nil
	limit := -1
	if s.Exists {
		limit = 1
	}
	rows, err := CollectRows(&sub, s.Plan, limit)
	if err != nil {
		return nil, err
	}
	e.Cache[s] = rows
	return rows, nil
}

// CollectRows runs a SELECT and keeps (up to limit, when ≥ 0) its rows,
// counting them against the statement's memory.
func CollectRows(e *Env, plan *Select, limit int) ([][]types.Value, error) {
	var rows [][]types.Value
	err := plan.Run(e, func(row []types.Value) error {
		r := append([]types.Value{}, row...)
		rows = append(rows, r)
		if err := e.Gov.Grow(govern.RowSize(r) + 8); err != nil {
			return err
		}
		if len(rows) == limit {
			return ErrStopScan
		}
		return nil
	})
	if err != nil && err != ErrStopScan {
		return nil, err
	}
	return rows, nil
}

func (s *Subquery) Eval(e *Env) (types.Value, error) {
	rows, err := s.Rows(e)
	if err != nil {
		return nil, err
	}
	if s.Exists {
		return len(rows) > 0, nil
	}
	switch len(rows) {
	case 0:
		return nil, nil
	case 1:
		return rows[0][0], nil
	}
	return nil, sqlerr.New(512)
}

// InSubquery is x [NOT] IN (SELECT ...).
type InSubquery struct {
	X   Expr
	Sub *Subquery
	Not bool
}

func (in *InSubquery) Type() types.Type { return types.TypeBit }
func (in *InSubquery) Eval(e *Env) (types.Value, error) {
	xv, err := in.X.Eval(e)
	if err != nil {
		return nil, err
	}
	rows, err := in.Sub.Rows(e)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return in.Not, nil // x [NOT] IN over no rows: false [true], even for a NULL x
	}
	if xv == nil {
		return nil, nil
	}
	xt, st := in.X.Type(), in.Sub.Type()
	ct := types.Common(xt, st)
	if !SameRepresentation(xt.Kind, st.Kind) {
		if xv, err = types.Convert(xv, xt, ct, types.Implicit); err != nil {
			return nil, err
		}
	}
	sawNull := false
	for _, r := range rows {
		v := r[0]
		if v == nil {
			sawNull = true
			continue
		}
		if !SameRepresentation(xt.Kind, st.Kind) {
			if v, err = types.Convert(v, st, ct, types.Implicit); err != nil {
				return nil, err
			}
		}
		if types.Compare(xv, v) == 0 {
			return !in.Not, nil
		}
	}
	if sawNull {
		return nil, nil
	}
	return in.Not, nil
}

// releaseCorrelated gives back the memory of the rows the subquery kept
// for the previous outer row before it runs for the next: a statement
// holds one outer row's worth, not the sum over all of them.
func releaseCorrelated(e *Env, s *Subquery) {
	if prev, ok := e.Cache[s].([][]types.Value); ok {
		var n int64
		for _, r := range prev {
			n += govern.RowSize(r) + 8
		}
		e.Gov.Shrink(n)
		delete(e.Cache, s)
	}
}

// Subqueries tell the planner what they read (Leaves): a subquery is a
// leaf whose own plan is not entered, and a correlated one may read any
// column of the row.

func (s *Subquery) WalkLeaves(_ func(Expr) bool, leaf func(Expr)) bool {
	leaf(s)
	return !s.Correlated
}

func (in *InSubquery) WalkLeaves(walk func(Expr) bool, _ func(Expr)) bool {
	return walk(in.X) && walk(in.Sub)
}

// Explain names the subquery and keeps its plan (Explainer.Subquery).
func (v *Subquery) Explain(x *Explainer, _ *Names) string {
	return x.Subquery(v.Plan.Explain, v.Exists)
}

// Explain prints x [NOT] IN [SubqueryN].
func (v *InSubquery) Explain(x *Explainer, n *Names) string {
	op := " IN "
	if v.Not {
		op = " NOT IN "
	}
	return x.Text(v.X, n) + op + v.Sub.Explain(x, n)
}
