package engine

import (
	"bytes"
	"fmt"
	"hash/maphash"

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
//
// The check streams: the scan of the rows encodes each row's expected
// entries and the scan of an index's entries reads them, and each side
// only adds the entries to an order-independent digest of its multiset
// (entryDigest). Only for an index whose digests differ, a damaged one,
// does a second pass look for the rows and entries to name, with a point
// read per row and per entry, both ways (checkRowEntries, checkEntry). A
// point read per entry made the check of a healthy index 15 times slower
// than building it.
//
// What agreeing digests prove: both sides are sets (an index's keys are
// unique, and each row's entry names the row), so two that differ but
// have the same count differ by at least one entry added on one side
// only, and a lane's sums agree only if the hashes of the differing
// entries cancel mod 2^64. Taking maphash under a random seed as a random
// function, that is a chance of 2^-64 per lane. The two lanes have seeds
// of their own, drawn for each check, so a damaged index passes with a
// chance of 2^-128; damage cannot be shaped to collide without the seeds
// (maphash is not a cryptographic hash: that holds against chance, not
// against one who can see the seeds).

// entryDigest is an order-independent digest of a multiset of index
// entries: how many, and in each of two lanes the sum of their hashes
// (mod 2^64).
type entryDigest struct {
	n   uint64
	sum [2]uint64
}

// indexTally is what one check saw of an index: the entries its rows call
// for and the entries it has.
type indexTally struct{ want, have entryDigest }

// entryHasher hashes entries for the digests' two lanes, each with a
// random seed of its own (newEntryHasher).
type entryHasher struct {
	seeds [2]maphash.Seed
	buf   []byte // the entry hashed, key then value
}

func newEntryHasher() entryHasher {
	return entryHasher{seeds: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}}
}

// add adds the entry (key k, value v) to d. The key's length goes into
// the hash too: bytes moved between the key and the value make another
// entry.
func (x *entryHasher) add(d *entryDigest, k, v []byte) {
	x.buf = append(append(x.buf[:0], k...), v...)
	d.n++
	for i, seed := range x.seeds {
		d.sum[i] += maphash.Bytes(seed, x.buf) ^ uint64(len(k))*0x9e3779b97f4a7c15
	}
}

// tally returns the tally of index ix (store ids) of a table.
func (c *checker) tally(table, ix uint32) *indexTally {
	key := [2]uint32{table, ix}
	t := c.tallies[key]
	if t == nil {
		t = &indexTally{}
		c.tallies[key] = t
	}
	return t
}

// expectEntries adds the entries a row (decoded, at key k) calls for to
// the digests of t's ready indexes.
func (c *checker) expectEntries(t *catalog.TableDef, k []byte, row []types.Value) {
	for i := range t.Indexes {
		ix := &t.Indexes[i]
		if ix.State != catalog.IndexReady || !covers(ix, t, row) {
			continue
		}
		var n int
		c.buf, n = c.enc.Append(c.buf[:0], t, ix, k, row)
		c.hasher.add(&c.tally(t.StoreID(), ix.StoreID()).want, c.buf[:n], c.buf[n:])
	}
}

// seeEntry takes in one index entry met by a scan: an entry of no table
// or no index is reported at once, an entry of a ready index is added to
// its digest.
func (c *checker) seeEntry(tables map[uint32]*catalog.TableDef, k, v []byte) error {
	t, ix, err := c.entryIndex(tables, k)
	if ix == nil {
		return err
	}
	c.hasher.add(&c.tally(t.StoreID(), ix.StoreID()).have, k, v)
	return nil
}

// entryIndex returns the table and ready index an entry key belongs to
// (ix nil, with the finding reported, for no such table or index; nil and
// no error for an index not ready).
func (c *checker) entryIndex(tables map[uint32]*catalog.TableDef, k []byte) (*catalog.TableDef, *catalog.IndexDef, error) {
	tableID, ixID, _ := keys.IndexOfKey(k)
	t := tables[tableID]
	if t == nil {
		return nil, nil, c.report(sqlerr.New(8928, int64(tableID), fmt.Sprintf("index entry %x", k), "no table has that object ID"))
	}
	for i := range t.Indexes {
		if ix := &t.Indexes[i]; ix.StoreID() == ixID {
			if ix.State != catalog.IndexReady {
				return t, nil, nil
			}
			return t, ix, nil
		}
	}
	return t, nil, c.report(sqlerr.New(8928, int64(tableID), fmt.Sprintf("index entry %x", k), fmt.Sprintf("table '%s' has no index with ID %d", t.Name, ixID)))
}

// settle compares the digests of t's ready indexes once its rows and
// entries have all been seen, and looks for the rows and entries to
// report in the indexes whose digests differ.
func (c *checker) settle(gov *govern.Statement, t *catalog.TableDef) error {
	var damaged []*catalog.IndexDef
	for i := range t.Indexes {
		ix := &t.Indexes[i]
		if ix.State != catalog.IndexReady {
			continue
		}
		if tl := c.tallies[[2]uint32{t.StoreID(), ix.StoreID()}]; tl != nil && tl.want != tl.have {
			damaged = append(damaged, ix)
		}
	}
	if len(damaged) == 0 {
		return nil
	}
	p := keys.TablePrefix(t.StoreID())
	err := c.scan(gov, c.r, p, keys.PrefixEnd(p), func(k, v []byte) error {
		row, finding := c.decodeRow(t, k, v)
		if finding != nil {
			return nil // reported by the first scan
		}
		return c.checkRowEntries(t, damaged, k, row)
	})
	if err != nil {
		return err
	}
	for _, ix := range damaged {
		p := keys.IndexPrefix(t.StoreID(), ix.StoreID())
		if err := c.scan(gov, c.r, p, keys.PrefixEnd(p), func(k, v []byte) error { return c.checkEntry(t, ix, k, v) }); err != nil {
			return err
		}
	}
	return nil
}

// checkRowEntries checks that a row (decoded, at key k) has its entries
// in the indexes given.
func (c *checker) checkRowEntries(t *catalog.TableDef, indexes []*catalog.IndexDef, k []byte, row []types.Value) error {
	for _, ix := range indexes {
		if !covers(ix, t, row) {
			continue
		}
		ek, ev := exec.IndexEntry(t, ix, k, row)
		v, ok, err := storage.ReadValue(c.r, ek)
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

// checkEntry checks one entry (key k, value v) of index ix against its
// row.
func (c *checker) checkEntry(t *catalog.TableDef, ix *catalog.IndexDef, k, v []byte) error {
	extra := func(detail string) error {
		return c.report(sqlerr.New(8952, t.Name, int64(t.ID), ix.Name, int64(ix.ID), detail))
	}
	rowKey, err := keys.EntryRowKey(t.StoreID(), v)
	if err != nil {
		return extra(fmt.Sprintf("an entry that does not decode (%x)", k))
	}
	raw, ok, err := storage.ReadValue(c.r, rowKey)
	if err != nil {
		return c.report(c.readError(err))
	}
	if !ok {
		return extra(fmt.Sprintf("the row with key %x, which does not exist", keys.RowSuffix(rowKey)))
	}
	row, finding := c.decodeRow(t, rowKey, raw)
	if finding != nil {
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
		if err := c.scan(gov, r, p, keys.PrefixEnd(p), func(k, v []byte) error { return c.seeEntry(tables, k, v) }); err != nil {
			return err
		}
	}
	return nil
}
