package engine

import (
	"bytes"
	"encoding/binary"

	"github.com/cockroachdb/pebble"

	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/engine/keys"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// Running an ALTER TABLE column change. Outside a user transaction it holds
// the database's writer lock from start to end, so no other statement
// writes meanwhile (SQL Server's schema-modification lock; readers go on
// reading the table as it was), and works in steps, each its own logged
// transaction committed under that lock:
//
//  1. check: every row is read and mapped to the new definition, nothing
//     is written. A row that cannot convert fails the statement here, with
//     nothing changed. A change that stores rows as they are (a nullable
//     column added, a string made longer, NOT NULL on a column without
//     NULLs) commits the new definition in this step and is done.
//  2. copy: the new rows, and their index entries, are written under a
//     fresh store number (catalog.TableDef.Store), at most indexChunkRows
//     rows per step. No definition names that number yet, so nothing
//     reads them.
//  3. swap: one transaction replaces the definition with the new one,
//     which keeps the table's object_id (as SQL Server's does: OBJECT_ID,
//     the catalog views, foreign keys, permissions and statistics go on
//     naming it) and has its rows under the new number (with a heap's
//     row-id counter moved there).
//  4. the old rows and index entries are deleted, in steps.
//
// A failure or a cancel before step 3 deletes the copy (in steps) and
// leaves the table as it was; after step 3 the statement has succeeded.
// The store number whose keys are to go is marked (keys.DiscardKey) in the step that
// makes them garbage (the copy's first step, the swap) and unmarked in
// the step that deletes the last of them, so keys a crash, a cancel of
// step 4 or a failed clean-up leave behind are known: the next ALTER TABLE
// of the database deletes them first, and DBCC does not count them.
// Memory stays bounded by a step's rows. Every step is an ordinary logged
// transaction, so a mirror and a log backup see the same steps. Inside a
// user transaction all steps are one step of that transaction (and as
// large as the table), as CREATE INDEX is.

// alterStepHook, when set, runs after each step of a copy ("copy", with
// the rows copied so far) or of a deletion ("empty"); an error fails the
// rewrite there (the tests' stand-in for a full disk part-way, and their
// moment to cancel).
var alterStepHook func(phase string, copied int64) error

// alterTable runs ch on the named table of db.
func (s *Session) alterTable(e *exec.Env, db *Database, table string, ch *alterChange) error {
	if s.tx != nil {
		return s.withWrite(e, db, func(t *txn) error {
			r := &rewrite{e: e, db: db, table: table, ch: ch, inTx: true, step: func(fn func(t *txn) error) error { return fn(t) }}
			return r.run()
		})
	}
	if err := db.checkOpen(); err != nil {
		return err
	}
	if err := s.lockWriter(e.Ctx, db); err != nil {
		return err
	}
	db.writerOwner.Store(s)
	defer func() {
		db.writerOwner.CompareAndSwap(s, nil)
		db.storage.UnlockWriter()
	}()
	r := &rewrite{e: e, db: db, table: table, ch: ch}
	r.step = func(fn func(t *txn) error) error {
		st, err := db.storage.BeginHeld()
		if err != nil {
			return err
		}
		t := &txn{Txn: st, db: db}
		st.Object = t.object
		return s.finish(r.e.CommitCtx, t, fn)
	}
	if err := r.sweep(); err != nil {
		return err
	}
	return r.run()
}

// rewrite is one ALTER TABLE column change being run.
type rewrite struct {
	e     *exec.Env
	db    *Database
	table string
	ch    *alterChange
	step  func(fn func(t *txn) error) error
	old   *catalog.TableDef
	a     *alteration
	// newStore numbers the copy's rows (0 until step 2 allocates it).
	newStore uint32
	rows     int64
	// inTx says the steps are one step of the user's transaction, whose
	// rollback to its savepoint undoes a failure.
	inTx bool
}

// run runs the steps.
func (r *rewrite) run() error {
	done := false
	if err := r.step(func(t *txn) error {
		var err error
		done, err = r.check(t)
		return err
	}); err != nil || done {
		return err
	}
	err := r.copyAll()
	if err == nil {
		err = r.step(r.swap)
	}
	if err != nil {
		if r.inTx || r.newStore == 0 {
			return err
		}
		ce, cancel := cleanupEnv(r.e)
		defer cancel()
		r.e = ce // not cancelled with the statement; what it leaves, the next ALTER TABLE deletes
		if cerr := r.empty(r.newStore); cerr != nil {
			r.db.inst.log.Warn("removing a failed ALTER TABLE's copy", "db", r.db.Name(), "table", r.table, "err", cerr)
		}
		return err
	}
	// The change is made. Deleting the old rows may be cancelled with the
	// statement: the next ALTER TABLE finishes it.
	if err := r.empty(r.old.StoreID()); err != nil {
		r.db.inst.log.Info("the rows ALTER TABLE replaced are deleted later", "db", r.db.Name(), "table", r.table, "err", err)
	}
	return nil
}

// sweep deletes the keys of every store number marked for it (see above).
func (r *rewrite) sweep() error {
	var ids []uint32
	prefix := keys.DiscardKey(0)[:len(keys.DiscardKey(0))-4]
	err := r.step(func(t *txn) error {
		it, err := t.Reader().NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: keys.PrefixEnd(prefix)})
		if err != nil {
			return r.db.storage.ReadError(err)
		}
		defer it.Close()
		for it.First(); it.Valid(); it.Next() {
			ids = append(ids, binary.BigEndian.Uint32(it.Key()[len(prefix):]))
		}
		return it.Error()
	})
	for _, id := range ids {
		if err == nil {
			err = r.empty(id)
		}
	}
	return err
}

