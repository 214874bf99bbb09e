package storage

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble"

	"mirrordb/engine/keys"
	"mirrordb/engine/txlog"
)

// Transactions written in parts (docs/ARCHITECTURE.md). A write
// transaction whose batch passes the part size writes it as a part: a log
// record of kind part, applied like a commit but acknowledging nothing,
// after which the transaction holds only its next part. Since it holds
// the writer lock throughout, its parts are always the log's tail (the
// open tail, from openFrom to the end). Readers see the committed state
// through a snapshot taken before the first part; the commit or the abort
// ends the tail and moves readers back to the live store.

// DefaultPartBytes is the size of the operations (keys and images) a
// transaction gathers before it writes them as a part. A part's batch
// holds them about twice (effects and record): past half a memtable
// (32 MB) Pebble would keep it on the Go heap as a flushable batch until
// the next flush, so parts stay well below that (measured: a 256 MB load
// grew the live heap by 470 MB in 16 MB parts, by 115 MB in 4 MB ones).
const DefaultPartBytes = 4 << 20

// MetaOpenTxn is the local key (m/open_txn) holding the first LSN of an
// open multi-part transaction, so that a restart knows its open tail.
const MetaOpenTxn = "open_txn"

var openTxnKey = keys.MetaKey(MetaOpenTxn)

// openTail is an open multi-part transaction as readers need it.
type openTail struct {
	from txlog.LSN
	// snap is the committed state, taken before the first part (nil on a
	// database that redoes parts: nobody reads it).
	snap *pebble.Snapshot
}

// partState is what a DB keeps about parts.
type partState struct {
	limit atomic.Int64 // part size; 0: DefaultPartBytes
	tail  atomic.Pointer[openTail]
	latch partLatch // partlatch.go
	// stopping is set when the instance stops, left once a rollback left
	// its tail for the next open (stop.go).
	stopping, left atomic.Bool
}

// SetPartBytes sets the database's part size (n ≤ 0: the process's, see
// SetDefaultPartBytes). Tests use a small one to write many parts.
func (db *DB) SetPartBytes(n int) { db.parts.limit.Store(int64(n)) }

// defaultPartBytes is the part size of databases without their own
// (0: DefaultPartBytes).
var defaultPartBytes atomic.Int64

// SetDefaultPartBytes sets the part size of every database that has not
// its own (n ≤ 0: DefaultPartBytes); the server's --part-size.
func SetDefaultPartBytes(n int) { defaultPartBytes.Store(int64(n)) }

func (db *DB) partBytes() int {
	if n := db.parts.limit.Load(); n > 0 {
		return int(n)
	}
	if n := defaultPartBytes.Load(); n > 0 {
		return int(n)
	}
	return DefaultPartBytes
}

// Parts counts the parts the transaction has written; safe to read from
// another goroutine (a load's reader releases its memory charge when it
// moves: what was written is no longer held).
func (t *Txn) Parts() int64 { return t.nparts.Load() }

// OpenTxn returns the first LSN of the open multi-part transaction, 0
// when there is none.
func (db *DB) OpenTxn() txlog.LSN {
	if t := db.parts.tail.Load(); t != nil {
		return t.from
	}
	return 0
}

// CommittedEnd is the last LSN of committed log: the end of log, or the
// LSN before an open tail. A mirror promoted fails over at it.
func (db *DB) CommittedEnd() txlog.LSN {
	if from := db.OpenTxn(); from > 0 {
		return from - 1
	}
	return db.EndLSN()
}

// Reader is what statements read the database through: the live store,
// or while a multi-part transaction is open the snapshot of the committed
// state taken before its first part, so that nobody sees its parts. The
// choice is made at each read, not once: a statement that took its
// reader before the first part must not see the parts applied after.
// REQUIRES: the database is pinned and available.
func (db *DB) Reader() pebble.Reader { return committedReader{db: db, kv: db.KV()} }

// committedReader reads the committed state (Reader).
type committedReader struct {
	db *DB
	kv *pebble.DB
}

// snap is the open tail's snapshot, nil when none is open.
func (r committedReader) snap() *pebble.Snapshot {
	if t := r.db.parts.tail.Load(); t != nil {
		return t.snap
	}
	return nil
}

