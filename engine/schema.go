package engine

import (
	"encoding/binary"
	"sync"

	"github.com/cockroachdb/pebble"

	"mirrordb/engine/catalog"
	"mirrordb/engine/storage"
)

// defaultExprs caches parsed DEFAULT expressions by their text.
var defaultExprs sync.Map // string → parser.Expr

// schemaGeneration counts the schema loads of the instance's databases
// (committed or as a transaction sees it); a prepared statement re-binds
// when it moved since it was bound. One number for the instance, not one
// per database: a plan may name tables of any database of the instance.
func (in *Instance) schemaGeneration() uint64 { return in.schemaGen.Load() }

// loadSchema reads every table definition visible through r.
func (in *Instance) loadSchema(r pebble.Reader) (*catalog.Schema, error) {
	in.schemaGen.Add(1)
	return catalog.LoadSchema(r)
}

// nextCounter reads a uint64 counter key through the transaction, adds
// delta and writes it back, returning the new value. Counters (table ids,
// identity values, heap row ids) are ordinary logged keys.
func (t *txn) nextCounter(key []byte, start, delta int64) (int64, error) {
	cur, had, err := t.Get(key)
	if err != nil {
		return 0, err
	}
	var v int64
	if had && len(cur) == 8 {
		v = int64(binary.BigEndian.Uint64(cur)) + delta
	} else {
		v = start
	}
	var buf [8]byte
	binary.BigEndian.PutUint64(buf[:], uint64(v))
	return v, t.Write(key, cur, had, buf[:])
}

// readCounter reads a counter key's current value (ok false if unset).
func readCounter(r pebble.Reader, key []byte) (int64, bool, error) {
	v, ok, err := storage.ReadValue(r, key)
	if err != nil || !ok || len(v) != 8 {
		return 0, false, err
	}
	return int64(binary.BigEndian.Uint64(v)), true, nil
}
