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

// IndexSeek narrows a tableScan to a range of one index.
type IndexSeek struct {
	Index catalog.IndexDef
	exec.KeySeek
	Covering bool // the entries hold every column the query reads (covering.go)
}

// chooseIndexSeek gives ts an index seek when an index fixes more leading
// columns than the primary-key access chooseAccess found; the table's
// columns start at base in the combined row (a join's input).
func chooseIndexSeek(ts *TableScan, where exec.Expr, base int) {
	if len(ts.Def.Indexes) == 0 || (len(ts.Def.PK) > 0 && len(ts.Eq) == len(ts.Def.PK)) {
		return
	}
	conj := opt.Conjuncts(where, nil)
	var best *IndexSeek
	bestScore := 2 * len(ts.Eq)
	if ts.Rng != nil {
		bestScore = ts.Rng.Score()
	}
	for i := range ts.Def.Indexes {
		ix := &ts.Def.Indexes[i]
		if ix.State != catalog.IndexReady || !impliesFilter(ts.Def, ix, conj, base) {
			continue // a filtered index serves only queries that imply its filter
		}
		s := &IndexSeek{Index: *ix, KeySeek: opt.FindKeySeek(conj, base, ts.Def, ix.Columns, ix.Desc)}
		score := s.Score()
		if score > bestScore {
			best, bestScore = s, score
		}
	}
	if best != nil {
		ts.Eq, ts.Rng, ts.Seek = nil, nil, best
	}
}

// scanKeys reads the rows the seek selects, in index order.
func (s *IndexSeek) scanKeys(e *exec.Env, t *TableScan, fn func(key, raw []byte, row []types.Value) error) error {
	if !s.stillReady(e, t) {
		full := *t
		full.Seek = nil
		return full.ScanKeys(e, fn)
	}
	r, err := t.Table.Open(e)
	if err != nil {
		return err
	}
	def := t.Def
	rs, err := s.Ranges(e, keys.IndexPrefix(def.StoreID(), s.Index.StoreID()))
	if err != nil {
		return err
	}
	if s.Covering {
		return s.scanCovered(r, t, rs, fn)
	}
	var row []types.Value
	return r.Ranges(rs, t.Backward, false, func(_, entry []byte) error {
		rowKey, err := keys.EntryRowKey(def.StoreID(), entry)
		if err != nil {
			return r.Corrupt(fmt.Errorf("an entry of index '%s' does not decode: %w", s.Index.Name, err))
		}
		raw, ok, err := r.Get(rowKey)
		if err != nil {
			return err
		}
		if !ok {
			return r.Corrupt(fmt.Errorf("index '%s' has an entry without its row (DBCC CHECKTABLE reports it)", s.Index.Name))
		}
		if row, err = r.Row(raw, row, t.Need); err != nil {
			return err
		}
		return fn(rowKey, raw, row)
	})
}

// stillReady reports whether the index is still ready as the session sees
// the schema now: a statement bound before DROP INDEX began falls back to
// reading the table.
func (s *IndexSeek) stillReady(e *exec.Env, t *TableScan) bool {
	def := t.Table.Current(e)
	if def == nil {
		return false
	}
	for i := range def.Indexes {
		if ix := &def.Indexes[i]; ix.StoreID() == s.Index.StoreID() && ix.State == catalog.IndexReady {
			return true
		}
	}
	return false
}
