package engine

import (
	"bytes"
	"context"
	"strings"
	"time"

	"github.com/cockroachdb/pebble"

	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/engine/keys"
	"mirrordb/parser"
	"mirrordb/session"
	"mirrordb/sqlerr"
)

// CREATE INDEX and DROP INDEX. Outside a user transaction an index is
// built in steps, each its own transaction of at most indexChunkRows
// entries, so that building one on a large table holds bounded memory (a
// transaction keeps every change it makes until it commits):
//
//  1. the index is added to its table as "building": from that commit on,
//     every write maintains it, but no query reads it;
//  2. the rows that existed are read, their entries sorted, and written
//     in key order, step by step under the writer lock; an entry whose
//     row a concurrent statement changed meanwhile is checked against the
//     row as it is (index_build_sort.go);
//  3. the index becomes ready.
//
// A failure or a cancel on the way empties the index and removes it, in
// the same steps. DROP INDEX runs the same way backwards: the index is
// marked "dropping" (no longer read nor maintained), emptied, removed. A
// crash (or failover) part-way leaves the index building or dropping: it
// is not used, sys.indexes shows it disabled, and the instance removes it
// in the background once the database takes writes (index_recover.go);
// DROP INDEX removes it too. Inside a user
// transaction each statement is one step of that transaction, atomic with
// it (and as large as the table). Every step is an ordinary logged
// transaction: a mirror builds or drops the index by redoing them.

// indexChunkRows and indexChunkBytes bound one step of a build or drop:
// so many rows, or so many bytes of entries (wide keys); a build step also
// reads at most indexReadBytes of rows (a filtered index keeps few). A
// step holds the writer lock while it runs and pays for one commit and
// fsync: steps of some thousand rows made the commits cost more than the
// entries (index_build.go).
var indexChunkRows = 1 << 15

const (
	indexChunkBytes = 2 << 20
	indexReadBytes  = 32 << 20
)

// progressEvery is how often a long build reports its progress (a
// variable for tests).
var progressEvery = 3 * time.Second

func (b *binder) planIndexStatement(st parser.Statement) (*stmtPlan, error) {
	switch x := st.(type) {
	case *parser.CreateIndex:
		return b.planCreateIndex(x)
	case *parser.DropIndex:
		return b.planDropIndex(x)
	}
	return nil, b.ErrAt(st, sqlerr.New(40517, statementName(st)))
}

func (b *binder) planCreateIndex(x *parser.CreateIndex) (*stmtPlan, error) {
	db, def, err := b.lookupTable(x.Table)
	if err != nil {
		return nil, err
	}
	ix, dropExisting, err := b.ddl().IndexDefinition(x, def)
	if err != nil {
		return nil, err
	}
	s := b.s
	return &stmtPlan{dbs: []*Database{db}, run: func(e *exec.Env, _ *txn, w session.ResultWriter) (string, error) {
		build := &indexBuild{s: s, db: db, table: def.Name, ix: ix, dropExisting: dropExisting, w: w, start: time.Now()}
		if err := build.run(e); err != nil {
			return "", b.ErrAt(x, sqlerr.As(err))
		}
		return "CREATE INDEX", nil
	}}, nil
}

// indexBuild is one CREATE INDEX being run. With DROP_EXISTING the new
// index is built beside the old one (same name and index_id, its own
// entries) and replaces it in the step that makes it ready; a failed
// rebuild leaves the old index as it was.
type indexBuild struct {
	s            *Session
	db           *Database
	table        string
	ix           catalog.IndexDef
	dropExisting bool
	replaces     uint32 // the store of the index a rebuild replaces
	tableID      uint32 // the store of the table's rows (TableDef.StoreID)
	watched      bool   // in the database's buildWatch (index_build.go)
	entered      bool   // counted as running there
	// stepBytes and stepEntries size the next step's buffers as the last.
	stepBytes, stepEntries int
	w                      session.ResultWriter
	// constraint, when set, completes the index of a UNIQUE constraint
	// (its columns, object_id and name) in step 1's transaction
	// (constraint_unique.go).
	constraint func(t *txn, def *catalog.TableDef, ix *catalog.IndexDef) error
	rows       int64
	start      time.Time
	noted      time.Time
}

