package engine

import (
	"mirrordb/engine/catalog"
	"mirrordb/engine/exec"
	"mirrordb/types"
)

// txn is the store the row writer writes through (exec.Writes); Get,
// Write, WriteOwned and Delete are storage's transaction's own.
var _ exec.Writes = (*txn)(nil)

func (t *txn) NextCounter(key []byte, start, delta int64) (int64, error) {
	return t.nextCounter(key, start, delta)
}

func (t *txn) Schema() (*catalog.Schema, error) { return t.schemaView() }

func (t *txn) InIndex(ix *catalog.IndexDef, def *catalog.TableDef, row []types.Value) bool {
	return covers(ix, def, row)
}

func (t *txn) Building(table, index uint32, key []byte) { t.db.builds.touch(table, index, key) }