// Get reads key. A read of the live store is checked afterwards: the tail
// is published before its first part is applied, so a read that still
// finds no tail afterwards started before the part was applied.
func (r committedReader) Get(key []byte) ([]byte, io.Closer, error) {
	if s := r.snap(); s != nil {
		return s.Get(key)
	}
	v, c, err := r.kv.Get(key)
	if s := r.snap(); s != nil {
		if err == nil {
			_ = c.Close()
		}
		return s.Get(key)
	}
	return v, c, err
}

// NewIter is Get's rule for iterators.
func (r committedReader) NewIter(o *pebble.IterOptions) (*pebble.Iterator, error) {
	if s := r.snap(); s != nil {
		return s.NewIter(o)
	}
	it, err := r.kv.NewIter(o)
	if s := r.snap(); s != nil {
		if err == nil {
			_ = it.Close()
		}
		return s.NewIter(o)
	}
	return it, err
}

// Close does nothing: the store belongs to the database.
func (committedReader) Close() error { return nil }

// endTail moves readers back to the live store (after the commit or abort
// is applied, so they never see less than committed) and retires the
// snapshot: it is closed once no pin is left that may be reading it.
func (db *DB) endTail() {
	t := db.parts.tail.Swap(nil)
	if t == nil || t.snap == nil {
		return
	}
	db.pinMu.Lock()
	db.retiredSnaps = append(db.retiredSnaps, t.snap)
	idle := db.pins == 0
	db.pinMu.Unlock()
	if idle {
		db.Pin()
		db.Unpin()
	}
}

// logHoldActiveTxn keeps an open transaction's parts: its abort reads
// them back (log_reuse_wait_desc ACTIVE_TRANSACTION, as in SQL Server).
func (db *DB) logHoldActiveTxn() (txlog.LSN, string) {
	return db.OpenTxn(), "ACTIVE_TRANSACTION"
}

// spill writes the transaction's operations so far as a part, when they
// passed the part size.
func (t *Txn) spill() error {
	if t.opBytes < t.db.partBytes() {
		return nil
	}
	return t.writePart(txlog.KindPart)
}

// writePart applies the transaction's batch with a log record of kind
// (a part, or the abort that ends a transaction written in parts) without
// waiting for the fsync, and starts an empty batch. REQUIRES: t holds the
// writer lock.
func (t *Txn) writePart(kind txlog.Kind) error {
	db, st := t.db, t.store
	if db.Store() != st {
		return db.FaultError(st.Fault(), t.object())
	}
	if err := db.tailLeft(); err != nil {
		return err
	}
	lsn := db.applied.get() + 1
	b := t.batch
	if t.openFrom == 0 {
		applied := false
		defer func() {
			if !applied { // the first part failed: nothing is open
				t.openFrom = 0
				db.endTail()
			}
		}()
		defer func() { applied = t.tail == lsn }()
		// The first part: readers keep the committed state.
		t.openFrom = lsn
		db.parts.tail.Store(&openTail{from: lsn, snap: st.DB().NewSnapshot()})
		db.parts.latch.noteOpened()
		if err := setOpenTxn(b, lsn); err != nil {
			return err
		}
	}
	if kind == txlog.KindAbort {
		if err := setOpenTxn(b, 0); err != nil {
			return err
		}
	}
	rec := txlog.Record{LSN: lsn, Kind: kind, Txn: t.openFrom, Ops: t.ops}
	size := rec.EncodedLen()
	if f := st.CheckSpace(int64(len(b.Repr()) + size)); f != nil {
		return db.FaultError(f, t.object())
	}
	var end [8]byte
	binary.BigEndian.PutUint64(end[:], lsn)
	if err := putLogRecord(b, keys.LogKey(lsn), &rec, size); err != nil {
		return err
	}
	if err := b.Set(endLSNKey, end[:], nil); err != nil {
		return err
	}
	t.batch = nil
	p := &pendingCommit{db: db, object: t.Object, st: st, lsn: lsn, synced: make(chan error, 1)}
	if err := db.parts.latch.hold(st); err != nil {
		b.Close()
		return db.FaultError(err, t.object())
	}
	db.queued.Store(lsn)
	if err := st.Commit(b, lsn, lsn, p.onSynced); err != nil {
		db.parts.latch.release()
		return db.FaultError(err, t.object())
	}
	st.FlushBehind() // nobody waits for a part: its last part's commit does
	db.applied.advance(lsn)
	if kind == txlog.KindAbort {
		db.endTail() // under the latch: a checkpoint sees the tail open or ended with it
	}
	db.parts.latch.release()
	db.logBytes.Add(int64(size))
	db.noteWritten(1, size)
	t.tail = lsn
	t.nparts.Add(1)
	t.ops, t.opBytes = nil, 0
	t.batch = t.newBatch()
	return nil
}

