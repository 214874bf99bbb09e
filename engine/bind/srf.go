package bind

import (
	"strings"

	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/sqlerr"
)

// Where PostgreSQL's set-returning functions of a select list
// (IsSelectListSRF: unnest, generate_series, ...) may appear: the engine
// binds each call (Engine.BindOther) and records it in the SRFContext of
// the query whose select list and ORDER BY are being bound, leaving an
// exec.SrfRef in its place; elsewhere they are refused.

// SRFContext collects the set-returning functions of one query's select
// list and ORDER BY.
type SRFContext struct{ List []exec.SetReturning }

// setReturning is the collected calls as the SELECT's exec.SetReturning
// list, nil when there are none.
func (c *SRFContext) setReturning() []exec.SetReturning {
	if c == nil || len(c.List) == 0 {
		return nil
	}
	return c.List
}

// refuseNestedSRF refuses a set-returning function among the arguments
// of an aggregate, a window function or another set-returning function:
// those are computed before the lists expand (PostgreSQL nests the last
// kind; mirrordb does not).
func (b *Binder) refuseNestedSRF(n parser.Expr) error {
	var err error
	WalkExpr(n, func(x parser.Expr) bool {
		f, ok := x.(*parser.FuncCall)
		if err != nil || !ok {
			return err == nil
		}
		kind := ""
		switch {
		case f.Over != nil:
			kind = "window"
		case IsAggregateCall(f):
			kind = "aggregate"
		case IsSelectListSRF(f, strings.ToUpper(f.Name.Object())):
			kind = "set-returning"
		default:
			return true
		}
		for _, a := range f.Args {
			if containsSRF(a) {
				err = b.ErrAt(f, sqlerr.New(50141, kind))
				return false
			}
		}
		if f.Over != nil {
			def := append([]parser.Expr(nil), f.Over.PartitionBy...)
			for _, o := range f.Over.OrderBy {
				def = append(def, o.Expr)
			}
			for _, d := range def {
				if containsSRF(d) {
					err = b.ErrAt(d, sqlerr.New(50140, "window definitions"))
					return false
				}
			}
		}
		return true
	})
	return err
}

// containsSRF says whether an expression calls a select-list
// set-returning function outside a subquery.
func containsSRF(n parser.Expr) bool {
	found := false
	WalkExpr(n, func(x parser.Expr) bool {
		if f, ok := x.(*parser.FuncCall); ok && f.Over == nil && IsSelectListSRF(f, strings.ToUpper(f.Name.Object())) {
			found = true
		}
		return !found
	})
	return found
}

// refuseSRF is PostgreSQL's error for a set-returning function in a
// clause that filters rows (WHERE, HAVING).
func (b *Binder) refuseSRF(x parser.Expr, clause string) error {
	if containsSRF(x) {
		return b.ErrAt(x, sqlerr.New(50140, clause))
	}
	return nil
}
