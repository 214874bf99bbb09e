package opt

import "mirrordb/engine/exec"

// A bound SELECT's planning: the passes in the order they apply, over the
// clauses the binder bound (exec.Select).

// Query is what planning a SELECT needs that its bound clauses do not
// hold: the binder's and the session's part.
type Query struct {
	Width int      // the FROM clause's combined row's columns
	Hints []string // OPTION (LOOP JOIN | HASH JOIN | FORCE ORDER)
	Level int      // the statement's row as its subqueries name it (planJoins)
	// OldJoins plans the top-level access path only, joins left as nested
	// loops over whole inputs (the session's setting for tests and
	// benchmarks comparing with the engine before join planning).
	OldJoins bool
}

// PlanSelect plans a bound SELECT before exec builds its operator chain:
// the WHERE clause pushed down to the joins, its semi-joins and each
// join's method (planJoins), then, on a single table's scan, the key
// order that serves the ORDER BY (UseKeyOrder), the index that delivers a
// GROUP BY's groups together (UseIndexForGroups, GroupsTogether) and the
// columns read, from an index's entries alone when they cover the
// statement (UseCovering). The error is 8622 when the hints leave no plan.
func PlanSelect(p *exec.Select, q Query, tb Tables) error {
	if q.OldJoins {
		ChooseAccess(p.Src, p.Where, 0, tb.Implies)
	} else {
		var err error
		if p.Src, p.Where, err = planJoins(p.Src, q.Width, p.Where, q.Hints, q.Level, tb); err != nil {
			return err
		}
	}
	ts, ok := p.Src.(*exec.TableScan)
	if !ok {
		return nil
	}
	need, known := columnsRead(p)
	if serveOrderBy(p, ts, need, known, tb.Implies) {
		p.Presorted = true
	}
	if p.Grouped && known {
		UseIndexForGroups(ts, p.GroupBy, whereConjuncts(p), need, tb.Implies)
	}
	if known {
		UseCovering(ts, need)
	}
	p.GroupsArrive = p.Grouped && GroupsTogether(ts, p.GroupBy)
	return nil
}

// columnsRead is the set of the table's columns a single-table SELECT
// reads anywhere; known false when that cannot be told.
func columnsRead(p *exec.Select) (need map[int]bool, known bool) {
	need = map[int]bool{}
	add := func(i int) { need[i] = true }
	xs := append([]exec.Expr{p.Where, p.Having}, p.Project...)
	xs = append(xs, p.GroupBy...)
	for _, a := range p.Aggs {
		xs = append(xs, a.Arg)
	}
	for _, k := range p.OrderBy {
		xs = append(xs, k.X)
	}
	for _, x := range xs {
		if x != nil && !ExprColumns(x, add) {
			return nil, false
		}
	}
	return need, true
}

// serveOrderBy reports whether the scan's order serves the SELECT's ORDER
// BY (UseKeyOrder), which it then need not sort: only an ORDER BY of bare
// columns, without grouping or DISTINCT.
func serveOrderBy(p *exec.Select, ts *exec.TableScan, need map[int]bool, known bool, implies Implies) bool {
	if len(p.OrderBy) == 0 || p.Grouped || p.Distinct {
		return false
	}
	o := Ordering{Cols: make([]int, len(p.OrderBy)), Desc: make([]bool, len(p.OrderBy)), Stops: p.Top != nil && !p.TopPercent}
	for i, k := range p.OrderBy {
		x := k.X
		if k.Col >= 0 {
			x = p.Project[k.Col]
		}
		c, ok := x.(*exec.ColRef)
		if !ok {
			return false
		}
		o.Cols[i], o.Desc[i] = c.Idx, k.Desc
	}
	o.Need, o.Known, o.Conj = need, known, whereConjuncts(p)
	return UseKeyOrder(ts, o, implies)
}

// whereConjuncts is the WHERE clause's conjuncts (none without one).
func whereConjuncts(p *exec.Select) []exec.Expr {
	if p.Where == nil {
		return nil
	}
	return Conjuncts(p.Where, nil)
}
