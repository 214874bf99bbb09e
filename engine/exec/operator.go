package exec

import (
	"errors"

	"mirrordb/engine/plan"
	"mirrordb/types"
)

// Operator is one node of a SELECT's chain. Rows are pushed: an
// operator's Run calls emit once per row it produces, and the row is
// valid only during that call (an operator that keeps rows copies them).
// Below the projection an operator's rows are contexts the expressions
// read through Env (row, group keys and aggregates, window values,
// set-returning functions' elements); each operator that evaluates
// expressions there sets Env.Row to the row it is given. From the
// projection up they are output values, followed, for a sort, by the
// ORDER BY values.
type Operator interface {
	Run(e *Env, emit func(row []types.Value) error) error
	// Explain describes the node over its input's description; nm names
	// the columns and the values lower nodes define.
	Explain(x *Explainer, nm *Names) *plan.Node
}

// OrderKey is one ORDER BY item: an output column (col ≥ 0) or an
// expression evaluated alongside the projection.
type OrderKey struct {
	Col  int
	X    Expr
	Desc bool
}

// ErrStopScan ends a scan early without an error (TOP, EXISTS).
var ErrStopScan = errors.New("stop scan")

// ScanRows passes held rows to fn, checking the statement between rows.
func ScanRows(e *Env, rows [][]types.Value, fn func(row []types.Value) error) error {
	for _, r := range rows {
		if err := e.Gov.Check(); err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}
