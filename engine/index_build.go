package engine

import (
	"bytes"
	"encoding/binary"
	"sync"

	"github.com/cockroachdb/pebble"

	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/engine/keys"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// A build step inside a user transaction (step 2 of index_ddl.go; outside
// one, index_build_sort.go sorts the whole table's entries first and
// writes them through writeSorted, with the same before-image rule). A
// step encodes the entries of its rows into one buffer, sorts them so
// that the batch and Pebble receive keys in order, and hands the buffer
// to the transaction without copying. What costs most otherwise is the
// before-image of every entry (a point read through every level of the
// store): the log record must say whether the key existed. The new index's
// key space is empty when the build defines it, so an entry can exist only
// if an earlier step wrote it (for a non-unique index never: its key holds
// the row's key, and each row is read once) or a concurrent writer
// maintaining the building index did. The database's buildWatch records
// the keys such writers touch; a step reads the before-images of those
// only, and of every entry of a unique index (where an earlier step's
// entry is a duplicate key: Msg 1505), by one iterator seeking in key
// order. Log records stay physical: redo, undo, mirroring and backups see
// ordinary puts.

// maxWatchedKeys bounds the keys a build remembers concurrent writers
// touching; past it, every entry's before-image is read (a variable for
// tests).
var maxWatchedKeys = 1 << 14

// buildWatch is the set of index builds running on a database and, for
// each, the keys of its entries that writers other than the build touched.
type buildWatch struct {
	mu     sync.Mutex
	builds map[buildID]*touchedKeys
	// active counts the statements building or removing each index, so
	// that the removal of interrupted builds leaves theirs alone
	// (index_recover.go).
	active map[buildID]int
}

// enter records a statement building or removing an index; leave, its end.
func (w *buildWatch) enter(table, store uint32) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.active == nil {
		w.active = map[buildID]int{}
	}
	w.active[buildID{table, store}]++
}

func (w *buildWatch) leave(table, store uint32) {
	w.mu.Lock()
	defer w.mu.Unlock()
	id := buildID{table, store}
	if w.active[id]--; w.active[id] <= 0 {
		delete(w.active, id)
	}
}

// running reports whether a statement is building or removing an index.
func (w *buildWatch) running(table, store uint32) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.active[buildID{table, store}] > 0
}

type buildID struct{ table, store uint32 }

// touchedKeys are the entry keys writers touched; all, once there were
// more than maxWatchedKeys.
type touchedKeys struct {
	keys map[string]struct{}
	all  bool
}

// start watches a build whose key space is empty.
func (w *buildWatch) start(table, store uint32) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.builds == nil {
		w.builds = map[buildID]*touchedKeys{}
	}
	w.builds[buildID{table, store}] = &touchedKeys{keys: map[string]struct{}{}}
}

// stop forgets a build.
func (w *buildWatch) stop(table, store uint32) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.builds, buildID{table, store})
}

// touch records that a writer wrote or deleted key in a building index.
func (w *buildWatch) touch(table, store uint32, key []byte) {
	w.mu.Lock()
	defer w.mu.Unlock()
	b := w.builds[buildID{table, store}]
	switch {
	case b == nil || b.all:
	case len(b.keys) >= maxWatchedKeys:
		b.all, b.keys = true, nil
	default:
		b.keys[string(key)] = struct{}{}
	}
}

// mayExist returns, for a watched build, a function that reports whether
// an entry key may exist (was touched by a writer); ok is false when the
// build is not watched or writers touched too many keys.
//
// REQUIRES: the caller holds the database's writer lock, so that no writer
// touches keys while the function is used.
func (w *buildWatch) mayExist(table, store uint32) (fn func(key []byte) bool, ok bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	b := w.builds[buildID{table, store}]
	if b == nil || b.all {
		return nil, false
	}
	return func(key []byte) bool { _, ok := b.keys[string(key)]; return ok }, true
}

