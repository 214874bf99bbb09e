package storage

import (
	"context"
	"encoding/binary"
	"sync"
	"time"

	"mirrordb/engine/keys"
	"mirrordb/engine/txlog"
	"mirrordb/sqlerr"
)

// The commit pipeline
//
// A database has one writer at a time: a write transaction takes the
// database's writer lock before its first write and keeps it until it
// commits or rolls back. Reads never take it; they see the latest applied
// state. Commit then runs in three steps:
//
//  1. Under the writer lock: assign LSN = end+1, add the log record
//     (l/<LSN>, the transaction's operations with before- and after-images
//     and its commit time) and m/end_lsn to the transaction's batch, and
//     apply the batch to Pebble without waiting for the WAL fsync. Applying
//     under the lock makes LSN order, WAL order and visibility order the
//     same, so the log never has gaps that a reader could see.
//  2. Release the writer lock; the next writer can execute meanwhile.
//  3. Wait for the fsync covering the batch: the batch also went into the
//     store's commit log, whose flusher writes and fsyncs every batch
//     queued meanwhile with one fsync (group commit; commitlog.go). Then
//     advance the durable LSN, which is what makes the commit
//     acknowledgeable. The log shipper does not wait for it: it sends what
//     is applied (WaitEnd), so that a mirror hardens the log while the fsync
//     runs.
//
// INVARIANT: every LSN ≤ durableLSN is in the WAL on disk; every LSN ≤
// endLSN is visible to readers; endLSN ≥ durableLSN. Because fsyncs complete
// in WAL order, when batch n is synced every batch before it is too, so the
// durable LSN can jump straight to n.
//
// Commit gates (mirroring's SAFETY FULL wait) run after step 3: the commit is
// already durable locally and only the acknowledgement to the client waits.

// CommitGate is called after a commit is durable locally and before it is
// acknowledged; mirroring installs one to wait for the mirror (SAFETY FULL).
// An error means the commit must not be acknowledged as successful.
type CommitGate func(ctx context.Context, lsn txlog.LSN) error

// SetCommitGate installs (or, with nil, removes) the function every commit
// waits on before it is acknowledged.
func (db *DB) SetCommitGate(g CommitGate) {
	if g == nil {
		db.gateFunc.Store(nil)
		return
	}
	db.gateFunc.Store(&g)
}

func (db *DB) gate() CommitGate {
	if p := db.gateFunc.Load(); p != nil {
		return *p
	}
	return nil
}

// LockWriter takes the database's writer lock for work that is not a
// transaction (a backup's checkpoint, a manual failover), waiting until
// ctx is done or the timeout (< 0: none) expires; a timeout is Msg 1222.
func (db *DB) LockWriter(ctx context.Context, timeout time.Duration) error {
	return db.writer.acquire(ctx, timeout)
}

// UnlockWriter releases the writer lock LockWriter took.
func (db *DB) UnlockWriter() { db.writer.release() }

// lockAvailable takes the writer lock as LockWriter does, then checks
// that the store serves (else the lock is released and the error returned).
func (db *DB) lockAvailable(ctx context.Context, timeout time.Duration) error {
	if err := db.writer.acquire(ctx, timeout); err != nil {
		return err
	}
	err := db.Available()
	if err == nil {
		err = db.tailLeft()
	}
	if err != nil {
		db.writer.release()
		return err
	}
	return nil
}

// Commit makes the transaction durable and returns its LSN (0 when it
// wrote nothing: it just releases its lock). It consumes the transaction:
// the writer lock is released and the batch handed on or closed, whatever
// the outcome, panics included.
func (t *Txn) Commit(ctx context.Context) (txlog.LSN, error) {
	if len(t.ops) == 0 && t.openFrom == 0 {
		t.Rollback()
		return 0, nil
	}
	return t.db.commit(ctx, t)
}

