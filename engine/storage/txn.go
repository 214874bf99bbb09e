package storage

import (
	"bytes"
	"context"
	"slices"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble"

	"mirrordb/engine/keys"
	"mirrordb/engine/txlog"
)

// Txn is a write transaction on one database. It owns the database's
// writer lock from Begin until Commit or Rollback, buffers its writes in an
// indexed Pebble batch (so its own reads see them) and records every
// operation with its before-image for the log record.
//
// Statement-level atomicity (a failed statement inside BEGIN TRAN undoes
// only itself) and SAVE TRAN use savepoints: a savepoint is a position in
// the operation list, and rolling back to it rebuilds the batch from the
// operations before it.
type Txn struct {
	db      *DB
	store   *Store // the store its batch belongs to
	batch   *pebble.Batch
	ops     []txlog.Op
	opBytes int
	// schemaChanged is set once the transaction writes a schema key (s/);
	// schemaEpoch counts what may have changed the schema it sees.
	schemaChanged bool
	schemaEpoch   int
	finished      bool
	deferred      *func(ctx context.Context) error // DeferWait
	writeOnly     bool                             // WriteOnly
	// held marks a transaction begun under a writer lock its caller holds
	// (BeginHeld): ending it leaves the lock held.
	held bool
	// openFrom is the LSN of the transaction's first part and tail that
	// of its last one written (0, 0 while it wrote none; parts.go).
	openFrom, tail txlog.LSN
	nparts         atomic.Int64

	// Object, when set, names what the transaction wrote ("schema.table")
	// for Msg 1105; unset, the message names the database.
	Object func() string
	// OnDone, when set, is called once when the transaction ends (commit
	// or rollback).
	OnDone func()
}

// Begin starts a write transaction, waiting for the writer lock until ctx
// is done or lockTimeout (< 0: none) expires (Msg 1222).
func (db *DB) Begin(ctx context.Context, lockTimeout time.Duration) (*Txn, error) {
	if err := db.lockAvailable(ctx, lockTimeout); err != nil {
		return nil, err
	}
	st := db.Store()
	return &Txn{db: db, store: st, batch: st.DB().NewIndexedBatch()}, nil
}

// BeginHeld starts a write transaction under the writer lock the caller
// took with LockWriter. Its Commit and Rollback leave the lock held, so
// that work done as several transactions (a table rewritten in steps,
// engine/alter_rewrite.go) keeps other writers out between them.
func (db *DB) BeginHeld() (*Txn, error) {
	if err := db.Available(); err != nil {
		return nil, err
	}
	if err := db.tailLeft(); err != nil {
		return nil, err
	}
	st := db.Store()
	return &Txn{db: db, store: st, batch: st.DB().NewIndexedBatch(), held: true}, nil
}

// Reader returns the view the transaction reads through: committed data
// overlaid with its own writes (without them after WriteOnly).
func (t *Txn) Reader() pebble.Reader {
	if t.writeOnly {
		return t.store.DB()
	}
	return t.batch
}

// Get reads a key as the transaction sees it.
func (t *Txn) Get(key []byte) ([]byte, bool, error) { return ReadValue(t.Reader(), key) }

// WriteOnly tells a transaction that has not written yet that it will not
// read what it writes: from then on it reads the database as committed
// (which, holding the writer lock, nobody else changes) and buffers its
// writes in a plain batch, which costs an append per write instead of an
// insertion into the batch's index. An index build step, which reads all
// it needs before it writes, uses it. Once the transaction wrote, it does
// nothing.
func (t *Txn) WriteOnly() {
	if len(t.ops) > 0 || t.writeOnly {
		return
	}
	t.batch.Close()
	t.batch = t.store.DB().NewBatch()
	t.writeOnly = true
}

// newBatch returns an empty batch of the transaction's kind.
func (t *Txn) newBatch() *pebble.Batch {
	if t.writeOnly {
		return t.store.DB().NewBatch()
	}
	return t.store.DB().NewIndexedBatch()
}

// Write records one change: key goes from before (absent when !hadBefore)
// to after (deleted when after is nil). Arguments are copied.
func (t *Txn) Write(key, before []byte, hadBefore bool, after []byte) error {
	if hadBefore {
		before = bytes.Clone(before)
	}
	if after != nil {
		after = bytes.Clone(after)
	}
	return t.WriteOwned(bytes.Clone(key), before, hadBefore, after)
}

