package exec

import (
	"mirrordb/engine/catalog"
	"mirrordb/types"
)

// Writes is a statement's write transaction as the row writer writes
// through it: the write-side twin of Table. The engine implements it over
// its transaction, keeping behind it the writer lock, the log's
// before-images, savepoints and the schema the transaction itself changed.
// Every key written is read back by Get (the transaction reads its own
// writes); the errors are the store's, already SQL Server's.
type Writes interface {
	// Get reads one key as the transaction sees it.
	Get(key []byte) (val []byte, ok bool, err error)
	// Write changes key from before (absent when !had) to after
	// (deleted when nil), copying the slices; WriteOwned keeps them.
	Write(key, before []byte, had bool, after []byte) error
	WriteOwned(key, before []byte, had bool, after []byte) error
	// Delete deletes key when it is there.
	Delete(key []byte) error
	// NextCounter moves a counter key (identity values, heap row ids,
	// rowversions) by delta, or starts it at start, and returns it.
	NextCounter(key []byte, start, delta int64) (int64, error)
	// Schema is the schema as the transaction sees it now: indexes are
	// maintained as they are when the row is written, not as the
	// statement was bound.
	Schema() (*catalog.Schema, error)
	// InIndex reports whether a filtered index holds the row (the
	// filter is SQL text the engine interprets); true for the others.
	InIndex(ix *catalog.IndexDef, def *catalog.TableDef, row []types.Value) bool
	// Building tells an index build running beside the statement that
	// one of its entries changed (engine/index_build.go).
	Building(table, index uint32, key []byte)
}