// watchIfEmpty records the build as running, and starts watching it when
// its key space holds nothing (as a new store number's does).
func (x *indexBuild) watchIfEmpty(t *txn, tableID uint32) error {
	x.db.builds.enter(tableID, x.ix.StoreID())
	x.entered = true
	prefix := keys.IndexPrefix(tableID, x.ix.StoreID())
	it, err := t.Reader().NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: keys.PrefixEnd(prefix)})
	if err != nil {
		return x.db.storage.ReadError(err)
	}
	empty := !it.First()
	err = it.Error()
	it.Close()
	if err != nil {
		return x.db.storage.ReadError(err)
	}
	if empty {
		x.db.builds.start(tableID, x.ix.StoreID())
		x.watched = true
	}
	return nil
}

// unwatch stops watching the build and records its end.
func (x *indexBuild) unwatch(tableID uint32) {
	if x.entered {
		x.db.builds.leave(tableID, x.ix.StoreID())
		x.entered = false
	}
	if x.watched {
		x.db.builds.stop(tableID, x.ix.StoreID())
		x.watched = false
	}
}

// stepEntry is one entry of a step: its key is buf[k:v], its value
// buf[v:end]. head and head2 are the key's first 16 bytes after the index
// prefix (zero-padded), big-endian: sorting compares them before the keys
// (sortEntries).
type stepEntry struct {
	k, v, end   int
	head, head2 uint64
}

// newStepEntry indexes the entry at buf[k:v:end] whose key has a prefix of
// prefixLen bytes.
func newStepEntry(buf []byte, k, v, end, prefixLen int) stepEntry {
	key := buf[k:v]
	return stepEntry{k, v, end, keyHead(key, prefixLen), keyHead(key, prefixLen+8)}
}

// keyHead returns the 8 bytes of key from off on (zero-padded) as a
// big-endian number: for keys a < b, keyHead(a) <= keyHead(b) when their
// bytes before off are equal.
func keyHead(key []byte, off int) uint64 {
	var b [8]byte
	if off < len(key) {
		copy(b[:], key[off:])
	}
	return binary.BigEndian.Uint64(b[:])
}

// fill indexes up to indexChunkRows rows (indexChunkBytes of entries,
// indexReadBytes of rows) from cursor on (a row key, or a prefix before
// every row) and returns where to go on (nil at the end): step 2.
func (x *indexBuild) fill(e *exec.Env, t *txn, cursor []byte) ([]byte, error) {
	def, ix, err := x.building(t)
	if err != nil {
		return nil, err
	}
	prefix := keys.TablePrefix(def.StoreID())
	if bytes.Compare(cursor, prefix) < 0 {
		cursor = prefix
	}
	t.WriteOnly() // a step reads all it needs before it writes
	var (
		buf     = make([]byte, 0, x.stepBytes) // the last step's size
		entries = make([]stepEntry, 0, x.stepEntries)
		row     []types.Value
		last    []byte
		enc     exec.EntryEncoder
		n, size int
	)
	it, err := t.Reader().NewIter(&pebble.IterOptions{LowerBound: cursor, UpperBound: keys.PrefixEnd(prefix)})
	if err != nil {
		return nil, x.db.storage.ReadError(err)
	}
	for it.First(); it.Valid() && n < indexChunkRows && len(buf) < indexChunkBytes && size < indexReadBytes; it.Next() {
		n++
		size += len(it.Key()) + len(it.Value())
		if err := e.Gov.Check(); err != nil {
			it.Close()
			return nil, err
		}
		if row, err = keys.DecodeRow(it.Value(), row); err != nil {
			it.Close()
			return nil, x.db.storage.Corrupt(err)
		}
		if row, err = completeRow(e, x.db, def, it.Value(), row); err != nil {
			it.Close()
			return nil, err
		}
		last = append(last[:0], it.Key()...)
		if !covers(ix, def, row) {
			continue
		}
		k := len(buf)
		var v int
		buf, v = enc.Append(buf, def, ix, last, row)
		entries = append(entries, newStepEntry(buf, k, v, len(buf), enc.PrefixLen()))
	}
	x.stepBytes, x.stepEntries = len(buf), len(entries)
	more := it.Valid()
	if err := it.Error(); err != nil {
		it.Close()
		return nil, x.db.storage.ReadError(err)
	}
	it.Close()
	var sorter entrySorter
	sorter.sort(buf, entries)
	if err := x.writeStep(e, t, def, ix, buf, entries); err != nil {
		return nil, err
	}
	x.rows += int64(n)
	if !more || n == 0 {
		return nil, nil
	}
	return append(last, 0), nil
}

