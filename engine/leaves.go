package engine

import "mirrordb/engine/exec"

// The engine's own expressions tell the planner what they read
// (exec.Leaves): a subquery is a leaf whose own plan is not entered, and
// a correlated one may read any column of the row.

func (s *subqueryExpr) WalkLeaves(_ func(exec.Expr) bool, leaf func(exec.Expr)) bool {
	leaf(s)
	return !s.Correlated
}

func (in *inSubquery) WalkLeaves(walk func(exec.Expr) bool, _ func(exec.Expr)) bool {
	return walk(in.X) && walk(in.Sub)
}
