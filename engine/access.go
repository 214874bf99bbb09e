package engine

import (
	"mirrordb/engine/exec"
	"mirrordb/engine/opt"
)

// chooseAccess narrows a single-table scan by its WHERE clause
// (opt.ChooseAccess), judging filtered indexes' filters here.
func chooseAccess(src exec.Operator, where exec.Expr) { opt.ChooseAccess(src, where, 0, impliesFilter) }
