package storage

import (
	"errors"
	"fmt"
	"math/rand"
	"testing"

	"github.com/cockroachdb/pebble"
	"github.com/cockroachdb/pebble/bloom"
)

const youngRows = 200_000 // ~25 MB with key and value: a young store

// youngKey is row i's key; absentKey sorts among them but is never written
// (a new key's check before an INSERT).
func youngKey(i int) []byte  { return []byte(fmt.Sprintf("row/%09d", 2*i)) }
func absentKey(i int) []byte { return []byte(fmt.Sprintf("row/%09d", 2*i+1)) }

// BenchmarkPointGetYoungStore (issue 14): a point read of a row that is
// there (a point SELECT) and of one that is not (the key check before an
// INSERT) in a Pebble store with Open's memtable size just loaded with
// ~25 MB in 1,000-row batches: as loaded (the memtables grow from 256 KB,
// so the store holds seven and a read seeks each), and flushed to
// sstables, without and with a bloom filter. It is why engine/storage does
// not flush young stores early: the skiplists of the small memtables cost
// less than reading the same rows from a table.
func BenchmarkPointGetYoungStore(b *testing.B) {
	for _, arm := range []struct {
		name         string
		flush, bloom bool
	}{{"memtables", false, false}, {"flushed", true, false}, {"flushed-bloom", true, true}} {
		for _, present := range []bool{true, false} {
			name := arm.name + "/absent"
			if present {
				name = arm.name + "/present"
			}
			b.Run(name, func(b *testing.B) {
				db := openLoaded(b, arm.flush, arm.bloom)
				rng := rand.New(rand.NewSource(1))
				memtables := db.Metrics().MemTable.Count
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					key := youngKey(rng.Intn(youngRows))
					if !present {
						key = absentKey(rng.Intn(youngRows))
					}
					_, closer, err := db.Get(key)
					if err == nil {
						_ = closer.Close()
					} else if present || !errors.Is(err, pebble.ErrNotFound) {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(memtables), "memtables")
			})
		}
	}
}

// openLoaded opens a fresh Pebble store with an instance's block cache and
// Open's memtable size and loads youngRows rows into it.
func openLoaded(b *testing.B, flush, withBloom bool) *pebble.DB {
	b.Helper()
	cache := pebble.NewCache(64 << 20)
	defer cache.Unref()
	opts := &pebble.Options{Cache: cache, MemTableSize: MemTableSize, FormatMajorVersion: pebble.FormatNewest}
	opts.EnsureDefaults()
	if withBloom {
		for i := range opts.Levels {
			opts.Levels[i].FilterPolicy = bloom.FilterPolicy(10)
		}
	}
	db, err := pebble.Open(b.TempDir(), opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = db.Close() })
	val := make([]byte, 100)
	for i := 0; i < youngRows; i += 1000 {
		batch := db.NewBatch()
		for j := i; j < i+1000; j++ {
			_ = batch.Set(youngKey(j), val, nil)
		}
		if err := db.Apply(batch, pebble.NoSync); err != nil {
			b.Fatal(err)
		}
	}
	if flush {
		if err := db.Flush(); err != nil {
			b.Fatal(err)
		}
	}
	return db
}
