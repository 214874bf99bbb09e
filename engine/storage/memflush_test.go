package storage

import (
	"errors"
	"fmt"
	"math/rand"
	"testing"
	"time"

	"github.com/cockroachdb/pebble"
)

// openYoung opens a fresh store; rampFlush off leaves Pebble's own flush
// policy alone, as before rampFlush existed.
func openYoung(tb testing.TB, rampFlush bool) *Store {
	tb.Helper()
	cache := pebble.NewCache(64 << 20) // an instance's block cache
	defer cache.Unref()
	s, err := Open(tb.TempDir(), Options{Logger: quiet(), Cache: cache})
	if err != nil {
		tb.Fatal(err)
	}
	s.ramp.over.Store(!rampFlush)
	tb.Cleanup(func() {
		if err := s.Close(10 * time.Second); err != nil {
			tb.Error(err)
		}
	})
	return s
}

const youngRows = 200_000 // ~25 MB with key and value: a young store

// youngKey is row i's key; absentKey sorts among them but is never written
// (a new key's check before an INSERT).
func youngKey(i int) []byte  { return []byte(fmt.Sprintf("row/%09d", 2*i)) }
func absentKey(i int) []byte { return []byte(fmt.Sprintf("row/%09d", 2*i+1)) }

// preload commits youngRows rows in batches of 1,000 (as a 1,000-row
// INSERT does) through Commit, each waiting for its fsync.
func preload(tb testing.TB, s *Store) {
	tb.Helper()
	val := make([]byte, 100)
	for i := 0; i < youngRows; i += 1000 {
		b := s.DB().NewBatch()
		for j := i; j < i+1000; j++ {
			_ = b.Set(youngKey(j), val, nil)
		}
		synced := make(chan error, 1)
		if err := s.Commit(b, func(err error) { synced <- err }); err != nil {
			tb.Fatal(err)
		}
		select {
		case err := <-synced:
			if err != nil {
				tb.Fatal(err)
			}
		case <-time.After(30 * time.Second):
			tb.Fatal("commit not synced within 30s")
		}
	}
}

// settledMemtables waits (at most 10 s) until the store holds at most max
// memtables and returns the last count seen.
func settledMemtables(s *Store, max int64) int64 {
	deadline := time.Now().Add(10 * time.Second)
	for {
		n := s.DB().Metrics().MemTable.Count
		if n <= max || time.Now().After(deadline) {
			return n
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestYoungStoreKeepsFewMemtables: after ~25 MB of commits a fresh store
// holds at most one memtable beyond rampMaxMemtables (the latest rotation
// may not have been checked yet), where Pebble's policy alone leaves seven,
// and every row reads back, also after a reopen.
func TestYoungStoreKeepsFewMemtables(t *testing.T) {
	control := openYoung(t, false)
	preload(t, control)
	if n := settledMemtables(control, rampMaxMemtables+1); n <= rampMaxMemtables+1 {
		t.Fatalf("without rampFlush the store holds %d memtables: the test no longer shows the problem", n)
	}

	dir := t.TempDir()
	s, err := Open(dir, Options{Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	preload(t, s)
	if n := settledMemtables(s, rampMaxMemtables+1); n > rampMaxMemtables+1 {
		t.Errorf("the store holds %d memtables, want at most %d", n, rampMaxMemtables+1)
	}
	readAll := func(s *Store) {
		t.Helper()
		for i := 0; i < youngRows; i += 997 {
			v, closer, err := s.DB().Get(youngKey(i))
			if err != nil {
				t.Fatalf("row %d: %v", i, err)
			}
			if len(v) != 100 {
				t.Fatalf("row %d: %d bytes", i, len(v))
			}
			_ = closer.Close()
		}
	}
	readAll(s)
	if err := s.Close(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	s, err = Open(dir, Options{Logger: quiet(), MustExist: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(10 * time.Second)
	readAll(s)
}

// BenchmarkPointGetYoungStore: a point read in a store just loaded with
// ~25 MB, of a row that is there (a point SELECT) and of one that is not
// (the key check before an INSERT), with Pebble's own flush policy and with
// rampFlush.
func BenchmarkPointGetYoungStore(b *testing.B) {
	for _, arm := range []struct {
		name    string
		on      bool
		present bool
	}{{"pebble/present", false, true}, {"rampflush/present", true, true}, {"pebble/absent", false, false}, {"rampflush/absent", true, false}} {
		b.Run(arm.name, func(b *testing.B) {
			s := openYoung(b, arm.on)
			preload(b, s)
			n := settledMemtables(s, rampMaxMemtables+1)
			rng := rand.New(rand.NewSource(1))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				key := youngKey(rng.Intn(youngRows))
				if !arm.present {
					key = absentKey(rng.Intn(youngRows))
				}
				_, closer, err := s.DB().Get(key)
				if err == nil {
					_ = closer.Close()
				} else if arm.present || !errors.Is(err, pebble.ErrNotFound) {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n), "memtables")
		})
	}
}
