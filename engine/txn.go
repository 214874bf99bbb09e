package engine

import (
	"bytes"
	"context"
	"encoding/binary"
	"time"

	"mirrordb/engine/catalog"
	"mirrordb/engine/keys"
	"mirrordb/engine/storage"
)

// txn is a write transaction as statements run it: storage's transaction
// (the writer lock, the indexed batch, the operations with their
// before-images, savepoints, commit; engine/storage) with the schema it
// sees.
type txn struct {
	*storage.Txn
	db *Database
	// schema is the schema as the transaction sees it once it changed it,
	// loaded at schemaEpoch (storage.Txn.SchemaEpoch).
	schema      *catalog.Schema
	schemaEpoch int
}

// beginWrite starts a write transaction, waiting for the writer lock.
func (d *Database) beginWrite(ctx context.Context, lockTimeout time.Duration) (*txn, error) {
	st, err := d.storage.Begin(ctx, lockTimeout)
	if err != nil {
		return nil, err
	}
	t := &txn{Txn: st, db: d}
	st.Object = t.object
	return t, nil
}

// schemaView returns the schema as this transaction sees it.
func (t *txn) schemaView() (*catalog.Schema, error) {
	if !t.SchemaChanged() {
		return t.db.schema.Load(), nil
	}
	if s := t.ownSchema(); s != nil {
		return s, nil
	}
	s, err := t.db.inst.loadSchema(t.Reader())
	if err != nil {
		return nil, err
	}
	t.schema, t.schemaEpoch = s, t.SchemaEpoch()
	return s, nil
}

// ownSchema is the schema the transaction loaded after its last schema
// change, or nil.
func (t *txn) ownSchema() *catalog.Schema {
	if t.schema == nil || t.schemaEpoch != t.SchemaEpoch() {
		return nil
	}
	return t.schema
}

// object names the first table the transaction wrote ("schema.table"),
// for messages such as 1105; "" when it wrote none.
func (t *txn) object() string {
	s := t.ownSchema() // a schema the transaction changed, else the committed one
	if s == nil {
		s = t.db.schema.Load()
	}
	name := ""
	t.Keys(func(key []byte) bool {
		if !bytes.HasPrefix(key, keys.Table) || len(key) < len(keys.Table)+4 || s == nil {
			return true
		}
		if def := s.ByStore(binary.BigEndian.Uint32(key[len(keys.Table):])); def != nil {
			name = def.Schema + "." + def.Name
			return false
		}
		return true
	})
	return name
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
		t.Rollback()
		return nil, err
	}
	t.OnDone = func() { d.writerOwner.CompareAndSwap(s, nil) }
	d.writerOwner.Store(s)
	return t, nil
}
