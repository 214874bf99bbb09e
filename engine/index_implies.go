package engine

import (
	"mirrordb/engine/bind"
	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/types"
)

// Whether a WHERE clause implies a filtered index's filter, judged here
// on the filter's parse (index_filter.go) and handed to the planner as
// opt.Implies (planTables, planning.go). A filtered index holds only the rows
// its filter admits, so it serves a query only when the query's WHERE
// clause implies the filter.

// impliesFilter reports whether conjuncts of a WHERE clause (the table's
// columns at base) imply a filtered index's filter: each of the filter's
// conjuncts is one of them (the same column, comparison and constant, or
// the same IS [NOT] NULL), or holds for the value an equality of the
// WHERE clause gives its column.
func impliesFilter(t *catalog.TableDef, ix *catalog.IndexDef, conj []exec.Expr, base int) bool {
	f := filterExpr(ix)
	if f == nil {
		return ix.Filter == ""
	}
	ev := filterEval{t, ix.Name}
	var parts []parser.Expr
	var split func(x parser.Expr)
	split = func(x parser.Expr) {
		switch e := x.(type) {
		case *parser.Paren:
			split(e.X)
		case *parser.Binary:
			if e.Op == "AND" {
				split(e.L)
				split(e.R)
				return
			}
			parts = append(parts, x)
		default:
			parts = append(parts, x)
		}
	}
	split(f)
	for _, part := range parts {
		if !conjunctImplies(ev, part, conj, base) {
			return false
		}
	}
	return true
}

// conjunctImplies reports whether one filter conjunct follows from the
// WHERE clause's conjuncts.
func conjunctImplies(ev filterEval, part parser.Expr, conj []exec.Expr, base int) bool {
	for _, q := range conj {
		switch e := q.(type) {
		case *exec.IsNull:
			fn, ok := part.(*parser.IsNull)
			col, isCol := e.X.(*exec.ColRef)
			if ok && isCol && fn.Not == e.Not {
				if i, _, err := ev.column(fn.X); err == nil && i == col.Idx-base {
					return true
				}
			}
		case *exec.Compare:
			col, val, op, ok := compareColumnConst(e, base)
			if !ok || col < 0 || col >= len(ev.t.Columns) {
				continue
			}
			v, err := types.Convert(val.V, val.T, ev.t.Columns[col].Type, types.Implicit)
			if err != nil || v == nil {
				continue
			}
			row := make([]types.Value, len(ev.t.Columns))
			row[col] = v
			if op == "=" {
				// The other columns of row are unknown (NULL): only a
				// filter conjunct that reads col alone can be judged on it.
				if readsOnly(ev, part, col) {
					if holds, err := ev.eval(part, row); err == nil && holds {
						return true
					}
				}
				continue
			}
			// the same comparison: "col op c" with the same c
			if b, isBin := part.(*parser.Binary); isBin && b.Op == op {
				if i, ct, err := ev.column(b.L); err == nil && i == col {
					if c, err := ev.constant(i, ct, b.R); err == nil && c != nil && types.Compare(c, v) == 0 {
						return true
					}
				}
			}
		}
	}
	return false
}

// compareColumnConst reads "column op constant" (either way round) as the
// table's column (base subtracted), the constant and the operator turned
// to read from the column.
func compareColumnConst(c *exec.Compare, base int) (int, *exec.Const, string, bool) {
	for flip, side := range [2][2]exec.Expr{{c.L, c.R}, {c.R, c.L}} {
		col, isCol := side[0].(*exec.ColRef)
		k, isConst := exec.Unconverted(side[1]).(*exec.Const)
		if !isCol || !isConst {
			continue
		}
		op := c.Op
		if flip == 1 {
			op = map[string]string{"<": ">", ">": "<", "<=": ">=", ">=": "<=", "=": "=", "<>": "<>"}[op]
		}
		return col.Idx - base, k, op, op != ""
	}
	return 0, nil, "", false
}

// readsOnly reports whether a filter conjunct names no column but col.
func readsOnly(ev filterEval, part parser.Expr, col int) bool {
	only := true
	bind.WalkExpr(part, func(e parser.Expr) bool {
		if c, ok := e.(*parser.ColumnRef); ok {
			if i, _, err := ev.column(c); err != nil || i != col {
				only = false
			}
		}
		return only
	})
	return only
}
