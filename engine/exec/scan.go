package exec

import (
	"fmt"
	"strings"

	"mirrordb/engine/catalog"
	"mirrordb/engine/keys"
	"mirrordb/engine/plan"
	"mirrordb/types"
)

// The row sources that read the store: a table read in its primary key's
// order, whole or narrowed to key ranges, or through one of its secondary
// indexes. They read the store through Table, which the engine implements
// (availability, the session's snapshot, SET STATISTICS IO, the store's
// errors); the planner (engine/opt) chooses how they are narrowed.

// TableScan reads a table's rows in primary-key order, optionally narrowed
// to the keys whose leading columns equal the values in Eq (a point lookup
// when every key column is given), to ranges of the key (Rng), or to an
// index's (Seek).
type TableScan struct {
	Table Table // the store as the statement reads it
	Def   *catalog.TableDef
	Eq    []Expr // values for PK columns 0..len(Eq)-1, coerced to their types
	Seek  *IndexSeek
	// Rng narrows the scan to ranges of the primary key (a KeySeek) when
	// the WHERE clause bounds more than equalities do; Backward reads
	// the rows in descending key order (an ORDER BY ... DESC it serves).
	Rng      *KeySeek
	Backward bool
	Ordered  bool // the scan serves an ORDER BY (printed plans say so)
	// Need marks the columns the statement reads (nil: all); the others
	// are not decoded
	Need []bool
}

// Run reads the rows. A point lookup calls fn directly: wrapping it for
// ScanKeys would allocate a closure per statement.
func (t *TableScan) Run(e *Env, fn func(row []types.Value) error) error {
	if t.Seek == nil && t.point() {
		r, key, none, err := t.open(e)
		if err != nil || none {
			return err
		}
		_, row, ok, err := t.lookup(r, key)
		if err != nil || !ok {
			return err
		}
		return fn(row)
	}
	return t.ScanKeys(e, func(_, _ []byte, row []types.Value) error { return fn(row) })
}

// point reports whether Eq gives every key column: one row at most.
func (t *TableScan) point() bool { return len(t.Eq) > 0 && len(t.Eq) == len(t.Def.PK) }

// open begins reading the table and encodes the key prefix Eq gives; none
// reports a key value that is NULL (or did not convert), which matches
// nothing.
func (t *TableScan) open(e *Env) (r Reader, prefix []byte, none bool, err error) {
	if r, err = t.Table.Open(e); err != nil {
		return nil, nil, false, err
	}
	prefix = keys.TablePrefix(t.Def.StoreID())
	if len(t.Eq) == 0 {
		return r, prefix, false, nil
	}
	vals := make([]types.Value, len(t.Eq))
	ts := make([]types.Type, len(t.Eq))
	for i, x := range t.Eq {
		v, err := x.Eval(e)
		if err != nil {
			return nil, nil, false, err
		}
		if v == nil {
			return nil, nil, true, nil
		}
		vals[i], ts[i] = v, t.Def.Columns[t.Def.PK[i]].Type
	}
	return r, append(prefix, keys.EncodeTuple(vals, ts)...), false, nil
}

// lookup reads the row of a whole primary key.
func (t *TableScan) lookup(r Reader, key []byte) (raw []byte, row []types.Value, ok bool, err error) {
	raw, ok, err = r.Get(key)
	if err != nil || !ok {
		return nil, nil, false, err
	}
	if row, err = r.Row(raw, nil, nil); err != nil {
		return nil, nil, false, err
	}
	return raw, row, true, nil
}

// ScanKeys is Run that also passes each row's storage key and encoded value
// (valid only during the call), which UPDATE and DELETE need.
func (t *TableScan) ScanKeys(e *Env, fn func(key, raw []byte, row []types.Value) error) error {
	if t.Seek != nil {
		return t.Seek.scanKeys(e, t, fn)
	}
	r, prefix, none, err := t.open(e)
	if err != nil || none {
		return err
	}
	if t.point() {
		raw, row, ok, err := t.lookup(r, prefix)
		if err != nil || !ok {
			return err
		}
		return fn(prefix, raw, row)
	}
	rs := []KeyRange{{Lo: prefix, Hi: keys.PrefixEnd(prefix)}}
	if t.Rng != nil {
		if rs, err = t.Rng.Ranges(e, prefix); err != nil {
			return err
		}
	}
	var row []types.Value
	return r.Ranges(rs, t.Backward, true, func(key, val []byte) error {
		var err error
		if row, err = r.Row(val, row, t.Need); err != nil {
			return err
		}
		return fn(key, val, row)
	})
}

// IndexSeek narrows a TableScan to ranges of one of its secondary indexes,
// whose entries lead to their rows or, Covering, hold every column the
// statement reads (no lookup of the row).
type IndexSeek struct {
	Index catalog.IndexDef
	KeySeek
	Covering bool
}

