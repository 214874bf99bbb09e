package storage

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"mirrordb/internal/faultfs"
)

// TestRecoverWaitsForAFencedCreate: a failed store's flush that passed
// the fence check just before the store failed, and is creating its table
// file, keeps the directory from its successor until the creation ended:
// else the file, numbered from the failed store's counter, could truncate
// the successor's file of the same number ("file size is too small").
func TestRecoverWaitsForAFencedCreate(t *testing.T) {
	disk := faultfs.New(1)
	db := openDBOn(t, "d", disk)
	put(t, db, "t/k", "v")

	creating := make(chan string, 1)
	resume := make(chan struct{})
	disk.Inject(faultfs.Rule{Op: faultfs.Create, Count: 1, Hang: resume, Match: func(p string) bool {
		if !strings.HasSuffix(p, ".sst") {
			return false
		}
		creating <- p
		return true
	}})
	old := db.Store()
	go func() { _ = old.DB().Flush() }() // parks for good once it writes: the store is abandoned
	table := <-creating                  // past the fence check, inside the disk's create
	old.Fail(&Fault{Kind: IOError, Op: "test", Offset: -1, Err: syscall.EIO})

	recovered := make(chan error, 1)
	go func() { recovered <- db.Recover() }()
	select {
	case err := <-recovered:
		t.Fatalf("the directory was reopened (%v) while the failed store was still creating %s", err, filepath.Base(table))
	case <-time.After(200 * time.Millisecond):
	}
	close(resume)
	if err := <-recovered; err != nil {
		t.Fatalf("recover once the creation ended: %v", err)
	}
	if db.Store() == old || db.Health() != Serving {
		t.Fatalf("after Recover: health %s, store replaced %t", db.Health(), db.Store() != old)
	}
	put(t, db, "t/k", "w")
}

// TestAwaitDrainedIsBounded: a write of a fenced store that does not end
// (a hung disk) makes the wait for it fail after its bound: Recover then
// fails rather than wait for ever or open the directory under it.
// TestAwaitDrainedIsBounded: a write of a fenced store that does not end
// (a hung disk) makes the wait for it fail after its bound: Recover then
// fails rather than wait for ever or open the directory under it.
func TestAwaitDrainedIsBounded(t *testing.T) {
	g := newGuardFS(nil, t.TempDir(), func(*Fault) {}, nil)
	end := g.writing()
	g.fence()
	if err := g.awaitDrained(10 * time.Millisecond); err == nil {
		t.Fatal("a fenced store with a write in flight counts as drained")
	}
	end()
	if err := g.awaitDrained(time.Minute); err != nil {
		t.Fatal(err)
	}
}
