package engine

import (
	"mirrordb/engine/exec"
	"mirrordb/session"
)

// withOutput makes a data-changing plan return its OUTPUT rows: the
// columns are known when it is described, and the rows are sent once the
// statement has changed every row, so a statement that fails sends none.
func withOutput(p *stmtPlan, o *exec.Output) *stmtPlan {
	if o == nil {
		return p
	}
	run := p.run
	p.cols = o.Cols
	p.run = func(e *exec.Env, t *txn, w session.ResultWriter) (string, error) {
		e.Output = nil
		tag, err := run(e, t, w)
		rows := e.Output
		e.Output = nil
		if err != nil {
			return tag, err
		}
		for _, r := range rows {
			if err := w.Row(r); err != nil {
				return tag, err
			}
		}
		return tag, nil
	}
	return p
}
