package storage

import (
	"errors"

	"github.com/cockroachdb/pebble"

	"mirrordb/engine/txlog"
)

// putLogRecord adds rec to b under key, encoded straight into the batch
// (size is rec.EncodedLen()): the record of a large transaction (a load's
// million rows) is then built once, where it is stored, instead of
// encoded beside the batch and copied in, which held it twice in memory.
func putLogRecord(b *pebble.Batch, key []byte, rec *txlog.Record, size int) error {
	op := b.SetDeferred(len(key), size)
	copy(op.Key, key)
	if enc := rec.Encode(op.Value[:0]); len(enc) != size || size > 0 && &enc[0] != &op.Value[0] {
		return errors.New("storage: log record encoded to another length than measured")
	}
	return op.Finish()
}
