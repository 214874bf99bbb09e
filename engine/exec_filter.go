package engine

import (
	"mirrordb/engine/exec"
	"mirrordb/engine/plan"
	"mirrordb/types"
)

// filterOp passes the rows for which its condition is true: WHERE over
// the source's rows, HAVING over the groups.
type filterOp struct {
	in   operator
	cond exec.Expr
}

func (f *filterOp) run(e *exec.Env, emit func([]types.Value) error) error {
	return f.in.run(e, func(row []types.Value) error {
		e.Row = row
		v, err := f.cond.Eval(e)
		if err != nil || !exec.Truth(v) {
			return err
		}
		return emit(row)
	})
}

func (f *filterOp) explain(x *explainer, nm *names) *plan.Node {
	in := f.in.explain(x, nm)
	return x.node("Filter", "Filter", "WHERE:("+x.text(f.cond, nm)+")", in)
}
