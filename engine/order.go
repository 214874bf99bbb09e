package engine

import (
	"mirrordb/engine/exec"
	"mirrordb/engine/opt"
)

// Reading in index order instead of sorting, and groups that arrive
// together: the binder's side of opt.UseKeyOrder, opt.UseIndexForGroups
// and opt.GroupsTogether, which judge a single-table SELECT's scan.

// useKeyOrder marks the SELECT's ORDER BY as served by its table scan's
// order when it can be (opt.UseKeyOrder).
func (p *selectPlan) useKeyOrder() {
	ts, ok := p.src.(*exec.TableScan)
	if !ok || len(p.orderBy) == 0 || p.grouped || p.distinct {
		return
	}
	o := opt.Ordering{Cols: make([]int, len(p.orderBy)), Desc: make([]bool, len(p.orderBy)), Stops: p.top != nil && !p.topPercent}
	for i, k := range p.orderBy {
		x := k.X
		if k.Col >= 0 {
			x = p.project[k.Col]
		}
		c, ok := x.(*exec.ColRef)
		if !ok {
			return
		}
		o.Cols[i], o.Desc[i] = c.Idx, k.Desc
	}
	o.Need, o.Known = p.columnsRead()
	o.Conj = p.conjuncts()
	if opt.UseKeyOrder(ts, o, impliesFilter) {
		p.presorted = true
	}
}

// conjuncts is the WHERE clause's conjuncts (none without one).
func (p *selectPlan) conjuncts() []exec.Expr {
	if p.where == nil {
		return nil
	}
	return opt.Conjuncts(p.where, nil)
}

// groupsTogether reports whether the scan delivers rows with equal GROUP BY
// values together (opt.GroupsTogether).
func (p *selectPlan) groupsTogether() bool {
	ts, ok := p.src.(*exec.TableScan)
	return ok && opt.GroupsTogether(ts, p.groupBy)
}

// useIndexForGroups reads a covering index whose leading columns are the
// GROUP BY's, for a stream aggregate (opt.UseIndexForGroups).
func (p *selectPlan) useIndexForGroups() {
	ts, ok := p.src.(*exec.TableScan)
	if !ok {
		return
	}
	if need, known := p.columnsRead(); known {
		opt.UseIndexForGroups(ts, p.groupBy, p.conjuncts(), need, impliesFilter)
	}
}