// WriteOwned is Write without the copies: the transaction keeps the
// slices until it ends, and the caller must not change them. A bulk
// writer (an index build) hands over one buffer for a whole step instead
// of three allocations per key.
func (t *Txn) WriteOwned(key, before []byte, hadBefore bool, after []byte) error {
	op := txlog.Op{Key: key, HadBefore: hadBefore}
	if hadBefore {
		op.Before = before
	}
	var err error
	if after == nil {
		op.Kind = txlog.OpDelete
		err = t.batch.Delete(op.Key, nil)
	} else {
		op.Kind = txlog.OpPut
		op.After = after
		err = t.batch.Set(op.Key, op.After, nil)
	}
	if err != nil {
		return err
	}
	t.ops = append(t.ops, op)
	t.opBytes += len(op.Key) + len(op.Before) + len(op.After) + 8
	if bytes.HasPrefix(key, keys.Schema) {
		t.schemaChanged = true
		t.schemaEpoch++
	}
	return t.spill()
}

// Grow makes room for n more writes, for a writer that knows how many
// it will make (an index build step), within what a part holds: the
// operations are dropped when it is written.
func (t *Txn) Grow(n int) {
	n = min(n, max(t.db.partBytes()/64-len(t.ops), 0))
	t.ops = slices.Grow(t.ops, n)
}

// Put sets key to value, reading the before-image itself.
func (t *Txn) Put(key, value []byte) error {
	before, had, err := t.Get(key)
	if err != nil {
		return err
	}
	return t.Write(key, before, had, value)
}

// Delete deletes key if it exists.
func (t *Txn) Delete(key []byte) error {
	before, had, err := t.Get(key)
	if err != nil || !had {
		return err
	}
	return t.Write(key, before, true, nil)
}

// SchemaChanged reports whether the transaction wrote a schema key.
func (t *Txn) SchemaChanged() bool { return t.schemaChanged }

// SchemaEpoch changes whenever the schema as the transaction sees it may
// have changed: a write of a schema key, a rollback to a savepoint that
// undid one. An owner that keeps the transaction's view of the schema
// reloads it when the epoch moved.
func (t *Txn) SchemaEpoch() int { return t.schemaEpoch }

// Keys calls fn with the key of every operation so far, in order, until
// fn returns false.
func (t *Txn) Keys(fn func(key []byte) bool) {
	for _, op := range t.ops {
		if !fn(op.Key) {
			return
		}
	}
}

func (t *Txn) object() string {
	if t.Object == nil {
		return ""
	}
	return t.Object()
}

// Savepoint marks a position for a later RollbackTo.
type Savepoint struct {
	tail          txlog.LSN // the last part written then
	ops           int
	opBytes       int
	schemaChanged bool
}

// Savepoint marks the current position.
func (t *Txn) Savepoint() Savepoint {
	return Savepoint{tail: t.tail, ops: len(t.ops), opBytes: t.opBytes, schemaChanged: t.schemaChanged}
}

// RollbackTo undoes every write made after sp by rebuilding the batch from
// the operations that remain.
func (t *Txn) RollbackTo(sp Savepoint) error {
	if sp.tail != t.tail { // parts were written since: compensate them
		return t.compensate(sp)
	}
	if len(t.ops) == sp.ops {
		return nil
	}
	undone := t.ops[sp.ops:]
	t.ops = t.ops[:sp.ops]
	t.opBytes = sp.opBytes
	b := t.newBatch()
	for _, op := range t.ops {
		var err error
		if op.Kind == txlog.OpDelete {
			err = b.Delete(op.Key, nil)
		} else {
			err = b.Set(op.Key, op.After, nil)
		}
		if err != nil {
			b.Close()
			return err
		}
	}
	t.batch.Close()
	t.batch = b
	for _, op := range undone {
		if bytes.HasPrefix(op.Key, keys.Schema) {
			t.schemaEpoch++
			break
		}
	}
	t.schemaChanged = sp.schemaChanged
	return nil
}

// Rollback discards the transaction and releases the writer lock; after
// Commit it does nothing.
func (t *Txn) Rollback() {
	if t.finished {
		return
	}
	if t.openFrom != 0 && t.batch != nil {
		t.abort()
	}
	if t.batch != nil {
		t.batch.Close()
		t.batch = nil
	}
	t.done()
	if !t.held {
		t.db.writer.release()
	}
}

// done marks the transaction finished (commit has released the lock).
func (t *Txn) done() {
	t.finished = true
	if t.OnDone != nil {
		t.OnDone()
	}
}
