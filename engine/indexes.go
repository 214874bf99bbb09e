package engine

import (
	"bytes"
	"strings"

	"mirrordb/engine/catalog"
	"mirrordb/engine/keys"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// Index maintenance. An index is part of its table's definition
// (catalog.IndexDef in TableDef.Indexes, one schema key; engine/catalog
// says how index_ids are given), and its entries are keys beside the
// table's rows (engine/keys/index.go) written in the same transaction as
// the row they point at: so the log record of that transaction, and with
// it mirroring, backups, RESTORE LOG and the undo of a demoted principal,
// carry index entries exactly as they carry rows. docs/ARCHITECTURE.md
// ("Secondary indexes") tells the whole story. A second clustered index
// is Msg 1902, as in SQL Server.

// indexEntry returns the key and value of a row's entry in ix: the key
// values (inverted when DESC), then for a non-unique index the row's key;
// the value holds the row's key and the INCLUDE columns.
func indexEntry(t *catalog.TableDef, ix *catalog.IndexDef, rowKey []byte, row []types.Value) (key, val []byte) {
	var enc entryEncoder
	b, n := enc.append(nil, t, ix, rowKey, row)
	return b[:n:n], b[n:]
}

// entryEncoder appends index entries to a buffer, reusing its scratch
// between entries (a build encodes a whole step into one buffer).
type entryEncoder struct {
	prefix []byte // keys.IndexPrefix of the last index encoded for
	table  uint32
	store  uint32
	vals   []types.Value
}

// append appends the key of a row's entry in ix and then its value to
// dst, and returns the buffer and where the value starts.
func (enc *entryEncoder) append(dst []byte, t *catalog.TableDef, ix *catalog.IndexDef, rowKey []byte, row []types.Value) ([]byte, int) {
	if enc.prefix == nil || enc.table != t.StoreID() || enc.store != ix.StoreID() {
		enc.prefix, enc.table, enc.store = keys.IndexPrefix(t.StoreID(), ix.StoreID()), t.StoreID(), ix.StoreID()
	}
	dst = append(dst, enc.prefix...)
	for i, c := range ix.Columns {
		dst = keys.AppendIndexValue(dst, row[c], t.Columns[c].Type, ix.Desc[i])
	}
	suffix := keys.RowSuffix(rowKey)
	if !ix.Unique {
		dst = append(dst, suffix...)
	}
	n := len(dst)
	enc.vals = append(enc.vals[:0], suffix)
	for _, c := range ix.Include {
		enc.vals = append(enc.vals, row[c])
	}
	return keys.EncodeRow(dst, enc.vals), n
}

// writeIndexes brings every maintained index of a table in line with one
// row changing from old (at oldKey) to new (at newKey); either side is nil
// for an insert or a delete.
func writeIndexes(t *txn, tableID uint32, oldKey []byte, old []types.Value, newKey []byte, new []types.Value) error {
	if err := indexPhase(t, tableID, oldKey, old, newKey, new, true); err != nil {
		return err
	}
	return indexPhase(t, tableID, oldKey, old, newKey, new, false)
}

// indexPhase is half of writeIndexes: removing deletes the entries the
// change takes away, else it adds the entries the change brings (checking
// unique indexes: Msg 2601). UPDATE runs the removing half for all its
// rows before the adding half, so that rows swapping unique values do not
// collide. Entries the change leaves alone are not touched. The indexes
// are the table's as the transaction sees it now, not as the statement
// was bound: an index created while a statement waited for the writer
// lock is maintained too.
func indexPhase(t *txn, tableID uint32, oldKey []byte, old []types.Value, newKey []byte, new []types.Value, removing bool) error {
	if (removing && old == nil) || (!removing && new == nil) {
		return nil
	}
	set, err := t.schemaView()
	if err != nil {
		return err
	}
	def := set.ByID(tableID)
	if def == nil || len(def.Indexes) == 0 {
		return nil
	}
	for i := range def.Indexes {
		ix := &def.Indexes[i]
		if !ix.Maintained() {
			continue
		}
		building := ix.State == catalog.IndexBuilding
		var ok, ov, nk, nv []byte
		oldIn := old != nil && covers(ix, def, old) // a filtered index holds some rows only
		newIn := new != nil && covers(ix, def, new)
		if oldIn {
			ok, ov = indexEntry(def, ix, oldKey, old)
		}
		if newIn {
			nk, nv = indexEntry(def, ix, newKey, new)
		}
		switch {
		case oldIn && newIn && bytes.Equal(ok, nk) && (removing || bytes.Equal(ov, nv)):
			continue // same entry (a changed INCLUDE value is rewritten when adding)
		case removing && !oldIn, !removing && !newIn:
			continue
		case removing:
			if building {
				t.db.builds.touch(def.StoreID(), ix.StoreID(), ok)
			}
			if err := t.Delete(ok); err != nil {
				return err
			}
			continue
		}
		if building {
			t.db.builds.touch(def.StoreID(), ix.StoreID(), nk)
		}
		cur, had, err := t.Get(nk)
		if err != nil {
			return err
		}
		if had && ix.Unique {
			other, err := keys.EntryRowKey(def.StoreID(), cur)
			if err != nil || !bytes.Equal(other, newKey) {
				if ix.Constraint {
					return sqlerr.New(2627, "UNIQUE KEY", ix.Name, "dbo."+def.Name, indexKeyText(def, ix, new))
				}
				return sqlerr.New(2601, "dbo."+def.Name, ix.Name, indexKeyText(def, ix, new))
			}
		}
		if err := t.Write(nk, cur, had, nv); err != nil {
			return err
		}
	}
	return nil
}

// indexKeyText is an index's key values of a row as SQL Server shows them
// in 1505 and 2601: "v1, v2", NULL as NULL.
func indexKeyText(t *catalog.TableDef, ix *catalog.IndexDef, row []types.Value) string {
	vals := make([]string, len(ix.Columns))
	for i, c := range ix.Columns {
		if row[c] == nil {
			vals[i] = "<NULL>"
			continue
		}
		vals[i] = types.ToText(row[c], t.Columns[c].Type)
	}
	return strings.Join(vals, ", ")
}
