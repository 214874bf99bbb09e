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
func useKeyOrder(p *exec.Select) {
	ts, ok := p.Src.(*exec.TableScan)
	if !ok || len(p.OrderBy) == 0 || p.Grouped || p.Distinct {
		return
	}
	o := opt.Ordering{Cols: make([]int, len(p.OrderBy)), Desc: make([]bool, len(p.OrderBy)), Stops: p.Top != nil && !p.TopPercent}
	for i, k := range p.OrderBy {
		x := k.X
		if k.Col >= 0 {
			x = p.Project[k.Col]
		}
		c, ok := x.(*exec.ColRef)
		if !ok {
			return
		}
		o.Cols[i], o.Desc[i] = c.Idx, k.Desc
	}
	o.Need, o.Known = columnsRead(p)
	o.Conj = conjuncts(p)
	if opt.UseKeyOrder(ts, o, impliesFilter) {
		p.Presorted = true
	}
}

// conjuncts is the WHERE clause's conjuncts (none without one).
func conjuncts(p *exec.Select) []exec.Expr {
	if p.Where == nil {
		return nil
	}
	return opt.Conjuncts(p.Where, nil)
}

// groupsTogether reports whether the scan delivers rows with equal GROUP BY
// values together (opt.GroupsTogether).
func groupsTogether(p *exec.Select) bool {
	ts, ok := p.Src.(*exec.TableScan)
	return ok && opt.GroupsTogether(ts, p.GroupBy)
}

// useIndexForGroups reads a covering index whose leading columns are the
// GROUP BY's, for a stream aggregate (opt.UseIndexForGroups).
func useIndexForGroups(p *exec.Select) {
	ts, ok := p.Src.(*exec.TableScan)
	if !ok {
		return
	}
	if need, known := columnsRead(p); known {
		opt.UseIndexForGroups(ts, p.GroupBy, conjuncts(p), need, impliesFilter)
	}
}
