package exec

// Leaves is an expression defined outside exec (the engine's subqueries
// and outer columns) that tells the planner what it reads, as the
// planner's walk over exec's own expressions does (opt.ExprLeaves):
// WalkLeaves passes itself to leaf or its operands to walk, and reports
// false when it may read any column of the row (a correlated subquery).
type Leaves interface {
	Expr
	WalkLeaves(walk func(Expr) bool, leaf func(Expr)) bool
}
