package exec

// ConstTree reports whether x is computed from constants alone (no
// column, parameter or volatile call): the binder folds such a tree to
// its value, and a plan prints a seek's value without a conversion to
// the key's type that such a tree needs (Unconverted).
func ConstTree(x Expr) bool {
	switch e := x.(type) {
	case *Const:
		return true
	case *Cast:
		return ConstTree(e.X)
	case *Arith:
		return ConstTree(e.L) && ConstTree(e.R)
	case *Negate:
		return ConstTree(e.X)
	case *Compare:
		return ConstTree(e.L) && ConstTree(e.R)
	case *Call:
		if e.Fn.Volatile || e.Agg {
			return false
		}
		for _, a := range e.Args {
			if !ConstTree(a) {
				return false
			}
		}
		return true
	}
	return false
}
