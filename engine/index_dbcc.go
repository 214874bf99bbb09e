package engine

import (
	"bytes"
	"fmt"

	"github.com/cockroachdb/pebble"

	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/engine/govern"
	"mirrordb/engine/keys"
	"mirrordb/engine/storage"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// DBCC's check of secondary indexes against their tables, both ways: every
// row of a table has its entry in each ready index (else Msg 8951), and
// every entry of an index is the entry of an existing row (else Msg 8952).
// An index still being built or dropped is not held to either.

// checkRowEntries checks that a row (decoded, at key k) has its entries.
func (c *checker) checkRowEntries(r pebble.Reader, t *catalog.TableDef, k []byte, row []types.Value) error {
	for i := range t.Indexes {
		ix := &t.Indexes[i]
		if ix.State != catalog.IndexReady || !covers(ix, t, row) {
			continue
		}
		ek, ev := exec.IndexEntry(t, ix, k, row)
		v, ok, err := storage.ReadValue(r, ek)
		if err != nil {
			return c.report(c.readError(err))
		}
		if !ok || !bytes.Equal(v, ev) {
			if err := c.report(sqlerr.New(8951, t.Name, int64(t.ID), ix.Name, int64(ix.ID), exec.IndexKeyText(t, ix, row))); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkEntry checks one index entry (key k, value v) against its row.
func (c *checker) checkEntry(r pebble.Reader, tables map[uint32]*catalog.TableDef, k, v []byte) error {
	tableID, ixID, _ := keys.IndexOfKey(k)
	c.entries[[2]uint32{tableID, ixID}]++
	t := tables[tableID]
	if t == nil {
		return c.report(sqlerr.New(8928, int64(tableID), fmt.Sprintf("index entry %x", k), "no table has that object ID"))
	}
	var ix *catalog.IndexDef
	for i := range t.Indexes {
		if t.Indexes[i].StoreID() == ixID {
			ix = &t.Indexes[i]
		}
	}
	if ix == nil || ix.State != catalog.IndexReady {
		if ix == nil {
			return c.report(sqlerr.New(8928, int64(tableID), fmt.Sprintf("index entry %x", k), fmt.Sprintf("table '%s' has no index with ID %d", t.Name, ixID)))
		}
		return nil
	}
	extra := func(detail string) error {
		return c.report(sqlerr.New(8952, t.Name, int64(t.ID), ix.Name, int64(ix.ID), detail))
	}
	rowKey, err := keys.EntryRowKey(t.StoreID(), v)
	if err != nil {
		return extra(fmt.Sprintf("an entry that does not decode (%x)", k))
	}
	raw, ok, err := storage.ReadValue(r, rowKey)
	if err != nil {
		return c.report(c.readError(err))
	}
	if !ok {
		return extra(fmt.Sprintf("the row with key %x, which does not exist", keys.RowSuffix(rowKey)))
	}
	row, err := keys.DecodeRow(raw, nil)
	if err == nil {
		row, err = completeRow(c.e, c.d, t, raw, row)
	}
	if err != nil || len(row) != len(t.Columns) {
		return nil // checkRow reports the row itself
	}
	if !covers(ix, t, row) {
		return extra(fmt.Sprintf("a row its filter leaves out (%s)", exec.IndexKeyText(t, ix, row)))
	}
	if ek, ev := exec.IndexEntry(t, ix, rowKey, row); !bytes.Equal(ek, k) || !bytes.Equal(ev, v) {
		return extra(fmt.Sprintf("an entry whose key does not match its row's values (%s)", exec.IndexKeyText(t, ix, row)))
	}
	return nil
}

// checkIndexes scans the entries of every index of t (CHECKTABLE; CHECKDB
// meets them in its scan of all table keys).
func (c *checker) checkIndexes(gov *govern.Statement, r pebble.Reader, tables map[uint32]*catalog.TableDef, t *catalog.TableDef) error {
	for _, ix := range t.Indexes {
		p := keys.IndexPrefix(t.StoreID(), ix.StoreID())
		if err := c.scan(gov, r, p, keys.PrefixEnd(p), func(k, v []byte) error { return c.checkEntry(r, tables, k, v) }); err != nil {
			return err
		}
	}
	return nil
}
