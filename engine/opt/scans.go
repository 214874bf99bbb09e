package opt

import (
	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/types"
)

// The access path of a table scan: how a WHERE clause narrows it (a
// primary-key point lookup, a key prefix or ranges, a secondary index's
// seek), whether an index's entries alone answer the statement, and
// whether the scan's key order serves an ORDER BY or delivers a GROUP BY's
// groups together. These passes rewrite an exec.TableScan in place as the
// engine plans a statement; the full WHERE clause is still applied to every
// row read, so they only ever remove work.

// Implies reports whether a WHERE clause's conjuncts (the table's columns
// at base in the combined row) imply an index's filter; true for an index
// without one. The catalog keeps filters as text, which the engine parses
// and judges: a filtered index serves only queries that imply its filter.
type Implies func(t *catalog.TableDef, ix *catalog.IndexDef, conj []exec.Expr, base int) bool

// ChooseAccess narrows a single-table scan to a primary-key point lookup
// or key-prefix scan when the WHERE clause fixes leading key columns with
// equalities (col = constant or parameter), to ranges of the key when it
// bounds more than equalities do, or to a secondary index's seek when an
// index's key is fixed further. The table's columns start at base in the
// combined row (a join's input); a scan already narrowed, or a row source
// that is not a table scan, is left as it is.
func ChooseAccess(src exec.Operator, where exec.Expr, base int, implies Implies) {
	ts, ok := src.(*exec.TableScan)
	if !ok || where == nil || len(ts.Eq) > 0 || ts.Seek != nil || ts.Rng != nil {
		return
	}
	conj := Conjuncts(where, nil)
	defer chooseIndexSeek(ts, conj, base, implies)
	if len(ts.Def.PK) == 0 {
		return
	}
	for _, pkCol := range ts.Def.PK {
		colT := ts.Def.Columns[pkCol].Type
		var val exec.Expr
		for _, c := range conj {
			cmp, ok := c.(*exec.Compare)
			if !ok || cmp.Op != "=" {
				continue
			}
			for _, side := range [2][2]exec.Expr{{cmp.L, cmp.R}, {cmp.R, cmp.L}} {
				col, isCol := side[0].(*exec.ColRef)
				if isCol && col.Idx == base+pkCol && RowIndependent(side[1]) && KeyCompatible(colT, side[1].Type()) {
					val = side[1]
				}
			}
			if val != nil {
				break
			}
		}
		if val == nil {
			break
		}
		ts.Eq = append(ts.Eq, &exec.Cast{X: val, To: colT, Mode: types.Implicit, Try: true})
	}
	if len(ts.Eq) < len(ts.Def.PK) {
		// ranges, IN lists, LIKE prefixes of the next key column
		ks := FindKeySeek(conj, base, ts.Def, ts.Def.PK, make([]bool, len(ts.Def.PK)))
		if ks.Bounded() && len(ks.Eq) == len(ts.Eq) {
			ts.Eq, ts.Rng = nil, &ks
		}
	}
}

// chooseIndexSeek gives ts an index seek when a ready index, whose filter
// the WHERE clause implies, fixes more leading columns than the primary-key
// access found: a single-table scan whose WHERE clause fixes leading
// columns of an index with equalities, and optionally narrows the next one
// (a range, an IN list, a LIKE prefix), reads that index's entries and
// fetches their rows (or, when the entries cover the query, reads them
// alone: UseCovering). The ranges only have to hold every qualifying row,
// never exactly those: NULLs and a LIKE's wildcard mismatches are left to
// the WHERE clause.
func chooseIndexSeek(ts *exec.TableScan, conj []exec.Expr, base int, implies Implies) {
	if len(ts.Def.Indexes) == 0 || (len(ts.Def.PK) > 0 && len(ts.Eq) == len(ts.Def.PK)) {
		return
	}
	var best *exec.IndexSeek
	bestScore := 2 * len(ts.Eq)
	if ts.Rng != nil {
		bestScore = ts.Rng.Score()
	}
	for i := range ts.Def.Indexes {
		ix := &ts.Def.Indexes[i]
		if ix.State != catalog.IndexReady || !implies(ts.Def, ix, conj, base) {
			continue
		}
		s := &exec.IndexSeek{Index: *ix, KeySeek: FindKeySeek(conj, base, ts.Def, ix.Columns, ix.Desc)}
		score := s.Score()
		if score > bestScore {
			best, bestScore = s, score
		}
	}
	if best != nil {
		ts.Eq, ts.Rng, ts.Seek = nil, nil, best
	}
}