// run builds the index in steps (in one step inside a user transaction).
func (x *indexBuild) run(e *exec.Env) error {
	defer func() { x.unwatch(x.tableID) }()
	if x.s.tx != nil {
		err := x.s.withWrite(e, x.db, func(t *txn) error {
			if err := x.define(t); err != nil {
				return err
			}
			for cursor := keys.TablePrefix(0); cursor != nil; {
				var err error
				if cursor, err = x.fill(e, t, cursor); err != nil {
					return err
				}
				if err := x.progress(); err != nil {
					return err
				}
			}
			return x.finish(t)
		})
		if err == nil && x.replaces != 0 {
			err = x.s.removeIndex(e, x.db, x.table, x.replaces)
		}
		return err
	}
	if err := x.s.withWrite(e, x.db, x.define); err != nil {
		return err
	}
	err := x.fillAll(e)
	if err == nil {
		err = x.s.withWrite(e, x.db, x.finish)
	}
	if err != nil {
		ce, cancel := cleanupEnv(e)
		defer cancel()
		if cerr := x.s.removeIndex(ce, x.db, x.table, x.ix.StoreID()); cerr != nil {
			x.db.inst.log.Warn("removing a failed index build", "db", x.db.Name(), "index", x.ix.Name, "err", cerr)
		}
		return err
	}
	if x.replaces != 0 { // the old index, out of use since finish: empty it
		return x.s.removeIndex(e, x.db, x.table, x.replaces)
	}
	return nil
}

// fillAll runs step 2 outside a user transaction: the rows are scanned
// and their entries sorted first, then written in steps of their own
// (index_build_sort.go). A step's commit does not wait for its fsync (and
// mirror): the build waits for it outside the writer lock before the step
// after next, so that it overlaps with the next step and holds back no
// other writer.
func (x *indexBuild) fillAll(e *exec.Env) error {
	sorted, err := x.scan(e)
	if err != nil {
		return err
	}
	defer sorted.close()
	var waits [2]func(context.Context) error // the last two steps', older first
	for pack := range sorted.packs {
		if wait := waits[0]; wait != nil {
			if err := wait(e.CommitCtx); err != nil {
				return err
			}
		}
		waits[0], waits[1] = waits[1], nil
		if err := x.s.withWrite(e, x.db, func(t *txn) error {
			err := x.writeSorted(e, t, sorted, pack)
			if err == nil {
				t.DeferWait(&waits[1]) // set only if the step writes
			}
			return err
		}); err != nil {
			return err
		}
		sorted.recycle(pack)
		if err := x.progress(); err != nil { // between steps: other writers may run
			return err
		}
	}
	for _, wait := range waits {
		if wait != nil {
			if err := wait(e.CommitCtx); err != nil {
				return err
			}
		}
	}
	return nil
}

// cleanupEnv is e for undoing a failed statement's earlier steps: not
// cancelled with it, but bounded.
func cleanupEnv(e *exec.Env) (*exec.Env, context.CancelFunc) {
	c := *e
	ctx, cancel := context.WithTimeout(context.WithoutCancel(e.Ctx), time.Minute)
	c.Ctx, c.CommitCtx = ctx, ctx
	return &c, cancel
}

// tableForIndex returns the table as the transaction sees it (208 when it
// is gone).
func tableForIndex(t *txn, name string) (*catalog.TableDef, error) {
	set, err := t.schemaView()
	if err != nil {
		return nil, err
	}
	def := set.Table("dbo", name)
	if def == nil {
		return nil, sqlerr.New(208, name)
	}
	return def, nil
}

// putTableDef writes a changed copy of a table's definition.
func putTableDef(t *txn, def *catalog.TableDef, change func(d *catalog.TableDef)) error {
	d := def.Clone()
	change(d)
	return t.Put(keys.TableDefKey(d.ID), catalog.EncodeTable(d))
}

// define adds the index, building, to its table: step 1.
func (x *indexBuild) define(t *txn) error {
	def, err := tableForIndex(t, x.table)
	if err != nil {
		return err
	}
	if x.constraint != nil {
		if err := x.constraint(t, def, &x.ix); err != nil {
			return err
		}
	}
	old := def.Index(x.ix.Name)
	switch {
	case strings.EqualFold(def.PKName, x.ix.Name) || (old != nil && !x.dropExisting):
		return sqlerr.New(1913, x.ix.Name, def.Name)
	case old == nil && x.dropExisting:
		return sqlerr.New(7999, x.ix.Name, def.Name)
	case old != nil && old.State != catalog.IndexReady:
		return sqlerr.New(7999, x.ix.Name, def.Name) // being built or dropped
	}
	next := max(def.NextIndexID, catalog.FirstNonclusteredID)
	if def.PKNonclustered && next == def.PKIndexID() {
		next++
	}
	switch {
	case x.ix.Clustered:
		if name := def.ClusteredName(); name != "" && (old == nil || !strings.EqualFold(name, old.Name)) {
			return sqlerr.New(1902, def.Name, name)
		}
		x.ix.ID = 1
	case old != nil && !old.Clustered:
		x.ix.ID = old.ID // a rebuild keeps its index_id
	default:
		x.ix.ID, next = next, next+1
	}
	if old != nil { // built beside the old entries, under a number of its own
		x.replaces = old.StoreID()
		x.ix.Store, next = next, next+1
	}
	x.tableID = def.StoreID()
	if err := x.watchIfEmpty(t, def.StoreID()); err != nil {
		return err
	}
	return putTableDef(t, def, func(d *catalog.TableDef) {
		d.Indexes = append(d.Indexes, x.ix)
		d.NextIndexID = next
	})
}

