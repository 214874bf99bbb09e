package engine

import (
	"fmt"

	"github.com/cockroachdb/pebble"

	"mirrordb/engine/keys"
	"mirrordb/engine/storage"
	"mirrordb/types"
)

// The one use queries make of secondary indexes until the planner
// arrives: a single-table scan whose WHERE clause fixes leading columns of
// an index with equalities, and optionally bounds the next one with <, <=,
// >, >=, reads that index's entries and fetches their rows instead of
// reading the whole table. The full WHERE clause is still applied to every
// row fetched, so the bounds only have to be loose enough, never exact:
// every bound is taken as inclusive and NULLs are left to the filter.

// indexSeek narrows a tableScan to a range of one index.
type indexSeek struct {
	ix     IndexDef
	eq     []expr // values of the leading key columns
	lo, hi expr   // bounds of the next key column (nil: open)
}

// chooseIndexSeek gives ts an index seek when an index fixes more leading
// columns than the primary-key access chooseAccess found; the table's
// columns start at base in the combined row (a join's input).
func chooseIndexSeek(ts *tableScan, where expr, base int) {
	if len(ts.table.Indexes) == 0 || (len(ts.table.PK) > 0 && len(ts.eq) == len(ts.table.PK)) {
		return
	}
	conj := conjuncts(where, nil)
	var best *indexSeek
	bestScore := 2 * len(ts.eq)
	for i := range ts.table.Indexes {
		ix := &ts.table.Indexes[i]
		if ix.State != IndexReady || ix.Filter != "" {
			continue // a filtered index serves only queries that imply its filter: the planner's job
		}
		s := &indexSeek{ix: *ix}
		for _, c := range ix.Columns {
			v := seekValue(conj, base+c, ts.table.Columns[c].Type, "=")
			if v == nil {
				s.lo = seekValue(conj, base+c, ts.table.Columns[c].Type, ">", ">=", "!<")
				s.hi = seekValue(conj, base+c, ts.table.Columns[c].Type, "<", "<=", "!>")
				break
			}
			s.eq = append(s.eq, v)
		}
		score := 2 * len(s.eq)
		if s.lo != nil || s.hi != nil {
			score++
		}
		if score > bestScore {
			best, bestScore = s, score
		}
	}
	if best != nil {
		ts.eq, ts.seek = nil, best
	}
}

// seekValue finds a conjunct "column op value" (either way round; col is
// the column's place in the combined row) with a row-independent value of a type the column's key encoding agrees with.
func seekValue(conj []expr, col int, colT types.Type, ops ...string) expr {
	if colT.Kind.IsBinary() {
		return nil // fixed-length binary pads; leave it to the scan
	}
	for _, c := range conj {
		cmp, ok := c.(*compare)
		if !ok {
			continue
		}
		for flip, side := range [2][2]expr{{cmp.l, cmp.r}, {cmp.r, cmp.l}} {
			col2, isCol := side[0].(*colExpr)
			if !isCol || col2.idx != col || !rowIndependent(side[1]) || !keyCompatible(colT, side[1].typ()) {
				continue
			}
			op := cmp.op
			if flip == 1 { // value op column: turn it round
				op = map[string]string{"<": ">", ">": "<", "<=": ">=", ">=": "<=", "!<": "!>", "!>": "!<", "=": "="}[op]
			}
			for _, want := range ops {
				if op == want {
					return side[1]
				}
			}
		}
	}
	return nil
}

// seekKey appends the encoding of a sought value as column c of the index
// stores it.
func seekKey(dst []byte, v types.Value, colT types.Type, desc bool) []byte {
	if i, ok := v.(int64); ok && colT.Kind == types.Decimal {
		v = types.DecFromInt(i)
	}
	return keys.AppendIndexValue(dst, v, colT, desc)
}

// scanKeys reads the rows the seek selects, in index order.
func (s *indexSeek) scanKeys(e *env, t *tableScan, fn func(key, raw []byte, row []types.Value) error) error {
	if !s.stillReady(e, t) {
		full := *t
		full.seek = nil
		return full.scanKeys(e, fn)
	}
	def := t.table
	prefix := keys.IndexPrefix(def.ID, s.ix.store())
	for i, x := range s.eq {
		v, err := x.eval(e)
		if err != nil || v == nil {
			return err // = NULL matches nothing
		}
		c := s.ix.Columns[i]
		prefix = seekKey(prefix, v, def.Columns[c].Type, s.ix.Desc[i])
	}
	lower, upper := prefix, keys.PrefixEnd(prefix)
	if k := len(s.eq); k < len(s.ix.Columns) && (s.lo != nil || s.hi != nil) {
		colT, desc := def.Columns[s.ix.Columns[k]].Type, s.ix.Desc[k]
		bound := func(x expr, isLower bool) (bool, error) {
			if x == nil {
				return true, nil
			}
			v, err := x.eval(e)
			if err != nil || v == nil {
				return false, err // a comparison with NULL matches nothing
			}
			enc := seekKey(append([]byte{}, prefix...), v, colT, desc)
			if isLower != desc { // the smaller key end
				lower = enc
			} else {
				upper = keys.PrefixEnd(enc)
			}
			return true, nil
		}
		if ok, err := bound(s.lo, true); !ok || err != nil {
			return err
		}
		if ok, err := bound(s.hi, false); !ok || err != nil {
			return err
		}
	}
	r := e.sess.readerFor(t.db)
	tio := e.sess.stats.open(t.db, t.table)
	it, err := r.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		return t.db.storage.ReadError(err)
	}
	defer it.Close()
	var row []types.Value
	for it.First(); it.Valid(); it.Next() {
		if err := e.gov.Check(); err != nil {
			return err
		}
		rowKey, err := entryRowKey(def.ID, it.Value())
		if err != nil {
			return t.corrupt(fmt.Errorf("an entry of index '%s' does not decode: %w", s.ix.Name, err))
		}
		raw, ok, err := storage.ReadValue(r, rowKey)
		if err != nil {
			return t.db.storage.ReadError(err)
		}
		if !ok {
			return t.corrupt(fmt.Errorf("index '%s' has an entry without its row (DBCC CHECKTABLE reports it)", s.ix.Name))
		}
		if tio != nil {
			tio.reads++ // the row fetched (SET STATISTICS IO)
		}
		if row, err = keys.DecodeRow(raw, row); err != nil {
			return t.corrupt(err)
		}
		row = padRow(row, len(def.Columns))
		if err := fn(rowKey, raw, row); err != nil {
			return err
		}
	}
	if err := it.Error(); err != nil {
		return t.db.storage.ReadError(err)
	}
	return nil
}

// stillReady reports whether the index is still ready as the session sees
// the schema now: a statement bound before DROP INDEX began falls back to
// reading the table.
func (s *indexSeek) stillReady(e *env, t *tableScan) bool {
	set, err := e.sess.schemaFor(t.db)
	if err != nil {
		return false
	}
	def := set.byID[t.table.ID]
	if def == nil {
		return false
	}
	for i := range def.Indexes {
		if ix := &def.Indexes[i]; ix.store() == s.ix.store() && ix.State == IndexReady {
			return true
		}
	}
	return false
}
