package exec

import (
	"mirrordb/engine/plan"
	"mirrordb/types"
)

// Filter passes the rows for which its condition is true: WHERE over
// the source's rows, HAVING over the groups.
type Filter struct {
	In   Operator
	Cond Expr
}

func (f *Filter) Run(e *Env, emit func([]types.Value) error) error {
	return f.In.Run(e, func(row []types.Value) error {
		e.Row = row
		v, err := f.Cond.Eval(e)
		if err != nil || !Truth(v) {
			return err
		}
		return emit(row)
	})
}

func (f *Filter) Explain(x *Explainer, nm *Names) *plan.Node {
	in := f.In.Explain(x, nm)
	return x.Node("Filter", "Filter", "WHERE:("+x.Text(f.Cond, nm)+")", in)
}
