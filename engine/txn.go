package engine

import (
	"bytes"
	"context"
	"encoding/binary"
	"time"

	"github.com/cockroachdb/pebble"

	"mirrordb/engine/keys"
	"mirrordb/engine/storage"
	"mirrordb/engine/txlog"
)

// txn is a write transaction on one database. It owns the database's
// writer lock from begin until commit or rollback, buffers its writes in an
// indexed Pebble batch (so its own reads see them) and records every
// operation with its before-image for the log record.
//
// Statement-level atomicity (a failed statement inside BEGIN TRAN undoes
// only itself) and SAVE TRAN use savepoints: a savepoint is a position in
// the operation list, and rolling back to it rebuilds the batch from the
// operations before it.
type txn struct {
	db      *Database
	owner   *Session       // the session it runs for, if any
	store   *storage.Store // the store its batch belongs to
	batch   *pebble.Batch
	ops     []txlog.Op
	opBytes int
	// schemaChanged is set once the transaction writes a schema key; from
	// then on it resolves names against its own view (schema) of the schema.
	schemaChanged bool
	schema        *schemaSet
	finished      bool
}

// beginWrite starts a write transaction, waiting for the writer lock.
func (d *Database) beginWrite(ctx context.Context, lockTimeout time.Duration) (*txn, error) {
	if err := d.writer.acquire(ctx, lockTimeout); err != nil {
		return nil, err
	}
	if err := d.storage.Available(); err != nil {
		d.writer.release()
		return nil, err
	}
	st := d.storage.Store()
	return &txn{db: d, store: st, batch: st.DB().NewIndexedBatch()}, nil
}

// reader returns the view the transaction reads through: committed data
// overlaid with its own writes.
func (t *txn) reader() pebble.Reader { return t.batch }

// get reads a key as the transaction sees it.
func (t *txn) get(key []byte) ([]byte, bool, error) { return storage.ReadValue(t.batch, key) }

// write records one change: key goes from before (absent when !hadBefore)
// to after (deleted when after is nil). Arguments are copied.
func (t *txn) write(key, before []byte, hadBefore bool, after []byte) error {
	op := txlog.Op{Key: bytes.Clone(key), HadBefore: hadBefore}
	if hadBefore {
		op.Before = bytes.Clone(before)
	}
	var err error
	if after == nil {
		op.Kind = txlog.OpDelete
		err = t.batch.Delete(op.Key, nil)
	} else {
		op.Kind = txlog.OpPut
		op.After = bytes.Clone(after)
		err = t.batch.Set(op.Key, op.After, nil)
	}
	if err != nil {
		return err
	}
	t.ops = append(t.ops, op)
	t.opBytes += len(op.Key) + len(op.Before) + len(op.After) + 8
	if bytes.HasPrefix(key, keys.Schema) {
		t.markSchemaChanged()
	}
	return nil
}

// put sets key to value, reading the before-image itself.
func (t *txn) put(key, value []byte) error {
	before, had, err := t.get(key)
	if err != nil {
		return err
	}
	return t.write(key, before, had, value)
}

// del deletes key if it exists.
func (t *txn) del(key []byte) error {
	before, had, err := t.get(key)
	if err != nil || !had {
		return err
	}
	return t.write(key, before, true, nil)
}

func (t *txn) markSchemaChanged() {
	t.schemaChanged = true
	t.schema = nil // reloaded from the batch on next use
}

// schemaView returns the schema as this transaction sees it.
func (t *txn) schemaView() (*schemaSet, error) {
	if !t.schemaChanged {
		return t.db.schema.Load(), nil
	}
	if t.schema == nil {
		s, err := loadSchema(t.batch)
		if err != nil {
			return nil, err
		}
		t.schema = s
	}
	return t.schema, nil
}

// object names the first table the transaction wrote ("schema.table"),
// for messages such as 1105; "" when it wrote none.
func (t *txn) object() string {
	s := t.schema // a schema the transaction changed, else the committed one
	if s == nil {
		s = t.db.schema.Load()
	}
	for _, op := range t.ops {
		if !bytes.HasPrefix(op.Key, keys.Table) || len(op.Key) < len(keys.Table)+4 || s == nil {
			continue
		}
		if def := s.byID[binary.BigEndian.Uint32(op.Key[len(keys.Table):])]; def != nil {
			return def.Schema + "." + def.Name
		}
	}
	return ""
}

// savepoint marks the current position for a later rollbackTo.
type savepoint struct {
	ops           int
	opBytes       int
	schemaChanged bool
}

func (t *txn) savepoint() savepoint {
	return savepoint{ops: len(t.ops), opBytes: t.opBytes, schemaChanged: t.schemaChanged}
}

// rollbackTo undoes every write made after sp by rebuilding the batch from
// the operations that remain.
func (t *txn) rollbackTo(sp savepoint) error {
	if len(t.ops) == sp.ops {
		return nil
	}
	undone := t.ops[sp.ops:]
	t.ops = t.ops[:sp.ops]
	t.opBytes = sp.opBytes
	b := t.store.DB().NewIndexedBatch()
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
			t.schema = nil
			break
		}
	}
	t.schemaChanged = sp.schemaChanged
	return nil
}

// rollback discards the transaction and releases the writer lock.
func (t *txn) rollback() {
	if t.finished {
		return
	}
	if t.batch != nil {
		t.batch.Close()
		t.batch = nil
	}
	t.done()
	t.db.writer.release()
}

// done marks the transaction finished (commit has released the lock).
func (t *txn) done() {
	t.finished = true
	if t.owner != nil {
		t.db.writerOwner.CompareAndSwap(t.owner, nil)
	}
}

// beginWriteFor starts a write transaction on behalf of session s, which
// is recorded as the writer (a manual failover ends that session when it
// must take the writer lock).
func (d *Database) beginWriteFor(ctx context.Context, s *Session) (*txn, error) {
	t, err := d.beginWrite(ctx, s.lockTimeout())
	if err != nil {
		return nil, err
	}
	// The database may have changed while we waited for the lock: a
	// manual failover holds it while the role switches, and must not
	// find a user's write on a copy that became a mirror.
	if err := d.checkOpen(); err != nil {
		t.rollback()
		return nil, err
	}
	t.owner = s
	d.writerOwner.Store(s)
	return t, nil
}

// commit makes the transaction durable (see commit.go). A transaction that
// wrote nothing just releases its lock.
func (t *txn) commit(ctx context.Context) (txlog.LSN, error) {
	if len(t.ops) == 0 {
		t.rollback()
		return 0, nil
	}
	return t.db.commit(ctx, t)
}
