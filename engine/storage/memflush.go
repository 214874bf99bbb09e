package storage

import (
	"sync"
	"sync/atomic"

	"github.com/cockroachdb/pebble"
	"github.com/cockroachdb/pebble/bloom"
)

// A young Pebble store starts its memtables at 256 KB and doubles each next
// one up to MemTableSize, but flushes only once the immutable ones add up to
// half of MemTableSize. With 64 MB memtables (see Open) a store that has
// taken less than ~128 MB of writes since it opened holds up to eight
// memtables, and every point read (a primary key check before each INSERT,
// a point SELECT) seeks each one's skiplist. rampFlush flushes such a
// store early, off the commit path, whenever it holds more than
// rampMaxMemtables memtables while they are still growing. Once the
// memtables have reached full size Pebble's own policy keeps their number
// at one or two and rampFlush stops looking.
type rampFlush struct {
	// mu is held while a check runs; close takes it before closing Pebble
	// so that no flush starts on a closed store.
	mu      sync.Mutex
	written atomic.Int64 // bytes committed since the last check
	running atomic.Bool  // a check goroutine is on its way
	over    atomic.Bool  // the memtables have reached full size
	full    uint64       // MemTableSize
}

const (
	// rampMaxMemtables is how many memtables (the mutable one included)
	// a growing store may hold before rampFlush flushes it.
	rampMaxMemtables = 2
	// rampCheckBytes is how many bytes a store takes between checks: the
	// smallest memtable holds 256 KB, and a check reads Pebble's metrics.
	rampCheckBytes = 64 << 10
)

// noteWritten counts n bytes about to be committed and, every
// rampCheckBytes, starts a check on a goroutine of its own (at most one at
// a time). It costs a commit one atomic add, and nothing once the ramp is
// over.
func (s *Store) noteWritten(n int) {
	r := &s.ramp
	if r.over.Load() || r.written.Add(int64(n)) < rampCheckBytes {
		return
	}
	if !r.running.CompareAndSwap(false, true) {
		return
	}
	r.written.Store(0)
	go s.checkRamp()
}

// checkRamp flushes the store when it holds too many growing memtables.
// The flush is asynchronous: Pebble only rotates the mutable memtable
// here, under its commit lock, and writes the tables in the background.
func (s *Store) checkRamp() {
	r := &s.ramp
	defer r.running.Store(false)
	r.mu.Lock()
	defer r.mu.Unlock()
	select {
	case <-s.closing:
		return
	default:
	}
	if s.Fault() != nil {
		return
	}
	m := s.db.Metrics()
	if m.MemTable.Size >= r.full {
		// A full-size memtable is queued: the ramp is over, and Pebble's
		// own flushes keep the count low from here on.
		r.over.Store(true)
		return
	}
	if m.MemTable.Count <= rampMaxMemtables {
		return
	}
	// A failed flush is a failed store (guarded), as any other write.
	_ = s.guarded("flush", func() error {
		_, err := s.db.AsyncFlush()
		return err
	})
}

// bloomBitsPerKey sizes the bloom filter of every sstable: a point read of
// a key that is not there (the key check before each INSERT) then skips a
// table's data block instead of searching it. Ten bits a key keep false
// positives near 1 %.
const bloomBitsPerKey = 10

// tuneReads sets the options that make point reads cheap.
func tuneReads(opts *pebble.Options) {
	for i := range opts.Levels {
		opts.Levels[i].FilterPolicy = bloom.FilterPolicy(bloomBitsPerKey)
		opts.Levels[i].FilterType = pebble.TableFilter
	}
}
