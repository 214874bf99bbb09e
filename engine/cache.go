package engine

import "mirrordb/engine/storage"

// The stores of all databases share one Pebble block cache, and Pebble
// counts every store's memtables against it (Cache.Reserve): the capacity
// left for blocks is the cache's size minus the memtables the stores hold.
// With a 64 MB cache, one database's 64 MB memtable (storage.MemTableSize,
// reached by any store after about 128 MB of writes since it
// opened) left no room at all: no block stayed cached, and every point read
// from a table file read and decompressed its blocks again (issue 14: 44
// instead of 20 µs of server CPU per point SELECT). The cache is therefore
// sized for the blocks plus the memtables of a few busy databases; a
// reservation uses memory the memtables hold anyway, so the room costs
// nothing until blocks fill it. The ceiling is the sum, 320 MB per
// instance: where memtables stay small (young or idle stores, a mirror)
// blocks alone may fill all of it; and a store whose flushes fall behind
// can hold more memtables than the room, and squeeze blocks again.
const (
	blockCacheBytes   = 64 << 20
	memtableRoomBytes = 4 * storage.MemTableSize
)