// check is step 1; it reports whether the change is complete.
func (r *rewrite) check(t *txn) (bool, error) {
	def, err := tableForIndex(t, r.table)
	if err != nil {
		return false, err
	}
	a, err := r.ch.plan(r.e, def)
	if err != nil {
		return false, err
	}
	if err := constraintsAllow(t, def, a); err != nil {
		return false, err
	}
	if a.verify != nil {
		if err := a.verify(t); err != nil {
			return false, err
		}
	}
	if a.def != def {
		// A DEFAULT the change adds gets its object_id and name, as in
		// CREATE TABLE (sys.default_constraints, DROP CONSTRAINT).
		if err := nameDefaults(t, a.def); err != nil {
			return false, err
		}
	}
	r.old, r.a = def, a
	if a.row != nil || a.empty {
		var n int64
		_, err := r.scan(t, def, keys.TablePrefix(def.StoreID()), -1, func(_ []byte, row []types.Value) error {
			if a.empty {
				return sqlerr.New(4901, a.column, def.Name)
			}
			n++
			_, err := a.row(r.e, n-1, row)
			return err
		})
		if err != nil {
			return false, err
		}
	}
	if a.rewrite {
		return false, nil
	}
	if a.def == def {
		return true, r.then(t, def.ID) // nothing to change in the columns
	}
	if err := t.Put(keys.TableDefKey(def.ID), catalog.EncodeTable(a.def)); err != nil {
		return false, err
	}
	return true, r.then(t, def.ID)
}

// then runs the change's last work (alterChange.then) on the new
// definition, stored under id, in the transaction that commits it.
func (r *rewrite) then(t *txn, id uint32) error {
	if r.ch.then == nil {
		return nil
	}
	return r.ch.then(r.e, t, id)
}

// scan calls fn for up to limit rows (all when < 0) of def from cursor on,
// padded to def's width, and returns the key after the last row read (nil
// at the end).
func (r *rewrite) scan(t *txn, def *catalog.TableDef, cursor []byte, limit int, fn func(key []byte, row []types.Value) error) ([]byte, error) {
	prefix := keys.TablePrefix(def.StoreID())
	it, err := t.Reader().NewIter(&pebble.IterOptions{LowerBound: cursor, UpperBound: keys.PrefixEnd(prefix)})
	if err != nil {
		return nil, r.db.storage.ReadError(err)
	}
	defer it.Close()
	var row []types.Value
	size, n := 0, 0
	for it.First(); it.Valid(); it.Next() {
		if limit >= 0 && (n >= limit || size >= indexChunkBytes) {
			return bytes.Clone(it.Key()), nil // the first row of the next step
		}
		if err := r.e.Gov.Check(); err != nil {
			return nil, err
		}
		if row, err = keys.DecodeRow(it.Value(), row); err != nil {
			return nil, r.db.storage.Corrupt(err)
		}
		var dropped map[int]bool
		if r.a != nil {
			dropped = r.a.dropped
		}
		if row, err = completeRowBut(r.e, r.db, def, it.Value(), row, dropped); err != nil {
			return nil, err
		}
		if err := fn(it.Key(), row); err != nil {
			return nil, err
		}
		n++
		size += len(it.Key()) + len(it.Value())
	}
	if err := it.Error(); err != nil {
		return nil, r.db.storage.ReadError(err)
	}
	return nil, nil
}

