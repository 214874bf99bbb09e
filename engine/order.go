package engine

import (
	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/engine/opt"
)

// Reading in index order instead of sorting. A table scan returns its rows
// in the order of the key it reads: the clustered key, or the chosen
// secondary index's columns (each ASC or DESC), with the columns its
// equalities fix constant and an IN list's values taken in key order. An
// ORDER BY on those columns, all forward or all reversed, is then served
// by reading forward or backward, and a TOP stops the read after its rows.
// A grouped query whose GROUP BY columns arrive together aggregates each
// group as it ends (a stream aggregate) instead of hashing.

// useKeyOrder marks the SELECT's ORDER BY as served by its table scan's
// order when it can be, choosing a backward read where the ORDER BY runs
// against the key; with no seek chosen, a secondary index whose columns
// give the order is read instead of the table when it covers the query or
// a TOP stops the read (each entry's row fetched) after the TOP's rows.
func (p *selectPlan) useKeyOrder() {
	ts, ok := p.src.(*exec.TableScan)
	if !ok || len(p.orderBy) == 0 || p.grouped || p.distinct {
		return
	}
	cols := make([]int, len(p.orderBy))
	desc := make([]bool, len(p.orderBy))
	for i, k := range p.orderBy {
		x := k.X
		if k.Col >= 0 {
			x = p.project[k.Col]
		}
		c, ok := x.(*exec.ColRef)
		if !ok {
			return
		}
		cols[i], desc[i] = c.Idx, k.Desc
	}
	served, backward := opt.ScanOrder(ts).Serves(cols, desc, 0)
	if !served && ts.Seek == nil && len(ts.Eq) == 0 && ts.Rng == nil {
		need, known := p.columnsRead()
		var conj []exec.Expr
		if p.where != nil {
			conj = opt.Conjuncts(p.where, nil)
		}
		for i := range ts.Def.Indexes {
			ix := &ts.Def.Indexes[i]
			if ix.State != catalog.IndexReady || !impliesFilter(ts.Def, ix, conj, 0) {
				continue
			}
			if (p.top == nil || p.topPercent) && !(known && opt.Covers(ix, ts.Def, need)) {
				continue // every row fetched through the index: sorting the table costs less
			}
			o := opt.KeyOrder{Cols: ix.Columns, Desc: ix.Desc, Unique: ix.Unique}
			if ok, back := o.Serves(cols, desc, 0); ok {
				ts.Seek = wholeIndex(ts.Def, ix)
				served, backward = true, back
				break
			}
		}
	}
	if served {
		p.presorted, ts.Ordered, ts.Backward = true, true, backward
	}
}

// groupsTogether reports whether the scan delivers rows with equal GROUP BY
// values together: the GROUP BY columns, in any order and direction, are
// the leading key columns the scan does not fix (or a unique key's every
// column).
func (p *selectPlan) groupsTogether() bool {
	ts, ok := p.src.(*exec.TableScan)
	if !ok || len(p.groupBy) == 0 {
		return false
	}
	o := opt.ScanOrder(ts)
	if len(o.Cols) == 0 {
		return false
	}
	seen := map[int]bool{}
	for _, g := range p.groupBy {
		c, ok := g.(*exec.ColRef)
		if !ok {
			return false
		}
		seen[c.Idx] = true
	}
	for i, c := range o.Cols {
		if i < o.Fixed {
			delete(seen, c)
			continue
		}
		if len(seen) == 0 {
			return true
		}
		if !seen[c] {
			return false
		}
		delete(seen, c)
	}
	return len(seen) == 0 || o.Unique // one group per row
}

// wholeIndex reads every entry of an index, in its order.
func wholeIndex(t *catalog.TableDef, ix *catalog.IndexDef) *exec.IndexSeek {
	s := &exec.IndexSeek{Index: *ix, KeySeek: exec.KeySeek{Desc: ix.Desc}}
	for _, c := range ix.Columns {
		s.Types = append(s.Types, t.Columns[c].Type)
	}
	return s
}

// useIndexForGroups reads, for a GROUP BY the table's scan does not
// deliver group by group, a covering index whose leading columns are the
// GROUP BY's: its groups then arrive together, for a stream aggregate.
func (p *selectPlan) useIndexForGroups() {
	ts, ok := p.src.(*exec.TableScan)
	if !ok || len(p.groupBy) == 0 || ts.Seek != nil || len(ts.Eq) > 0 || ts.Rng != nil || p.groupsTogether() {
		return
	}
	need, known := p.columnsRead()
	if !known {
		return
	}
	var conj []exec.Expr
	if p.where != nil {
		conj = opt.Conjuncts(p.where, nil)
	}
	for i := range ts.Def.Indexes {
		ix := &ts.Def.Indexes[i]
		if ix.State != catalog.IndexReady || !impliesFilter(ts.Def, ix, conj, 0) || !opt.Covers(ix, ts.Def, need) {
			continue
		}
		if ts.Seek = wholeIndex(ts.Def, ix); p.groupsTogether() {
			return
		}
		ts.Seek = nil
	}
}
