package storage

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/cockroachdb/pebble"

	"mirrordb/sqlerr"
)

// TestLockForCheckpointWaits: while a writer that has written no part
// holds the writer lock, a checkpoint's wait is bounded (Msg 1222) and
// cancellable; once the writer opens a tail of parts, the waiting
// checkpoint gets the part latch instead, the writer's next part waits
// for it, and a checkpoint taken then opens as the committed state.
func TestLockForCheckpointWaits(t *testing.T) {
	db := openDB(t, "latch")
	db.SetPartBytes(2000)
	put(t, db, "t/load/committed", "old")
	start := db.EndLSN()
	tx, err := db.Begin(context.Background(), -1)
	if err != nil {
		t.Fatal(err)
	}
	writeRows(t, tx, 0, 1) // below the part size: no tail yet
	if _, err := db.LockForCheckpoint(context.Background(), 20*time.Millisecond); !sqlerr.Is(err, 1222) {
		t.Fatalf("waiting behind a writer without parts: %v, want Msg 1222", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := db.LockForCheckpoint(ctx, -1); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled wait: %v", err)
	}

	got := make(chan func(), 1)
	go func() {
		release, err := db.LockForCheckpoint(context.Background(), time.Minute)
		if err != nil {
			t.Error(err)
		}
		got <- release
	}()
	// The writer runs on its own: the waiter may take the latch as soon as
	// the tail opens, before the first part is applied, and then that
	// part waits for the latch (writing here would deadlock the test).
	wrote, latched := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(wrote)
		n := 1
		for ; db.OpenTxn() == 0; n++ { // up to the first part: the waiter takes the latch
			writeRows(t, tx, n, 1)
		}
		<-latched
		writeRows(t, tx, n, 100)
	}()
	release := <-got
	close(latched)
	if release == nil {
		t.FailNow()
	}
	if db.CommittedEnd() != start {
		t.Fatalf("committed end %d during the load, want %d", db.CommittedEnd(), start)
	}
	end := db.EndLSN() // no part applies while the latch is held
	dir := filepath.Join(t.TempDir(), "ckpt")
	if err := db.Write(context.Background(), "checkpoint", func(kv *pebble.DB) error {
		return kv.Checkpoint(dir, pebble.WithFlushedWAL())
	}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-wrote:
		t.Fatal("the writer wrote its parts while the checkpoint held the part latch")
	case <-time.After(50 * time.Millisecond):
	}
	if db.EndLSN() != end {
		t.Fatalf("a part was applied under the latch: end %d, was %d", db.EndLSN(), end)
	}
	release()
	<-wrote
	if _, err := tx.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}

	// The checkpoint holds the open tail and undoes it at open.
	ck, err := OpenDB(Config{Dir: dir, Name: "ckpt", ID: 6, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer ck.Close()
	if ck.EndLSN() != start || ck.OpenTxn() != 0 {
		t.Fatalf("the checkpoint opens at %d with open tail %d, want %d and none", ck.EndLSN(), ck.OpenTxn(), start)
	}
	if n := readers(t, ck, "t/load/"); n != 1 {
		t.Fatalf("the checkpoint holds %d rows, want the 1 committed", n)
	}
	release, err = db.LockForCheckpoint(context.Background(), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	release()
}

// TestCommittedSnapshot: a whole-store reader (DBCC) gets the committed
// state: during a load the state before its first part, whether its own
// snapshot was taken before the load or after a part; and when the load ended
// after the reader took its snapshot (which holds parts), a new one.
func TestCommittedSnapshot(t *testing.T) {
	db := openDB(t, "snap")
	if !db.Pin() {
		t.Fatal("closed")
	}
	defer db.Unpin()
	count := func(live *pebble.Snapshot) int {
		snap, release := db.CommittedSnapshot(live)
		defer release()
		return countPrefix(t, snap, "t/load/")
	}
	put(t, db, "t/load/committed", "old")
	before := db.KV().NewSnapshot()
	defer before.Close()
	_, tx := startLoad(t, db, "t/load/other")
	during := db.KV().NewSnapshot()
	defer during.Close()
	if n, m := count(before), count(during); n != 2 || m != 2 {
		t.Fatalf("during the load: %d and %d rows, want the 2 committed", n, m)
	}
	if _, err := tx.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := count(during); n != 302 {
		t.Fatalf("after the commit, from a snapshot taken during the load: %d rows, want 302", n)
	}
}