// copyAll is step 2.
func (r *rewrite) copyAll() error {
	if err := r.step(func(t *txn) error {
		id, err := t.nextCounter(keys.SchemaKey("db", "next_table_id"), 1, 1)
		if err != nil {
			return err
		}
		r.newStore = uint32(id)
		return t.Put(keys.DiscardKey(r.newStore), []byte{1}) // until the swap
	}); err != nil {
		return err
	}
	nd := *r.a.def
	nd.Store = r.newStore
	w := newRowWriter(r.db, &nd, "")
	for cursor := keys.TablePrefix(r.old.StoreID()); cursor != nil; {
		if err := r.step(func(t *txn) error {
			var err error
			cursor, err = r.scan(t, r.old, cursor, indexChunkRows, func(key []byte, old []types.Value) error {
				r.rows++
				row, err := r.a.row(r.e, r.rows-1, old)
				if err != nil {
					return err
				}
				k := keys.RowKey(nd.StoreID(), keys.RowSuffix(key))
				if r.a.rekey {
					if k, err = r.newKey(t, &w, row); err != nil {
						return err
					}
				}
				if err := t.Write(k, nil, false, keys.EncodeRow(nil, row)); err != nil {
					return err
				}
				for i := range nd.Indexes {
					ix := &nd.Indexes[i]
					if !ix.Maintained() || !covers(ix, &nd, row) {
						continue
					}
					ik, iv := exec.IndexEntry(&nd, ix, k, row)
					if err := t.Write(ik, nil, false, iv); err != nil {
						return err
					}
				}
				return nil
			})
			return err
		}); err != nil {
			return err
		}
		if alterStepHook != nil {
			if err := alterStepHook("copy", r.rows); err != nil {
				return err
			}
		}
	}
	return nil
}

// newKey is where a row moves to when the primary key changes: its new
// key, or a new row id; a key already taken is 1505, as building the
// key's index would be.
func (r *rewrite) newKey(t *txn, w *rowWriter, row []types.Value) ([]byte, error) {
	k, err := w.Key(t, row)
	if err != nil || len(w.Table.PK) == 0 {
		return k, err
	}
	_, had, err := t.Get(k)
	if err == nil && had {
		pk := &catalog.IndexDef{Name: w.Table.PKName, Columns: w.Table.PK}
		err = sqlerr.New(1505, "dbo."+w.Table.Name, w.Table.PKName, exec.IndexKeyText(w.Table, pk, row))
	}
	return k, err
}

// swap is step 3: the new definition replaces the old one.
func (r *rewrite) swap(t *txn) error {
	nd := *r.a.def
	nd.Store = r.newStore
	if err := t.Delete(keys.DiscardKey(nd.Store)); err != nil {
		return err
	}
	if err := t.Put(keys.DiscardKey(r.old.StoreID()), []byte{1}); err != nil {
		return err
	}
	if err := t.Put(keys.TableDefKey(nd.ID), catalog.EncodeTable(&nd)); err != nil {
		return err
	}
	if r.a.renumber != nil { // dropped columns: the foreign keys referencing the others
		if err := moveReferences(t, &nd, r.a.renumber); err != nil {
			return err
		}
	}
	// A heap's row-id counter goes with its rows; when the rows moved to
	// new keys, the copy numbered its own.
	if !r.a.rekey {
		v, had, err := t.Get(keys.RowIDKey(r.old.StoreID()))
		if err != nil {
			return err
		}
		if had {
			if err := t.Put(keys.RowIDKey(nd.Store), v); err != nil {
				return err
			}
		}
	}
	if c := r.a.identity; c >= 0 && r.rows > 0 { // the rows numbered so far
		id := nd.Columns[c].Identity
		var buf [8]byte
		binary.BigEndian.PutUint64(buf[:], uint64(id.Seed+(r.rows-1)*id.Increment))
		if err := t.Put(keys.IdentityKey(nd.ID), buf[:]); err != nil {
			return err
		}
	}
	return r.then(t, nd.ID)
}

// empty deletes every row and index entry stored under a store number
// (and its row-id counter), in steps.
func (r *rewrite) empty(id uint32) error {
	prefix := keys.TablePrefix(id)
	prefix = prefix[:len(prefix)-1] // rows (t/<id>/) and index entries (t/<id>i<index>/)
	for cursor := prefix; cursor != nil; {
		if err := r.step(func(t *txn) error {
			var err error
			if cursor, err = emptyChunk(r.e, t, prefix, cursor); err != nil || cursor != nil {
				return err
			}
			if err := t.Delete(keys.RowIDKey(id)); err != nil {
				return err
			}
			return t.Delete(keys.DiscardKey(id)) // the last step
		}); err != nil {
			return err
		}
		if alterStepHook != nil {
			if err := alterStepHook("empty", 0); err != nil {
				return err
			}
		}
	}
	return nil
}
