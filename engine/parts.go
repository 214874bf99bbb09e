package engine

import (
	"context"
	"time"

	"mirrordb/engine/txlog"
)

// Transactions written in parts (engine/storage/parts.go), as mirroring
// sees them.

// CommittedEnd is the end of committed log: the end of log, or the LSN
// before an open tail of parts. A mirror reports it as its end, so that
// its failover LSN never lies inside a transaction it cannot commit.
func (d *Database) CommittedEnd() txlog.LSN { return d.storage.CommittedEnd() }

// UndoOpenTail undoes the parts of a transaction that will never commit
// here (a mirror becoming principal), before anyone reads or writes them.
func (d *Database) UndoOpenTail(ctx context.Context) error { return d.storage.UndoOpenTail(ctx) }

// WaitDurableMoved waits until the durable end of log differs from from,
// forwards or (after an undo) backwards.
func (d *Database) WaitDurableMoved(ctx context.Context, from txlog.LSN) (txlog.LSN, error) {
	return d.storage.WaitDurableMoved(ctx, from)
}

// lockForCheckpoint takes what a full backup's checkpoint needs
// (storage.LockForCheckpoint): the writer lock, or during a load only its
// part latch, so that a backup does not wait for the load. The session's
// LOCK_TIMEOUT bounds the wait, which its request shows.
func (s *Session) lockForCheckpoint(ctx context.Context, d *Database) (unlock func(), err error) {
	timeout := time.Duration(-1)
	if s != nil {
		timeout = s.lockTimeout()
	}
	err = s.waiting(writerWait(d), func() error {
		unlock, err = d.storage.LockForCheckpoint(ctx, timeout)
		return err
	})
	return unlock, err
}
