package opt

import "mirrordb/engine/exec"

// PushIntoDerived moves the WHERE conjuncts of a query over one derived
// table (an exec.Derived) that compare one of its plain columns with a
// constant or a parameter into the derived query's own WHERE, where its
// scan can seek with them, choosing that scan's access path again
// (ChooseAccess, judging filtered indexes with implies); it returns the
// conjuncts that stay. The derived query must return its rows unchanged
// by grouping, DISTINCT, TOP, OFFSET, window or set-returning functions,
// so that filtering first means the same.
func PushIntoDerived(src exec.Operator, where exec.Expr, implies Implies) exec.Expr {
	d, ok := src.(*exec.Derived)
	if !ok || where == nil {
		return where
	}
	p := d.Plan
	if p.Grouped || p.Distinct || p.Top != nil || p.Offset != nil || p.Fetch != nil || p.Windows != nil || p.Srfs != nil {
		return where
	}
	var keep, push []exec.Expr
	for _, c := range Conjuncts(where, nil) {
		if x := innerComparison(c, p.Project); x != nil {
			push = append(push, x)
		} else {
			keep = append(keep, c)
		}
	}
	if len(push) == 0 {
		return where
	}
	if p.Where != nil {
		push = append([]exec.Expr{p.Where}, push...)
	}
	p.Where = AndAll(push)
	ChooseAccess(p.Src, p.Where, 0, implies)
	p.Build()
	return AndAll(keep)
}

// innerComparison rewrites column = constant (or parameter, any
// comparison) over a derived table's output into the same comparison
// over the column the derived query passes through; nil when c is not
// of that shape.
func innerComparison(c exec.Expr, project []exec.Expr) exec.Expr {
	cmp, ok := c.(*exec.Compare)
	if !ok {
		return nil
	}
	inner := func(x exec.Expr) exec.Expr {
		switch v := x.(type) {
		case *exec.ColRef:
			if in := innerColumn(v, project); in != nil {
				return in
			}
		case *exec.Cast:
			if in := innerColumn(v.X, project); in != nil {
				nc := *v
				nc.X = in
				return &nc
			}
		}
		return nil
	}
	value := func(x exec.Expr) bool {
		switch x.(type) {
		case *exec.Const, *exec.ParamRef, *exec.VarRef:
			return true
		}
		return false
	}
	out := *cmp
	switch {
	case value(cmp.R):
		if out.L = inner(cmp.L); out.L == nil {
			return nil
		}
	case value(cmp.L):
		if out.R = inner(cmp.R); out.R == nil {
			return nil
		}
	default:
		return nil
	}
	return &out
}

// innerColumn is the derived query's column behind output column x.
func innerColumn(x exec.Expr, project []exec.Expr) exec.Expr {
	if v, ok := x.(*exec.ColRef); ok && v.Idx < len(project) {
		if in, ok := project[v.Idx].(*exec.ColRef); ok {
			return in
		}
	}
	return nil
}
