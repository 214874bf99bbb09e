package engine

import (
	"fmt"

	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/engine/keys"
	"mirrordb/engine/opt"
	"mirrordb/types"
)

// Secondary indexes as access paths: a single-table scan whose WHERE
// clause fixes leading columns of an index with equalities, and
// optionally narrows the next one (a range, an IN list, a LIKE prefix:
// keyseek.go), reads that index's entries and fetches their rows (or, when
// the entries cover the query, reads them alone: covering.go) instead of
// reading the whole table. The full WHERE clause is still applied to every
// row, so the ranges only have to hold every qualifying row, never exactly
// those: NULLs and a LIKE's wildcard mismatches are left to the filter.

// indexSeek narrows a tableScan to a range of one index.
type indexSeek struct {
	ix catalog.IndexDef
	exec.KeySeek
	covering bool // the entries hold every column the query reads (covering.go)
}

// chooseIndexSeek gives ts an index seek when an index fixes more leading
// columns than the primary-key access chooseAccess found; the table's
// columns start at base in the combined row (a join's input).
func chooseIndexSeek(ts *tableScan, where exec.Expr, base int) {
	if len(ts.table.Indexes) == 0 || (len(ts.table.PK) > 0 && len(ts.eq) == len(ts.table.PK)) {
		return
	}
	conj := opt.Conjuncts(where, nil)
	var best *indexSeek
	bestScore := 2 * len(ts.eq)
	if ts.rng != nil {
		bestScore = ts.rng.Score()
	}
	for i := range ts.table.Indexes {
		ix := &ts.table.Indexes[i]
		if ix.State != catalog.IndexReady || !impliesFilter(ts.table, ix, conj, base) {
			continue // a filtered index serves only queries that imply its filter
		}
		s := &indexSeek{ix: *ix, KeySeek: opt.FindKeySeek(conj, base, ts.table, ix.Columns, ix.Desc)}
		score := s.Score()
		if score > bestScore {
			best, bestScore = s, score
		}
	}
	if best != nil {
		ts.eq, ts.rng, ts.seek = nil, nil, best
	}
}

// scanKeys reads the rows the seek selects, in index order.
func (s *indexSeek) scanKeys(e *exec.Env, t *tableScan, fn func(key, raw []byte, row []types.Value) error) error {
	if !s.stillReady(e, t) {
		full := *t
		full.seek = nil
		return full.scanKeys(e, fn)
	}
	r, err := t.tbl.Open(e)
	if err != nil {
		return err
	}
	def := t.table
	rs, err := s.Ranges(e, keys.IndexPrefix(def.StoreID(), s.ix.StoreID()))
	if err != nil {
		return err
	}
	if s.covering {
		return s.scanCovered(r, t, rs, fn)
	}
	var row []types.Value
	return r.Ranges(rs, t.backward, false, func(_, entry []byte) error {
		rowKey, err := keys.EntryRowKey(def.StoreID(), entry)
		if err != nil {
			return r.Corrupt(fmt.Errorf("an entry of index '%s' does not decode: %w", s.ix.Name, err))
		}
		raw, ok, err := r.Get(rowKey)
		if err != nil {
			return err
		}
		if !ok {
			return r.Corrupt(fmt.Errorf("index '%s' has an entry without its row (DBCC CHECKTABLE reports it)", s.ix.Name))
		}
		if row, err = r.Row(raw, row, t.need); err != nil {
			return err
		}
		return fn(rowKey, raw, row)
	})
}

// stillReady reports whether the index is still ready as the session sees
// the schema now: a statement bound before DROP INDEX began falls back to
// reading the table.
func (s *indexSeek) stillReady(e *exec.Env, t *tableScan) bool {
	def := t.tbl.Current(e)
	if def == nil {
		return false
	}
	for i := range def.Indexes {
		if ix := &def.Indexes[i]; ix.StoreID() == s.ix.StoreID() && ix.State == catalog.IndexReady {
			return true
		}
	}
	return false
}
