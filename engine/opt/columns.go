package opt

import "mirrordb/engine/exec"

// ExprSpan returns the lowest and highest combined-row column an
// expression reads (lo = -1 when it reads none); ok is false for an
// expression whose inputs it cannot tell, which then stays where it was
// written.
func ExprSpan(x exec.Expr) (lo, hi int, ok bool) {
	lo, hi = -1, -1
	ok = ExprColumns(x, func(i int) {
		if lo < 0 || i < lo {
			lo = i
		}
		if i > hi {
			hi = i
		}
	})
	return lo, hi, ok
}

// ExprColumns calls add with every combined-row column an expression
// reads; false for an expression whose inputs it cannot tell.
func ExprColumns(x exec.Expr, add func(col int)) bool {
	return ExprLeaves(x, func(x exec.Expr) {
		if c, ok := x.(*exec.ColRef); ok {
			add(c.Idx)
		}
	})
}

// ExprLeaves calls leaf with every column, outer column, constant,
// parameter and subquery of an expression (a subquery's own plan is not
// entered); false for an expression it cannot look into, or one with a
// correlated subquery, which may read any column of the row. Expressions
// defined outside exec answer for themselves (exec.Leaves).
func ExprLeaves(x exec.Expr, leaf func(exec.Expr)) bool {
	var walk func(x exec.Expr) bool
	all := func(xs ...exec.Expr) bool {
		for _, x := range xs {
			if x != nil && !walk(x) {
				return false
			}
		}
		return true
	}
	walk = func(x exec.Expr) bool {
		switch e := x.(type) {
		case exec.Leaves:
			return e.WalkLeaves(walk, leaf)
		case *exec.ColRef, *exec.Const, *exec.ParamRef, *exec.VarRef, *exec.AggRef, *exec.GroupKeyRef, *exec.OuterRef:
			leaf(e)
			return true
		case *exec.Cast:
			return walk(e.X)
		case *exec.Arith:
			return all(e.L, e.R)
		case *exec.Negate:
			return walk(e.X)
		case *exec.Compare:
			return all(e.L, e.R)
		case *exec.Logic:
			return all(e.L, e.R)
		case *exec.Not:
			return walk(e.X)
		case *exec.IsNull:
			return walk(e.X)
		case *exec.InList:
			return walk(e.X) && all(e.List...)
		case *exec.Case:
			return all(e.Conds...) && all(e.Results...) && all(e.Else)
		case *exec.Like:
			return all(e.X, e.Pattern, e.Escape)
		case *exec.Call:
			return !e.Agg && all(e.Args...)
		case *exec.StyledConvert:
			return all(e.X, e.Style)
		}
		return false
	}
	return walk(x)
}
