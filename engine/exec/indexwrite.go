package exec

import (
	"bytes"
	"strings"

	"mirrordb/engine/catalog"
	"mirrordb/engine/keys"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// Index maintenance. An index's entries are keys beside its table's rows
// (engine/keys/index.go) written in the same transaction as the row they
// point at, so the log, mirroring, backups and undo carry them as they
// carry rows (docs/ARCHITECTURE.md, "Secondary indexes").

// IndexEntry returns the key and value of a row's entry in ix: the key
// values (inverted when DESC), then for a non-unique index the row's key;
// the value holds the row's key and the INCLUDE columns.
func IndexEntry(t *catalog.TableDef, ix *catalog.IndexDef, rowKey []byte, row []types.Value) (key, val []byte) {
	var enc EntryEncoder
	b, n := enc.Append(nil, t, ix, rowKey, row)
	return b[:n:n], b[n:]
}

// EntryEncoder appends index entries to a buffer, reusing its scratch
// between entries (a build encodes a whole step into one buffer).
type EntryEncoder struct {
	prefix []byte // keys.IndexPrefix of the last index encoded for
	table  uint32
	store  uint32
	vals   []types.Value
}

// Append appends the key of a row's entry in ix and then its value to
// dst, and returns the buffer and where the value starts.
func (enc *EntryEncoder) Append(dst []byte, t *catalog.TableDef, ix *catalog.IndexDef, rowKey []byte, row []types.Value) ([]byte, int) {
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

// WriteIndexes brings every maintained index of a table in line with one
// row changing from old (at oldKey) to new (at newKey); either side is nil
// for an insert or a delete.
func WriteIndexes(ws Writes, tableID uint32, oldKey []byte, old []types.Value, newKey []byte, new []types.Value) error {
	if err := IndexPhase(ws, tableID, oldKey, old, newKey, new, true); err != nil {
		return err
	}
	return IndexPhase(ws, tableID, oldKey, old, newKey, new, false)
}

// IndexPhase is half of WriteIndexes: removing deletes the entries the
// change takes away, else it adds the entries the change brings (checking
// unique indexes: Msg 2601, or 2627 for a UNIQUE constraint). UPDATE runs
// the removing half for all its rows before the adding half, so that rows
// swapping unique values do not collide. Entries the change leaves alone
// are not touched. The indexes are the table's as the transaction sees it
// now, not as the statement was bound: an index created while a statement
// waited for the writer lock is maintained too.
func IndexPhase(ws Writes, tableID uint32, oldKey []byte, old []types.Value, newKey []byte, new []types.Value, removing bool) error {
	if (removing && old == nil) || (!removing && new == nil) {
		return nil
	}
	set, err := ws.Schema()
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
		oldIn := old != nil && ws.InIndex(ix, def, old) // a filtered index holds some rows only
		newIn := new != nil && ws.InIndex(ix, def, new)
		if oldIn {
			ok, ov = IndexEntry(def, ix, oldKey, old)
		}
		if newIn {
			nk, nv = IndexEntry(def, ix, newKey, new)
		}
		switch {
		case oldIn && newIn && bytes.Equal(ok, nk) && (removing || bytes.Equal(ov, nv)):
			continue // same entry (a changed INCLUDE value is rewritten when adding)
		case removing && !oldIn, !removing && !newIn:
			continue
		case removing:
			if building {
				ws.Building(def.StoreID(), ix.StoreID(), ok)
			}
			if err := ws.Delete(ok); err != nil {
				return err
			}
			continue
		}
		if building {
			ws.Building(def.StoreID(), ix.StoreID(), nk)
		}
		cur, had, err := ws.Get(nk)
		if err != nil {
			return err
		}
		if had && ix.Unique {
			other, err := keys.EntryRowKey(def.StoreID(), cur)
			if err != nil || !bytes.Equal(other, newKey) {
				if ix.Constraint {
					return sqlerr.New(2627, "UNIQUE KEY", ix.Name, "dbo."+def.Name, IndexKeyText(def, ix, new))
				}
				return sqlerr.New(2601, "dbo."+def.Name, ix.Name, IndexKeyText(def, ix, new))
			}
		}
		if err := ws.Write(nk, cur, had, nv); err != nil {
			return err
		}
	}
	return nil
}

// IndexKeyText is an index's key values of a row as SQL Server shows them
// in 1505 and 2601: "v1, v2", NULL as <NULL>.
func IndexKeyText(t *catalog.TableDef, ix *catalog.IndexDef, row []types.Value) string {
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

// PrefixLen is the length of the index prefix the last entry began with
// (a build sorts its entries past it).
func (enc *EntryEncoder) PrefixLen() int { return len(enc.prefix) }