// compensate writes, as ordinary writes of t (spilling into compensation
// parts as they grow), the before-images of the transaction's written
// parts from its last back to the one written after savepoint sp, whose
// operations before sp are kept. The operations not yet written are
// dropped first.
func (t *Txn) compensate(sp Savepoint) error {
	t.batch.Close()
	t.ops, t.opBytes = nil, 0
	t.batch = t.newBatch()
	first := sp.tail + 1
	if sp.tail == 0 {
		first = t.openFrom
	}
	last := t.tail
	it, err := t.store.DB().NewIter(&pebble.IterOptions{LowerBound: keys.LogKey(first), UpperBound: keys.LogKey(last + 1)})
	if err != nil {
		return err
	}
	defer it.Close()
	want := last
	for ok := it.Last(); ok; ok = it.Prev() {
		rec, err := txlog.Decode(it.Value())
		if err != nil {
			return t.db.Corrupt(fmt.Errorf("compensating part %d: %w", want, err))
		}
		if rec.LSN != want || rec.Txn != t.openFrom {
			return fmt.Errorf("compensating: part %d is not record %d of transaction %d", rec.LSN, want, t.openFrom)
		}
		from := 0
		if rec.LSN == first {
			from = sp.ops
		}
		for j := len(rec.Ops) - 1; j >= from; j-- {
			if err := t.stopCompensating(); err != nil {
				return err
			}
			op := &rec.Ops[j]
			var after []byte
			if op.HadBefore {
				after = op.Before
			}
			// The key holds the op's after-image now (later ops on it
			// are compensated already).
			if err := t.Write(op.Key, op.After, op.Kind == txlog.OpPut, after); err != nil {
				return err
			}
		}
		want--
	}
	if err := it.Error(); err != nil {
		return t.db.ReadError(err)
	}
	if want != first-1 {
		return fmt.Errorf("compensating: part %d is missing", want)
	}
	return nil
}

// abort ends a transaction that wrote parts: compensation for all of
// them, then the abort record. On failure the tail stays open on a store
// that is failed on purpose, so that recovery undoes it at open: nothing
// may commit on top of it.
func (t *Txn) abort() {
	err := t.compensate(Savepoint{})
	if err == nil {
		err = t.writePart(txlog.KindAbort)
	}
	if err != nil && t.db.parts.left.Load() {
		t.leaveTail()
		return
	}
	if err != nil {
		t.db.cfg.Logger.Error("rolling back a transaction written in parts failed; the database recovers from its log", "db", t.db.Name(), "err", err)
		t.store.Fail(&Fault{Kind: IOError, Op: "abort", Offset: -1, Err: err})
		return
	}
	t.db.endTail()
}

// redoKind keeps m/open_txn and the open tail of a database that redoes
// log (a mirror, RESTORE LOG) in step with the records it applies.
func (db *DB) redoKind(b *pebble.Batch, rec *txlog.Record, from *txlog.LSN) error {
	switch {
	case rec.Kind == txlog.KindPart && rec.Txn == rec.LSN:
		*from = rec.LSN
		return setOpenTxn(b, rec.LSN)
	case rec.Txn != 0 && rec.Kind != txlog.KindPart:
		*from = 0
		return setOpenTxn(b, 0)
	}
	return nil
}

// setOpenTxn writes m/open_txn (from 0: deletes it) in b.
func setOpenTxn(b *pebble.Batch, from txlog.LSN) error {
	if from == 0 {
		return b.Delete(openTxnKey, nil)
	}
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], from)
	return b.Set(openTxnKey, v[:], nil)
}

// setTail records the open tail found in the log (0: none), without a
// snapshot: only a database with a transaction of its own in progress
// hides its parts.
func (db *DB) setTail(from txlog.LSN) {
	if from == 0 {
		db.endTail()
		return
	}
	db.parts.tail.Store(&openTail{from: from})
}

// dropDivergentTail prepares redo of recs on a database whose open tail
// may not be the principal's log any more: a mirror reports its committed
// end, so the principal ships from there again, and after the principal
// undid its own parts (a crash) the records it ships at those LSNs are
// other ones. From the first shipped record that differs from the one
// held, the held log is undone, so that redo applies the principal's.
func (db *DB) dropDivergentTail(ctx context.Context, recs [][]byte) error {
	committed, end := db.CommittedEnd(), db.EndLSN()
	if committed == end {
		return nil
	}
	for _, enc := range recs {
		lsn, ok := txlog.PeekLSN(enc)
		if !ok || lsn <= committed {
			continue
		}
		if lsn > end {
			return nil
		}
		held, ok, err := db.Get(keys.LogKey(lsn))
		if err != nil {
			return err
		}
		if !ok || !bytes.Equal(held, enc) {
			return db.UndoTo(ctx, lsn-1)
		}
	}
	return nil
}

