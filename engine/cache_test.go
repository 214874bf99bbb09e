package engine

import (
	"fmt"
	"testing"
)

// TestBlockCacheKeepsBlocksBesideFullMemtables: once a store's memtable has
// grown to its full size (each memtable Pebble fills makes the next one
// twice as large, up to 64 MB: here about 80 MB of 1 MB rows and their log
// records), point reads from its table files still hit the block cache.
// With a cache no larger than that memtable, Pebble's reservation for it
// left no room and every read missed.
func TestBlockCacheKeepsBlocksBesideFullMemtables(t *testing.T) {
	in := openTestInstance(t)
	s := openSession(t, in, "master")
	mustQuery(t, s, "CREATE DATABASE cached USE cached CREATE TABLE kv (k BIGINT PRIMARY KEY, v VARCHAR(20)) CREATE TABLE big (k INT PRIMARY KEY, b VARCHAR(MAX))")
	mustQuery(t, s, "INSERT kv VALUES (1, 'row'), (2, 'row'), (3, 'row'), (4, 'row'), (5, 'row'), (6, 'row'), (7, 'row'), (8, 'row'), (9, 'row'), (10, 'row')")
	for i := 1; i <= 40; i++ {
		mustQuery(t, s, fmt.Sprintf("INSERT big VALUES (%d, REPLICATE('x', 1000000))", i))
	}
	mustQuery(t, s, "CHECKPOINT")
	d := in.Database("cached")
	if d == nil {
		t.Fatal("no database cached")
	}
	kv := d.storage.KV()
	if m := kv.Metrics(); m.MemTable.Size < 64<<20 {
		t.Fatalf("the memtable holds %d bytes after ten flushes, want it grown to 64 MB", m.MemTable.Size)
	}
	before := kv.Metrics().BlockCache
	const reads = 200
	for i := 0; i < reads; i++ {
		if got := mustQuery(t, s, fmt.Sprintf("SELECT v FROM kv WHERE k = %d", i%10+1)); len(got.rows) != 1 {
			t.Fatalf("key %d: %d rows", i%10+1, len(got.rows))
		}
	}
	after := kv.Metrics().BlockCache
	if misses := after.Misses - before.Misses; misses > reads/10 {
		t.Fatalf("%d block cache misses (and %d hits) for %d point reads of 10 keys: the cache keeps no blocks",
			misses, after.Hits-before.Hits, reads)
	}
}