// scanKeys reads the rows the seek selects, in index order.
func (s *IndexSeek) scanKeys(e *Env, t *TableScan, fn func(key, raw []byte, row []types.Value) error) error {
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
func (s *IndexSeek) stillReady(e *Env, t *TableScan) bool {
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

// scanCovered reads the rows of the ranges from the index entries: key
// columns decoded from the entry's key, INCLUDE columns and the clustered
// key from its value; the other columns, which the statement does not
// read, stay NULL.
func (s *IndexSeek) scanCovered(r Reader, t *TableScan, rs []KeyRange, fn func(key, raw []byte, row []types.Value) error) error {
	def := t.Def
	prefixLen := len(keys.IndexPrefix(def.StoreID(), s.Index.StoreID()))
	row := make([]types.Value, len(def.Columns))
	var vals, pk []types.Value
	pkTypes := make([]types.Type, len(def.PK))
	for i, c := range def.PK {
		pkTypes[i] = def.Columns[c].Type
	}
	pk = make([]types.Value, len(def.PK))
	exact := ExactKeyPrefix(def, s.Index.Columns)
	pkExact := ExactKeyPrefix(def, def.PK) == len(def.PK)
	return r.Ranges(rs, t.Backward, true, func(key, entry []byte) error {
		bad := func(err error) error {
			return r.Corrupt(fmt.Errorf("an entry of index '%s' does not decode: %w", s.Index.Name, err))
		}
		b := key[prefixLen:]
		for i, c := range s.Index.Columns[:exact] {
			var err error
			if row[c], b, err = keys.DecodeKeyValue(b, s.Types[i], s.Index.Desc[i]); err != nil {
				return bad(err)
			}
		}
		var err error
		if vals, err = keys.DecodeRow(entry, vals); err != nil || len(vals) != 1+len(s.Index.Include) {
			return bad(keys.ErrCorruptRow)
		}
		for i, c := range s.Index.Include {
			row[c] = vals[1+i]
		}
		if suffix, ok := vals[0].([]byte); ok && len(def.PK) > 0 && pkExact {
			if err := keys.DecodeKeyTuple(suffix, pkTypes, pk); err != nil {
				return bad(err)
			}
			for i, c := range def.PK {
				row[c] = pk[i]
			}
		}
		return fn(nil, nil, row)
	})
}

// Explain draws the scan as SQL Server's plans do: Table Scan of a heap,
// Clustered Index Scan or Seek, or an index's seek or scan (with the
// lookup of each entry's row unless the entries cover the statement).
func (t *TableScan) Explain(x *Explainer, nm *Names) *plan.Node {
	obj := "OBJECT:(" + ObjectName(t.Table.Database(), t.Def) + ")"
	if t.Seek != nil {
		return t.explainIndexSeek(x, nm, obj)
	}
	if len(t.Def.PK) == 0 {
		return x.Node("Table Scan", "Table Scan", obj)
	}
	pkCol := func(i int) string { return ColumnName(t.Table.Database(), t.Def, t.Def.PK[i]) }
	if t.Rng != nil {
		return x.Node("Clustered Index Seek", "Clustered Index Seek", obj+", SEEK:("+t.Rng.Explain(x, nm, pkCol)+") "+Direction(t.Backward))
	}
	if len(t.Eq) == 0 {
		if t.Ordered {
			obj += ", " + Direction(t.Backward)
		}
		return x.Node("Clustered Index Scan", "Clustered Index Scan", obj)
	}
	seek := make([]string, len(t.Eq))
	for i, v := range t.Eq {
		seek[i] = pkCol(i) + "=" + x.Text(Unconverted(v), nm) // a join's seek reads the outer row
	}
	n := x.Node("Clustered Index Seek", "Clustered Index Seek", obj+", SEEK:("+strings.Join(seek, " AND ")+") "+Direction(t.Backward))
	if len(t.Eq) == len(t.Def.PK) {
		n.EstimateRows, n.Estimated = 1, true
	}
	return n
}

// explainIndexSeek draws a secondary-index seek as SQL Server does: the
// index's range, and a lookup of each entry's row in the table (Key Lookup
// through the primary key, RID Lookup in a heap), joined by nested loops.
func (t *TableScan) explainIndexSeek(x *Explainer, nm *Names, obj string) *plan.Node {
	s := t.Seek
	ix := TableName(t.Table.Database(), t.Def) + "." + Bracket(s.Index.Name)
	ixCol := func(i int) string { return ColumnName(t.Table.Database(), t.Def, s.Index.Columns[i]) }
	arg := "OBJECT:(" + ix + ")"
	if len(s.Eq) > 0 || s.Bounded() {
		arg += ", SEEK:(" + s.Explain(x, nm, ixCol) + ")" // a join's seek reads the outer row
	}
	op := "Index Seek"
	if len(s.Eq) == 0 && !s.Bounded() {
		op = "Index Scan"
	}
	sep := " "
	if op == "Index Scan" {
		sep = ", "
	}
	seek := x.Node(op, op, arg+sep+Direction(t.Backward))
	if s.Covering {
		return seek // no lookup: the entries hold what the query reads
	}
	lookup := x.Node("RID Lookup", "RID Lookup", obj+", LOOKUP ORDERED FORWARD")
	if len(t.Def.PK) > 0 {
		lookup = x.Node("Clustered Index Seek", "Key Lookup", obj+", SEEK:(the entry's key) LOOKUP ORDERED FORWARD")
	}
	n := x.Node("Nested Loops", "Inner Join", "", seek, lookup)
	n.NamesLogical = true
	return n
}

// ExactKeyPrefix counts the leading key columns a key gives back exactly:
// decoding stops at the first that it does not (a covered scan decodes
// those; the planner's Covers judges by them).
func ExactKeyPrefix(t *catalog.TableDef, cols []int) int {
	for i, c := range cols {
		if !keys.ExactInKey(t.Columns[c].Type) {
			return i
		}
	}
	return len(cols)
}