// commit runs the pipeline for t.
//
// REQUIRES: t holds db's writer lock and has at least one operation.
func (db *DB) commit(ctx context.Context, t *Txn) (txlog.LSN, error) {
	b, st := t.batch, t.store
	t.batch = nil
	locked := !t.held
	defer func() {
		if locked {
			db.writer.release()
		}
		t.done()
	}()
	if db.Store() != st {
		b.Close() // the store failed and was replaced while the transaction ran
		return 0, db.FaultError(st.Fault(), t.object())
	}
	if err := db.tailLeft(); err != nil {
		b.Close() // its parts, partly compensated, stay for the undo at open
		return 0, err
	}
	start := time.Now()
	rec := txlog.Record{LSN: db.applied.get() + 1, Txn: t.openFrom, CommitTime: db.cfg.Now(), Ops: t.ops}
	size := rec.EncodedLen()
	if f := st.CheckSpace(int64(len(b.Repr()) + size)); f != nil {
		if t.openFrom != 0 { // its parts are applied: they must be undone
			t.batch = b
			t.abort()
			if t.batch != nil {
				t.batch.Close()
			}
		} else {
			b.Close()
		}
		return 0, db.FaultError(f, t.object())
	}
	if t.openFrom != 0 {
		if err := b.Delete(openTxnKey, nil); err != nil {
			b.Close()
			return 0, err
		}
	}
	var end [8]byte
	binary.BigEndian.PutUint64(end[:], rec.LSN)
	err := putLogRecord(b, keys.LogKey(rec.LSN), &rec, size)
	if err == nil {
		err = b.Set(endLSNKey, end[:], nil)
	}
	if err != nil {
		b.Close()
		return 0, err
	}
	p := pendingCommits.Get().(*pendingCommit)
	p.db, p.object, p.st, p.lsn, p.start = db, t.Object, st, rec.LSN, start
	if t.openFrom != 0 { // a checkpoint between parts sees the tail open or committed
		if err := db.parts.latch.hold(st); err != nil {
			b.Close()
			return 0, db.FaultError(err, t.object())
		}
	}
	db.queued.Store(rec.LSN)
	if err := st.Commit(b, rec.LSN, rec.LSN, p.onSyncedFn); err != nil {
		if t.openFrom != 0 {
			db.parts.latch.release()
		}
		return 0, db.FaultError(err, t.object())
	}
	db.applied.advance(rec.LSN)
	if t.openFrom != 0 {
		db.endTail() // readers move to the live store, commit included
		db.parts.latch.release()
	}
	db.logBytes.Add(int64(size))
	db.noteWritten(1, size)
	if t.schemaChanged {
		db.schemaChanged()
	}
	if locked {
		db.writer.release()
		locked = false
	}
	if t.deferred != nil {
		// The wait outlives the statement's use of t: name the object now
		// rather than keep the transaction's keys and values alive.
		name := t.object()
		p.object = func() string { return name }
		*t.deferred = p.waitErr
		st.FlushBehind()
		return rec.LSN, nil
	}
	lsn, err := p.wait(ctx)
	p.recycle()
	return lsn, err
}

// pendingCommits recycles the pendingCommits of commits that waited
// (not deferred ones): with its channel and callback, a commit then
// allocates none of the three.
var pendingCommits = sync.Pool{New: func() any {
	p := &pendingCommit{synced: make(chan error, 1)}
	p.onSyncedFn = p.onSynced
	return p
}}

// recycle returns p to pendingCommits once the store is done with it: its
// wait received the fsync's outcome (a wait that ended early leaves the
// callback still to come, and p to the garbage collector).
func (p *pendingCommit) recycle() {
	if !p.heard {
		return
	}
	*p = pendingCommit{synced: p.synced, onSyncedFn: p.onSyncedFn}
	pendingCommits.Put(p)
}

// pendingCommit is a commit applied and not yet acknowledged: what its
// wait for the fsync and the commit gate needs, in one object (recycled:
// pendingCommits).
type pendingCommit struct {
	db *DB
	// object names the transaction's object in a fault's message, computed
	// only then (a deferred wait names it at once: commit).
	object func() string
	st     *Store
	lsn    txlog.LSN
	start  time.Time
	synced chan error
	// onSyncedFn is onSynced as a func value, made once per pooled
	// pendingCommit; heard is set once wait received from synced.
	onSyncedFn func(error)
	heard      bool
}

// onSynced is the store's callback once the commit's fsync is done.
func (p *pendingCommit) onSynced(err error) {
	if err == nil {
		p.db.durable.advance(p.lsn)
		p.db.syncing.advance(p.lsn) // walflush.go
	}
	p.synced <- err
}

// wait waits for the fsync, then for the commit gate. The first commit
// of a group writes and fsyncs the commit log itself (Store.Flush), as a
// PostgreSQL backend does; the others wait for it. A statement cancelled
// or killed while it waits stops waiting at once and the sync finishes
// behind it: a disk that hangs must not hang the clients of a principal
// that has stopped acknowledging (the mirroring watchdog kills their
// sessions, and wire closes the socket of one that does not end, such as
// the commit held in the hung fsync). Such a commit is in doubt, as after
// a crash.
func (p *pendingCommit) wait(ctx context.Context) (txlog.LSN, error) {
	db := p.db
	if lsn, err := p.waitSynced(ctx); err != nil {
		return lsn, err
	}
	if gate := db.gate(); gate != nil {
		if err := gate(ctx, p.lsn); err != nil {
			return p.lsn, err
		}
	}
	db.commitLatency.Observe(time.Since(p.start))
	return p.lsn, nil
}

