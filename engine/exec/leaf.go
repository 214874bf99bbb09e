package exec

import (
	"mirrordb/engine/plan"
	"mirrordb/types"
)

// The row sources that read no store: the leaves of a SELECT's chain that
// the engine's scans of tables and indexes stand beside.

// OneRow is the source of a SELECT without FROM: a single empty row.
type OneRow struct{}

func (OneRow) Run(_ *Env, fn func([]types.Value) error) error { return fn(nil) }

func (OneRow) Explain(x *Explainer, _ *Names) *plan.Node {
	n := x.Node("Constant Scan", "Constant Scan", "")
	n.EstimateRows, n.Estimated = 1, true
	return n
}

// VirtualScan serves the rows of a catalog view or table-valued function,
// which Rows computes (the engine's catalog views read the session).
type VirtualScan struct {
	Name string // the view's or function's name, for printed plans
	Rows func(e *Env) ([][]types.Value, error)
}

func (v *VirtualScan) Run(e *Env, fn func(row []types.Value) error) error {
	rows, err := v.Rows(e)
	if err != nil {
		return err
	}
	return ScanRows(e, rows, fn)
}

func (v *VirtualScan) Explain(x *Explainer, _ *Names) *plan.Node {
	return x.Node("Table-valued function", "Table-valued function", "OBJECT:("+Bracket("sys")+"."+Bracket(v.Name)+")")
}
