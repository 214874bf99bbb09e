package storage

import (
	"mirrordb/sqlerr"
)

// Stopping and transactions written in parts. Rolling back a transaction
// that wrote parts compensates each of them (parts.go), which for a big
// load takes as long as the load did; an instance that is stopping does
// not wait for it. Its open tail is undone at the next open anyway
// (undoOpenTail), so once the instance stops, a rollback leaves the tail
// where it is, and the database takes no write after it: nothing may
// commit on top of a tail that the next open undoes.

// BeginStop tells the database that its instance is stopping: rollbacks
// of transactions written in parts from now on leave their open tail for
// the next open to undo, instead of compensating it.
func (db *DB) BeginStop() { db.parts.stopping.Store(true) }

// Stopping says whether BeginStop was called.
func (db *DB) Stopping() bool { return db.parts.stopping.Load() }

// stopCompensating ends a compensation (a rollback's, or a rollback to a
// savepoint's) once the instance stops: the tail is left as it is, with
// the compensation parts written so far, which the undo at open takes
// back with the rest, and no write may follow it (Msg 6005).
func (t *Txn) stopCompensating() error {
	if !t.db.parts.stopping.Load() {
		return nil
	}
	t.db.parts.left.Store(true)
	return sqlerr.New(6005)
}

// leaveTail is abort's ending when it left the tail (stopCompensating).
func (t *Txn) leaveTail() {
	t.db.cfg.Logger.Info("the instance is stopping: the open transaction's parts are left for the undo at the next open",
		"db", t.db.Name(), "from", t.openFrom, "to", t.tail)
}

// tailLeft refuses writes after a tail left open (Msg 6005, SHUTDOWN is
// in progress).
func (db *DB) tailLeft() error {
	if db.parts.left.Load() {
		return sqlerr.New(6005)
	}
	return nil
}
