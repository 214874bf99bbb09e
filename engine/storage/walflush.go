package storage

import (
	"context"
	"time"

	"mirrordb/engine/txlog"
)

// When the WAL's flushes start
//
// The log shipper sends what is applied, durable or not, so that the
// mirror hardens it while this store's WAL write and fsync run. Sent the
// moment each commit is applied, a group of commits that share one fsync
// goes out as one frame each: one send, one receive, one step of the
// mirror's session and one queueing for its redo per commit, where one of
// each would serve the group. Pebble flushes its WAL in rounds (write what
// is pending, then fsync it), and commits applied while a round runs wait
// for the next one anyway, so the shipper loses nothing by holding them
// until that round starts, and then sends the group in one block
// (WaitWALFlush).
//
// syncing is a hint, not a promise: it is the last LSN handed to the
// store (queued) when a WAL write started, so it may run ahead of what
// that round covers by a commit being handed over at that moment (which
// is then shipped a little early, as before). Nothing that decides
// durability reads it: commits still wait for their own fsync and the
// commit gate. A commit's fsync done moves it too (pendingCommit.onSynced),
// and the shipper bounds its wait (a flush stalled on a hanging disk holds
// back the commits applied behind it, and the mirror still gets those).

// walFlushStarts is the store's OnWALFlush.
func (db *DB) walFlushStarts() { db.syncing.advance(db.queued.Load()) }

// settleSync moves the hint to end, where a load, a redo or an undo left
// the log, all of it on disk.
func (db *DB) settleSync(end txlog.LSN) {
	db.queued.Store(end)
	db.syncing.set(end)
}

// WALFlushStarted reports whether a WAL flush that may cover lsn has
// started (or its fsync is done).
func (db *DB) WALFlushStarted(lsn txlog.LSN) bool { return db.syncing.get() >= lsn }

// WaitWALFlush waits until WALFlushStarted(lsn), expire fires or ctx ends.
// expire bounds the wait where a flush stalls (a disk that hangs on the
// write): the log may then go to the mirror before this store's flush
// ends, as it went before the wait existed.
func (db *DB) WaitWALFlush(ctx context.Context, lsn txlog.LSN, expire <-chan time.Time) {
	_, _ = db.syncing.waitUntil(ctx, func(at txlog.LSN) bool { return at >= lsn }, expire)
}