// waitSynced is wait's first half, the fsync: its error is the fault,
// with LSN 0, or ctx's, with the commit's LSN (in doubt).
func (p *pendingCommit) waitSynced(ctx context.Context) (txlog.LSN, error) {
	p.st.Flush()
	var err error
	select {
	case err = <-p.synced: // the outcome is known: it wins over a late cancel
	default:
		select {
		case err = <-p.synced:
		case <-p.st.Failed():
			return 0, p.db.FaultError(p.st.Fault(), p.objectName())
		case <-ctx.Done():
			return p.lsn, ctx.Err()
		}
	}
	p.heard = true
	if err != nil {
		return 0, p.db.FaultError(err, p.objectName())
	}
	return p.lsn, nil
}

// objectName is the transaction's object for a fault's message.
func (p *pendingCommit) objectName() string {
	if p.object == nil {
		return ""
	}
	return p.object()
}

// waitErr is wait for DeferWait.
func (p *pendingCommit) waitErr(ctx context.Context) error {
	_, err := p.wait(ctx)
	return err
}

// endLSNKey is the key of MetaEndLSN, which every commit writes.
var endLSNKey = keys.MetaKey(MetaEndLSN)

// DeferWait makes Commit return as soon as the transaction is applied
// (visible, and shipped to a mirror), and store in *wait what it would
// have waited for: the fsync and the commit gate. A statement made of
// many transactions (an index build) waits for one step's fsync while it
// prepares the next; its last transaction waits as usual, and being last
// in the log, is durable and hardened only when every earlier one is.
func (t *Txn) DeferWait(wait *func(ctx context.Context) error) { t.deferred = wait }

// writerLock is a context-aware mutex: a channel holding one token.
type writerLock chan struct{}

func newWriterLock() writerLock { return make(writerLock, 1) }

// acquire waits for the lock until ctx is done or the timeout (< 0: none)
// expires; a timeout is Msg 1222.
func (l writerLock) acquire(ctx context.Context, timeout time.Duration) error {
	select {
	case l <- struct{}{}:
		return nil
	default:
	}
	expired, stop := lockExpiry(timeout)
	defer stop()
	select {
	case l <- struct{}{}:
		// Freed as the statement was stopped (both ready: select chose
		// at random): a stopped statement does not go on to run.
		if err := ctx.Err(); err != nil {
			<-l
			return err
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-expired:
		return sqlerr.New(1222)
	}
}

func (l writerLock) release() { <-l }

// lockExpiry is what a lock wait of timeout (< 0: none) gives up on,
// and the stop of its timer.
func lockExpiry(timeout time.Duration) (<-chan time.Time, func()) {
	if timeout < 0 {
		return nil, func() {}
	}
	t := time.NewTimer(timeout)
	return t.C, func() { t.Stop() }
}

// lsnWatch broadcasts advances of an LSN to waiters. Its channel is made
// only when someone waits: every commit advances two watches, and most
// advances have nobody to wake.
type lsnWatch struct {
	mu      sync.Mutex
	lsn     txlog.LSN
	changed chan struct{} // nil while nobody waits
}

func newLSNWatch(lsn txlog.LSN) *lsnWatch { return &lsnWatch{lsn: lsn} }

func (w *lsnWatch) get() txlog.LSN {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.lsn
}

// advance raises the LSN to at least lsn and wakes waiters.
func (w *lsnWatch) advance(lsn txlog.LSN) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if lsn <= w.lsn {
		return
	}
	w.lsn = lsn
	w.wake()
}

// set moves the LSN to exactly lsn (also backwards, after undo) and wakes
// waiters.
func (w *lsnWatch) set(lsn txlog.LSN) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.lsn = lsn
	w.wake()
}

// wake wakes the waiters, if any. REQUIRES: w.mu held.
func (w *lsnWatch) wake() {
	if w.changed != nil {
		close(w.changed)
		w.changed = nil
	}
}

// wait blocks until the LSN is greater than after, returning it.
func (w *lsnWatch) wait(ctx context.Context, after txlog.LSN) (txlog.LSN, error) {
	return w.waitFor(ctx, func(lsn txlog.LSN) bool { return lsn > after })
}

// MetaEndLSN is the local key (m/end_lsn) recording the last LSN written,
// so that the LSN sequence survives restarts even when the log has been
// truncated.
const MetaEndLSN = "end_lsn"