// tailAt returns the open tail of a log that ends at lsn: the first part
// of the transaction whose part lsn is, or 0.
func tailAt(r pebble.Reader, lsn txlog.LSN) (txlog.LSN, error) {
	if lsn == 0 {
		return 0, nil
	}
	v, ok, err := ReadValue(r, keys.LogKey(lsn))
	if err != nil || !ok {
		return 0, err
	}
	rec, err := txlog.Decode(v)
	if err != nil {
		return 0, err
	}
	if rec.Kind == txlog.KindPart {
		return rec.Txn, nil
	}
	return 0, nil
}

// undoChunk bounds the log an undo of an open tail applies per batch.
const undoChunk = 16 << 20

// undoLog undoes the log after lsn, from end down: the before-images of
// its records, newest first, and the records removed. It reads the log
// back to front and works in batches of about undoChunk, each handed to
// apply with m/end_lsn moved down to at (the new end) and m/open_txn set
// for the log that ends there, so that its memory is one batch and one
// record whatever it undoes, and a crash in between leaves a log that
// ends at a record (an open tail is then undone at open). It reports
// whether it undid schema keys.
func undoLog(kv *pebble.DB, lsn, end txlog.LSN, apply func(b *pebble.Batch, at txlog.LSN) error) (schema bool, err error) {
	for end > lsn {
		b := kv.NewBatch()
		at, undid, err := undoChunkOf(kv, b, lsn, end)
		schema = schema || undid
		if err == nil {
			var e [8]byte
			binary.BigEndian.PutUint64(e[:], at)
			err = b.Set(endLSNKey, e[:], nil)
		}
		if err == nil {
			var from txlog.LSN
			if from, err = tailAt(kv, at); err == nil {
				err = setOpenTxn(b, from)
			}
		}
		if err != nil {
			b.Close()
			return schema, err
		}
		if err := apply(b, at); err != nil {
			return schema, err
		}
		end = at
	}
	return schema, nil
}

// undoChunkOf adds to b the undo of records from end down, not below
// lsn + 1, until b holds about undoChunk, and returns the new end.
func undoChunkOf(kv *pebble.DB, b *pebble.Batch, lsn, end txlog.LSN) (at txlog.LSN, schema bool, err error) {
	it, err := kv.NewIter(&pebble.IterOptions{LowerBound: keys.LogKey(lsn + 1), UpperBound: keys.LogKey(end + 1)})
	if err != nil {
		return end, false, err
	}
	defer it.Close()
	at = end
	for ok := it.Last(); ok && len(b.Repr()) < undoChunk; ok = it.Prev() {
		rec, err := txlog.Decode(it.Value())
		if err != nil {
			return end, schema, fmt.Errorf("undo of record %d: %w", at, err)
		}
		if rec.LSN != at {
			return end, schema, fmt.Errorf("undo: record %d where %d was expected", rec.LSN, at)
		}
		for j := len(rec.Ops) - 1; j >= 0; j-- {
			op := &rec.Ops[j]
			if op.HadBefore {
				err = b.Set(op.Key, op.Before, nil)
			} else {
				err = b.Delete(op.Key, nil)
			}
			if err != nil {
				return end, schema, err
			}
			schema = schema || bytes.HasPrefix(op.Key, keys.Schema)
		}
		if err := b.Delete(keys.LogKey(at), nil); err != nil {
			return end, schema, err
		}
		at--
	}
	if err := it.Error(); err != nil {
		return end, schema, err
	}
	if at == end {
		return end, schema, fmt.Errorf("undo: log record %d is missing", end)
	}
	return at, schema, nil
}

