package engine

import (
	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/engine/opt"
)

// Secondary indexes as access paths: a single-table scan whose WHERE
// clause fixes leading columns of an index with equalities, and
// optionally narrows the next one (a range, an IN list, a LIKE prefix:
// keyseek.go), reads that index's entries and fetches their rows (or, when
// the entries cover the query, reads them alone: covering.go) instead of
// reading the whole table. The full WHERE clause is still applied to every
// row, so the ranges only have to hold every qualifying row, never exactly
// those: NULLs and a LIKE's wildcard mismatches are left to the filter.

// chooseIndexSeek gives ts an index seek when an index fixes more leading
// columns than the primary-key access chooseAccess found; the table's
// columns start at base in the combined row (a join's input).
func chooseIndexSeek(ts *exec.TableScan, where exec.Expr, base int) {
	if len(ts.Def.Indexes) == 0 || (len(ts.Def.PK) > 0 && len(ts.Eq) == len(ts.Def.PK)) {
		return
	}
	conj := opt.Conjuncts(where, nil)
	var best *exec.IndexSeek
	bestScore := 2 * len(ts.Eq)
	if ts.Rng != nil {
		bestScore = ts.Rng.Score()
	}
	for i := range ts.Def.Indexes {
		ix := &ts.Def.Indexes[i]
		if ix.State != catalog.IndexReady || !impliesFilter(ts.Def, ix, conj, base) {
			continue // a filtered index serves only queries that imply its filter
		}
		s := &exec.IndexSeek{Index: *ix, KeySeek: opt.FindKeySeek(conj, base, ts.Def, ix.Columns, ix.Desc)}
		score := s.Score()
		if score > bestScore {
			best, bestScore = s, score
		}
	}
	if best != nil {
		ts.Eq, ts.Rng, ts.Seek = nil, nil, best
	}
}
