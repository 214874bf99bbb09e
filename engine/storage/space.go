package storage

import (
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/cockroachdb/pebble/vfs"
)

// space keeps a store's writes from filling its disk. A write that fills
// the disk in Pebble's WAL fails the whole store, so writes are refused
// while what they would add, twice (WAL and, later, the table it is
// flushed to), would eat into a reserve kept for Pebble's own flushes and
// compactions and for small bookkeeping writes. The check reads free space
// at most every recheck and counts down what was admitted meanwhile.
type space struct {
	fs  vfs.FS
	dir string

	// full is set when a table file could not be written for want of
	// space; it clears when free space is seen above the reserve again.
	full atomic.Bool
	// fullSince is when full was last set (unix nanoseconds).
	fullSince atomic.Int64

	mu      sync.Mutex
	checked time.Time
	avail   int64 // at checked, less what was admitted since; -1: unknown
	total   int64
}

const recheck = 100 * time.Millisecond

func (sp *space) init(fs vfs.FS, dir string) {
	sp.fs, sp.dir, sp.avail = fs, dir, -1
}

// setFull marks the disk full; it reports whether it was not already.
func (sp *space) setFull() bool {
	sp.fullSince.Store(time.Now().UnixNano())
	return !sp.full.Swap(true)
}

// reserve is the free space writes must leave: 2% of the file system,
// within 4 MB and 256 MB.
func (sp *space) reserve() int64 {
	return min(max(sp.total/50, 4<<20), 256<<20)
}

// refresh reads the file system's free space. REQUIRES: sp.mu held.
func (sp *space) refresh(now time.Time) {
	sp.checked = now
	u, err := sp.fs.GetDiskUsage(sp.dir)
	if err != nil {
		sp.avail = -1 // a file system that cannot tell (in memory): no limit
		return
	}
	sp.avail, sp.total = int64(u.AvailBytes), int64(u.TotalBytes)
	// Full until free space shows again, and at least a second after the
	// last failed write: a quota fails writes while free space shows.
	if sp.full.Load() && sp.avail > 2*sp.reserve() && now.Sub(time.Unix(0, sp.fullSince.Load())) >= time.Second {
		sp.full.Store(false)
	}
}

// admit reports whether n more bytes of log may be written, and counts
// them against the free space if so.
func (sp *space) admit(n int64) bool {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	now := time.Now()
	fresh := now.Sub(sp.checked) >= recheck || sp.full.Load()
	if fresh {
		sp.refresh(now)
	}
	if sp.avail < 0 {
		return true
	}
	if sp.avail < 2*n+sp.reserve() && !fresh {
		sp.refresh(now) // be sure before refusing
	}
	if sp.full.Load() || sp.avail < 2*n+sp.reserve() {
		return false
	}
	sp.avail -= 2 * n
	return true
}

// CheckSpace refuses (with a NoSpace fault, the store staying healthy) a
// write of about n bytes that the disk has no room for.
func (s *Store) CheckSpace(n int64) *Fault {
	if s.space.admit(n) {
		return nil
	}
	return &Fault{Kind: NoSpace, Op: "write", Path: s.dir, Offset: -1, Err: syscall.ENOSPC, Store: s.dir}
}

// awaitSpace holds the creation of a table file while the disk is full,
// so that Pebble's retried flush does not spin: at least a second after the
// last failure, and then until free space is seen again (checked once a
// second; a quota can fail writes while free space shows, hence the
// second). It gives up when the store closes or fails.
func (s *Store) awaitSpace() error {
	for s.space.full.Load() {
		s.space.mu.Lock()
		s.space.refresh(time.Now())
		s.space.mu.Unlock()
		if !s.space.full.Load() {
			s.log.Info("disk space is available again")
			break
		}
		t := time.NewTimer(time.Second - time.Since(time.Unix(0, s.space.fullSince.Load()))%time.Second)
		select {
		case <-t.C:
		case <-s.closing:
			t.Stop()
			return errFenced
		case <-s.failed:
			t.Stop()
			return errFenced
		}
	}
	return nil
}