// undoOpenTail undoes an open tail recorded in m/open_txn (undoLog down
// to the record before it). It returns the new end of log (end when there
// was no open tail). Used at open, where nothing else runs, and on
// promotion under the writer lock.
func undoOpenTail(kv *pebble.DB, end txlog.LSN) (txlog.LSN, bool, error) {
	v, ok, err := ReadValue(kv, openTxnKey)
	if err != nil || !ok || len(v) != 8 {
		return end, false, err
	}
	from := binary.BigEndian.Uint64(v)
	if from == 0 || from > end+1 {
		return end, false, fmt.Errorf("m/open_txn %d beyond the end of log %d", from, end)
	}
	schema, err := undoLog(kv, from-1, end, func(b *pebble.Batch, at txlog.LSN) error {
		defer b.Close()
		if err := kv.Apply(b, pebble.Sync); err != nil {
			return err
		}
		end = at
		return nil
	})
	return end, schema, err
}

// UndoOpenTail undoes the open tail of a database that redid parts whose
// transaction will never commit here (a mirror becoming principal, RESTORE
// WITH RECOVERY), before anyone reads or writes it. Afterwards the end of
// log is the committed end.
func (db *DB) UndoOpenTail(ctx context.Context) error {
	if db.OpenTxn() == 0 {
		return nil
	}
	if !db.Pin() {
		return fmt.Errorf("database %s is closed", db.Name())
	}
	defer db.Unpin()
	if err := db.lockAvailable(ctx, -1); err != nil {
		return err
	}
	defer db.writer.release()
	var end txlog.LSN
	var schema bool
	st := db.Store()
	if err := st.ResetCommitLog(ctx); err != nil { // the undo moves the end back
		return db.FaultError(err, "")
	}
	err := db.Write(ctx, "undo", func(kv *pebble.DB) error {
		var err error
		end, schema, err = undoOpenTail(kv, db.applied.get())
		return err
	})
	if err != nil {
		// Nobody may see the parts: out of service until recovery
		// undoes them at open.
		st.Fail(&Fault{Kind: IOError, Op: "undo", Offset: -1, Err: err})
		return err
	}
	db.applied.set(end)
	db.durable.set(end)
	db.settleSync(end)
	db.endTail()
	if schema {
		db.schemaChanged()
	}
	return nil
}

// WaitDurableMoved blocks until the durable LSN differs from from (or ctx
// ends) and returns it: unlike WaitDurable it also returns when an undo
// moved it back (a mirror undoing its open tail on promotion), so that a
// watcher does not wait for an LSN the log will reach only much later.
func (db *DB) WaitDurableMoved(ctx context.Context, from txlog.LSN) (txlog.LSN, error) {
	return db.durable.waitFor(ctx, func(lsn txlog.LSN) bool { return lsn != from })
}

// waitFor blocks until ok(LSN) holds, returning the LSN.
func (w *lsnWatch) waitFor(ctx context.Context, ok func(txlog.LSN) bool) (txlog.LSN, error) {
	return w.waitUntil(ctx, ok, nil)
}

// waitUntil is waitFor that also ends, with ok false, when expire fires (nil: never).
func (w *lsnWatch) waitUntil(ctx context.Context, ok func(txlog.LSN) bool, expire <-chan time.Time) (txlog.LSN, error) {
	for {
		w.mu.Lock()
		lsn := w.lsn
		if ok(lsn) {
			w.mu.Unlock()
			return lsn, nil
		}
		if w.changed == nil {
			w.changed = make(chan struct{})
		}
		ch := w.changed
		w.mu.Unlock()
		select {
		case <-ch:
		case <-expire:
			return lsn, nil
		case <-ctx.Done():
			return lsn, ctx.Err()
		}
	}
}

// CommittedSnapshot returns the committed state for a reader that needs
// one view of the whole store (DBCC), given live, a snapshot of the store
// the caller took (and closes): live itself, unless it may hold a load's
// parts; then the open tail's snapshot (the state before its first part),
// or, when the tail ended since live was taken, a new snapshot. release
// ends the use of what it returned. REQUIRES: the database is pinned and
// available.
func (db *DB) CommittedSnapshot(live *pebble.Snapshot) (snap *pebble.Snapshot, release func()) {
	snap, release = live, func() {}
	for range 8 { // a tail ends and the next opens between two looks: rare
		if t := db.parts.tail.Load(); t != nil {
			if t.snap == nil { // a redone tail: nobody writes here
				return snap, release
			}
			// A retired tail's snapshot is closed once no pin is left.
			release()
			db.Pin()
			return t.snap, db.Unpin
		}
		if _, open, err := ReadValue(snap, openTxnKey); err != nil || !open {
			return snap, release // taken outside any tail
		}
		release()
		fresh := db.KV().NewSnapshot()
		snap, release = fresh, func() { _ = fresh.Close() }
	}
	return snap, release
}
