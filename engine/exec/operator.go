package exec

import (
	"errors"

	"mirrordb/engine/plan"
	"mirrordb/types"
)

// Operator is one node of a SELECT's chain.
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