// building returns the table and the index being built as the
// transaction sees them.
func (x *indexBuild) building(t *txn) (*catalog.TableDef, *catalog.IndexDef, error) {
	def, err := tableForIndex(t, x.table)
	if err != nil {
		return nil, nil, err
	}
	for i := range def.Indexes {
		if ix := &def.Indexes[i]; ix.StoreID() == x.ix.StoreID() && ix.State == catalog.IndexBuilding && def.StoreID() == x.tableID {
			return def, ix, nil
		}
	}
	return nil, nil, sqlerr.New(3703, x.ix.Name) // dropped (or its table rewritten) while it was built
}

// progress reports how far the build got, every progressEvery.
func (x *indexBuild) progress() error {
	now := time.Now()
	if now.Sub(x.start) < progressEvery || now.Sub(x.noted) < progressEvery {
		return nil
	}
	x.noted = now
	return x.w.Notice(sqlerr.New(50130, x.ix.Name, x.table, x.rows))
}

// finish makes the index ready (and the one it replaces, if any, out of
// use): step 3.
func (x *indexBuild) finish(t *txn) error {
	def, _, err := x.building(t)
	if err != nil {
		return err
	}
	return putTableDef(t, def, func(d *catalog.TableDef) {
		for i := range d.Indexes {
			switch d.Indexes[i].StoreID() {
			case x.ix.StoreID():
				d.Indexes[i].State = catalog.IndexReady
			case x.replaces:
				d.Indexes[i].State = catalog.IndexDropping
			}
		}
	})
}

func (b *binder) planDropIndex(x *parser.DropIndex) (*stmtPlan, error) {
	type target struct {
		db    *Database
		table string
		name  string
	}
	var targets []target
	for _, r := range x.Indexes {
		db, def, err := b.lookupTable(r.Table)
		if err != nil {
			if x.IfExists && sqlerr.Is(err, 208) {
				continue
			}
			return nil, err
		}
		targets = append(targets, target{db, def.Name, r.Name})
	}
	s := b.s
	var dbs []*Database
	for _, t := range targets {
		dbs = appendDB(dbs, t.db)
	}
	return &stmtPlan{dbs: dbs, run: func(e *exec.Env, _ *txn, _ session.ResultWriter) (string, error) {
		for _, t := range targets {
			if err := s.dropIndex(e, t.db, t.table, t.name, x.IfExists); err != nil {
				return "", b.ErrAt(x, sqlerr.As(err))
			}
		}
		return "DROP INDEX", nil
	}}, nil
}

// dropIndex drops a table's index by name (nothing when missing and
// ifExists).
func (s *Session) dropIndex(e *exec.Env, db *Database, table, name string, ifExists bool) error {
	var id uint32
	err := s.withWrite(e, db, func(t *txn) error {
		def, err := tableForIndex(t, table)
		if err != nil {
			return err
		}
		ix := def.Index(name)
		if ix == nil {
			if strings.EqualFold(def.PKName, name) {
				return sqlerr.New(3723, table+"."+name, "PRIMARY KEY")
			}
			if ifExists {
				return nil
			}
			return sqlerr.New(3703, table+"."+name)
		}
		if kind, err := indexEnforces(t, def, ix); err != nil || kind != "" {
			if err == nil {
				err = sqlerr.New(3723, table+"."+name, kind)
			}
			return err
		}
		id = ix.StoreID()
		return nil
	})
	if err != nil || id == 0 {
		return err
	}
	return s.removeIndex(e, db, table, id)
}

// removeIndex marks an index (by its store) dropping, deletes its entries
// in steps and removes it from its table (in one step inside a user
// transaction).
func (s *Session) removeIndex(e *exec.Env, db *Database, table string, id uint32) error {
	if s.tx != nil {
		return s.withWrite(e, db, func(t *txn) error {
			tableID, err := markIndexDropping(t, table, id)
			if err != nil {
				return err
			}
			if err := emptyIndex(e, t, tableID, id); err != nil {
				return err
			}
			return dropIndexDef(t, table, id)
		})
	}
	return removeIndexInSteps(e, db, table, id, false, func(fn func(t *txn) error) error { return s.withWrite(e, db, fn) })
}