// UseCovering reads the chosen secondary index's entries alone when they
// hold every column the statement reads (need: the table's columns), and
// otherwise has the scan decode only those columns of each row. An index
// entry holds its key columns, its INCLUDE columns and the row's clustered
// key: a statement that needs no other column is answered without fetching
// each row (no Key Lookup).
func UseCovering(ts *exec.TableScan, need map[int]bool) {
	if ts.Seek != nil && Covers(&ts.Seek.Index, ts.Def, need) {
		ts.Seek.Covering = true
	}
	ts.Need = make([]bool, len(ts.Def.Columns))
	for c := range need {
		if c >= 0 && c < len(ts.Need) {
			ts.Need[c] = true
		}
	}
}

// Ordering is what an ORDER BY asks of a single-table scan: the table's
// columns in order, each one's direction, and what else decides whether
// an index read in its order pays.
type Ordering struct {
	Cols []int
	Desc []bool
	// Conj is the WHERE clause's conjuncts, Need (when Known) the
	// columns the statement reads; a TOP (not PERCENT) that Stops the
	// read after its rows makes fetching each row through an index
	// cheaper than sorting the table.
	Conj  []exec.Expr
	Need  map[int]bool
	Known bool
	Stops bool
}

// UseKeyOrder reports whether the scan's key order serves the ORDER BY,
// choosing a backward read where the ORDER BY runs against the key, and
// marks the scan as serving it. A table scan returns its rows in the order
// of the key it reads (the clustered key, or the chosen secondary index's
// columns, each ASC or DESC) with the columns its equalities fix constant:
// an ORDER BY on those columns, all forward or all reversed, is served by
// reading forward or backward, and a TOP stops the read after its rows.
// With no seek chosen, a secondary index whose columns give the order is
// read instead of the table when it covers the statement or a TOP stops
// the read.
func UseKeyOrder(ts *exec.TableScan, o Ordering, implies Implies) bool {
	served, backward := ScanOrder(ts).Serves(o.Cols, o.Desc, 0)
	if !served && ts.Seek == nil && len(ts.Eq) == 0 && ts.Rng == nil {
		for i := range ts.Def.Indexes {
			ix := &ts.Def.Indexes[i]
			if ix.State != catalog.IndexReady || !implies(ts.Def, ix, o.Conj, 0) {
				continue
			}
			if !o.Stops && !(o.Known && Covers(ix, ts.Def, o.Need)) {
				continue // every row fetched through the index: sorting the table costs less
			}
			ko := KeyOrder{Cols: ix.Columns, Desc: ix.Desc, Unique: ix.Unique}
			if ok, back := ko.Serves(o.Cols, o.Desc, 0); ok {
				ts.Seek = WholeIndex(ts.Def, ix)
				served, backward = true, back
				break
			}
		}
	}
	if served {
		ts.Ordered, ts.Backward = true, backward
	}
	return served
}

// GroupsTogether reports whether the scan delivers rows with equal GROUP
// BY values together, so that each group is aggregated as it ends (a
// stream aggregate) instead of hashed: the GROUP BY columns, in any order
// and direction, are the leading key columns the scan does not fix (or a
// unique key's every column).
func GroupsTogether(ts *exec.TableScan, groupBy []exec.Expr) bool {
	if len(groupBy) == 0 {
		return false
	}
	o := ScanOrder(ts)
	if len(o.Cols) == 0 {
		return false
	}
	seen := map[int]bool{}
	for _, g := range groupBy {
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

// UseIndexForGroups reads, for a GROUP BY the table's scan does not
// deliver group by group, a ready index that covers the statement (need:
// the columns it reads) and whose leading columns are the GROUP BY's: its
// groups then arrive together, for a stream aggregate.
func UseIndexForGroups(ts *exec.TableScan, groupBy, conj []exec.Expr, need map[int]bool, implies Implies) {
	if len(groupBy) == 0 || ts.Seek != nil || len(ts.Eq) > 0 || ts.Rng != nil || GroupsTogether(ts, groupBy) {
		return
	}
	for i := range ts.Def.Indexes {
		ix := &ts.Def.Indexes[i]
		if ix.State != catalog.IndexReady || !implies(ts.Def, ix, conj, 0) || !Covers(ix, ts.Def, need) {
			continue
		}
		if ts.Seek = WholeIndex(ts.Def, ix); GroupsTogether(ts, groupBy) {
			return
		}
		ts.Seek = nil
	}
}

// WholeIndex reads every entry of an index, in its order.
func WholeIndex(t *catalog.TableDef, ix *catalog.IndexDef) *exec.IndexSeek {
	s := &exec.IndexSeek{Index: *ix, KeySeek: exec.KeySeek{Desc: ix.Desc}}
	for _, c := range ix.Columns {
		s.Types = append(s.Types, t.Columns[c].Type)
	}
	return s
}
