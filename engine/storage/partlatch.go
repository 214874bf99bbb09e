package storage

import (
	"context"
	"sync"
	"time"

	"mirrordb/sqlerr"
)

// A full backup's checkpoint must hold exactly the log up to one LSN. It
// usually takes the writer lock, so that no commit applies meanwhile; but
// a transaction written in parts holds that lock for as long as its load
// runs. The part latch is the smaller lock such a transaction takes only
// while it applies a part, its commit or its abort: a checkpoint taken
// under it holds committed data plus whole parts (the open tail, with
// m/open_txn), which the restored copy undoes at its first open.

// partLatch is the part latch and the signal a waiting backup needs to
// switch to it when a transaction opens a tail while it waits.
type partLatch struct {
	lock   writerLock
	mu     sync.Mutex
	opened chan struct{} // closed when a tail of parts opens; nil while nobody waits
}

func newPartLatch() partLatch { return partLatch{lock: newWriterLock()} }

// openedSignal returns a channel closed when the next tail opens.
func (l *partLatch) openedSignal() <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.opened == nil {
		l.opened = make(chan struct{})
	}
	return l.opened
}

// noteOpened wakes the backups waiting for the writer lock: they can take
// the latch now.
func (l *partLatch) noteOpened() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.opened != nil {
		close(l.opened)
		l.opened = nil
	}
}

// hold takes the latch for a transaction applying a part. It waits only
// for a checkpoint in progress (which a cancelled backup leaves to finish
// behind it, still releasing the latch when it returns), or until the
// store fails.
func (l *partLatch) hold(st *Store) error {
	select {
	case l.lock <- struct{}{}:
		return nil
	case <-st.Failed():
		return st.Fault()
	}
}

func (l *partLatch) release() { l.lock.release() }

// localTail reports whether a transaction of this database is writing in
// parts (a tail redone from a partner has no snapshot, and no writer).
func (db *DB) localTail() bool {
	t := db.parts.tail.Load()
	return t != nil && t.snap != nil
}

// LockForCheckpoint takes what a consistent checkpoint of the store needs
// (a full backup) and returns its release: the writer lock, or while the
// writer is a transaction written in parts, the part latch, between two
// of its parts. Either way CommittedEnd is then the end the checkpoint
// holds once its open tail is undone. It waits until ctx is done or the
// timeout (< 0: none) expires (Msg 1222), switching from the writer lock
// to the latch when a tail opens meanwhile.
func (db *DB) LockForCheckpoint(ctx context.Context, timeout time.Duration) (release func(), err error) {
	expired, stop := lockExpiry(timeout)
	defer stop()
	for {
		opened := db.parts.latch.openedSignal()
		var latch writerLock // nil (never ready) unless a tail is open
		if db.localTail() {
			latch = db.parts.latch.lock
		}
		select {
		case db.writer <- struct{}{}:
			if err := ctx.Err(); err != nil {
				db.writer.release()
				return nil, err
			}
			return db.writer.release, nil
		case latch <- struct{}{}:
			if err := ctx.Err(); err != nil {
				latch.release()
				return nil, err
			}
			if db.localTail() {
				return latch.release, nil
			}
			latch.release() // the tail ended meanwhile: wait for the writer lock
		case <-opened:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-expired:
			return nil, sqlerr.New(1222)
		}
	}
}