// writeStep writes a step's sorted entries, reading the before-images of
// only those that may exist (see the top of the file).
func (x *indexBuild) writeStep(e *exec.Env, t *txn, def *catalog.TableDef, ix *catalog.IndexDef, buf []byte, entries []stepEntry) error {
	mayExist, watched := x.db.builds.mayExist(def.StoreID(), ix.StoreID())
	t.Grow(len(entries))
	var it *pebble.Iterator
	defer func() {
		if it != nil {
			it.Close()
		}
	}()
	for i, s := range entries {
		k, v := buf[s.k:s.v:s.v], buf[s.v:s.end:s.end]
		if ix.Unique && i > 0 && bytes.Equal(k, buf[entries[i-1].k:entries[i-1].v]) {
			return x.duplicate(e, t, def, ix, v)
		}
		if !ix.Unique && watched && !mayExist(k) {
			if err := t.WriteOwned(k, nil, false, v); err != nil {
				return err
			}
			continue
		}
		if it == nil {
			prefix := keys.IndexPrefix(def.StoreID(), ix.StoreID())
			var err error
			if it, err = t.Reader().NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: keys.PrefixEnd(prefix)}); err != nil {
				return x.db.storage.ReadError(err)
			}
		}
		// The seeks go in key order, so Pebble moves on from the last
		// position instead of descending again. They read the database as
		// committed (WriteOnly, or a user transaction's batch before this
		// step's writes, which all lie before the key sought); duplicates
		// within the step are neighbours in the sort.
		var cur []byte
		had := it.SeekGE(k) && bytes.Equal(it.Key(), k)
		if err := it.Error(); err != nil {
			return x.db.storage.ReadError(err)
		}
		if had {
			cur = bytes.Clone(it.Value())
			other, err := keys.EntryRowKey(def.StoreID(), cur)
			if err == nil && bytes.Equal(other, rowKeyOfEntry(def.StoreID(), v)) {
				continue // a write since the build began indexed it already
			}
			if ix.Unique {
				return x.duplicate(e, t, def, ix, v)
			}
		}
		if err := t.WriteOwned(k, cur, had, v); err != nil {
			return err
		}
	}
	return nil
}

// rowKeyOfEntry is entryRowKey of a value this build encoded (nil if it
// cannot be decoded, which does not happen).
func rowKeyOfEntry(tableID uint32, val []byte) []byte {
	k, _ := keys.EntryRowKey(tableID, val)
	return k
}

// duplicate is Msg 1505 for the row whose new entry has value val.
func (x *indexBuild) duplicate(e *exec.Env, t *txn, def *catalog.TableDef, ix *catalog.IndexDef, val []byte) error {
	rowKey, err := keys.EntryRowKey(def.StoreID(), val)
	if err != nil {
		return x.db.storage.Corrupt(err)
	}
	enc, had, err := t.Get(rowKey)
	if err != nil || !had {
		return sqlerr.New(1505, "dbo."+def.Name, ix.Name, "?")
	}
	row, err := keys.DecodeRow(enc, nil)
	if err != nil {
		return x.db.storage.Corrupt(err)
	}
	if row, err = completeRow(e, x.db, def, enc, row); err != nil {
		return err
	}
	return sqlerr.New(1505, "dbo."+def.Name, ix.Name, exec.IndexKeyText(def, ix, row))
}