// removeIndexInSteps is removeIndex outside a user transaction: step runs
// each step as a transaction of its own. unlessRunning leaves alone an
// index that a statement of this instance is building or removing
// (errIndexBusy), as the removal of what a crash left behind must.
func removeIndexInSteps(e *exec.Env, db *Database, table string, id uint32, unlessRunning bool, step func(fn func(t *txn) error) error) error {
	var tableID uint32
	err := step(func(t *txn) error {
		def, err := tableForIndex(t, table)
		if err != nil {
			return err
		}
		if unlessRunning && db.builds.running(def.StoreID(), id) {
			return errIndexBusy
		}
		if tableID, err = markIndexDropping(t, table, id); err == nil {
			db.builds.enter(tableID, id)
		}
		return err
	})
	if tableID != 0 {
		defer db.builds.leave(tableID, id)
	}
	if err != nil {
		return err
	}
	for cursor := keys.IndexPrefix(tableID, id); cursor != nil; {
		if err := step(func(t *txn) error {
			var err error
			cursor, err = emptyIndexChunk(e, t, tableID, id, cursor)
			return err
		}); err != nil {
			return err
		}
	}
	return step(func(t *txn) error { return dropIndexDef(t, table, id) })
}

// markIndexDropping marks a table's index (by its store) dropping: no
// longer read nor maintained. It returns the table's id.
func markIndexDropping(t *txn, table string, id uint32) (uint32, error) {
	def, err := tableForIndex(t, table)
	if err != nil {
		return 0, err
	}
	return def.StoreID(), putTableDef(t, def, func(d *catalog.TableDef) {
		for i := range d.Indexes {
			if d.Indexes[i].StoreID() == id {
				d.Indexes[i].State = catalog.IndexDropping
			}
		}
	})
}

// dropIndexDef removes an index (by its store) from its table.
func dropIndexDef(t *txn, table string, id uint32) error {
	def, err := tableForIndex(t, table)
	if err != nil {
		return err
	}
	return putTableDef(t, def, func(d *catalog.TableDef) {
		d.Indexes = d.Indexes[:0]
		for _, ix := range def.Indexes {
			if ix.StoreID() != id {
				d.Indexes = append(d.Indexes, ix)
			}
		}
	})
}

// dropIndexEntries deletes what entries a table's indexes still have once
// its rows are gone: those of an index a crash left dropping, which writes
// no longer maintain (DROP TABLE).
func dropIndexEntries(e *exec.Env, t *txn, def *catalog.TableDef) error {
	for _, ix := range def.Indexes {
		if err := emptyIndex(e, t, def.StoreID(), ix.StoreID()); err != nil {
			return err
		}
	}
	return nil
}

// emptyIndex deletes every entry of an index in one transaction.
func emptyIndex(e *exec.Env, t *txn, tableID, id uint32) error {
	for cursor := keys.IndexPrefix(tableID, id); cursor != nil; {
		var err error
		if cursor, err = emptyIndexChunk(e, t, tableID, id, cursor); err != nil {
			return err
		}
	}
	return nil
}

// emptyIndexChunk deletes up to indexChunkRows entries of an index from
// cursor on and returns where to go on (nil when none are left).
func emptyIndexChunk(e *exec.Env, t *txn, tableID, id uint32, cursor []byte) ([]byte, error) {
	return emptyChunk(e, t, keys.IndexPrefix(tableID, id), cursor)
}

// emptyChunk deletes up to indexChunkRows keys under prefix (as many bytes
// as indexChunkBytes) from cursor on and returns where to go on (nil when
// none are left). Steps go on from a cursor rather than from the prefix's
// start, where the deletions of every earlier step would have to be
// skipped again; no keys appear behind it, as nothing writes an index
// being emptied or a table being discarded.
func emptyChunk(e *exec.Env, t *txn, prefix, cursor []byte) ([]byte, error) {
	it, err := t.Reader().NewIter(&pebble.IterOptions{LowerBound: cursor, UpperBound: keys.PrefixEnd(prefix)})
	if err != nil {
		return nil, t.db.storage.ReadError(err)
	}
	var ks, vs [][]byte
	size := 0
	for it.First(); it.Valid() && len(ks) < indexChunkRows && size < indexChunkBytes; it.Next() {
		size += len(it.Key()) + len(it.Value())
		ks = append(ks, bytes.Clone(it.Key()))
		vs = append(vs, bytes.Clone(it.Value()))
	}
	var next []byte
	if it.Valid() {
		next = bytes.Clone(it.Key())
	}
	err = it.Error()
	it.Close()
	if err != nil {
		return nil, t.db.storage.ReadError(err)
	}
	for i, k := range ks {
		if err := e.Ctx.Err(); err != nil {
			return nil, err
		}
		if err := t.WriteOwned(k, vs[i], true, nil); err != nil {
			return nil, err
		}
	}
	return next, nil
}
