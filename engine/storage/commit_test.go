package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"mirrordb/engine/txlog"
	"mirrordb/internal/faultfs"

	"github.com/cockroachdb/pebble"
)

// TestConcurrentCommits: many writers commit at once, so their fsyncs queue
// for the one goroutine that waits for them (Store.Commit). Every commit is
// acknowledged with its own LSN only once it is durable, the LSNs follow
// each other without a gap, and the log holds every commit's record in
// order (the pooled buffer each was encoded in was not reused too early).
func TestConcurrentCommits(t *testing.T) {
	db := openDB(t, "group")
	const writers, each = 8, 40
	var mu sync.Mutex
	seen := map[txlog.LSN]string{}
	concurrently(writers, each, func(w, i int) bool {
		key := fmt.Sprintf("t/w%d-%03d", w, i)
		lsn, err := putCommit(context.Background(), db, key, bytes.Repeat([]byte{byte('a' + w)}, 10+i))
		if err != nil {
			t.Error(err)
			return false
		}
		if d := db.DurableLSN(); d < lsn {
			t.Errorf("commit %d acknowledged with the durable LSN at %d", lsn, d)
		}
		mu.Lock()
		defer mu.Unlock()
		if prev, dup := seen[lsn]; dup {
			t.Errorf("LSN %d given to %s and %s", lsn, prev, key)
		}
		seen[lsn] = key
		return true
	})
	if t.Failed() {
		return
	}
	if n := txlog.LSN(writers * each); db.EndLSN() != n || db.DurableLSN() != n || len(seen) != int(n) {
		t.Fatalf("end %d, durable %d, %d LSNs after %d commits", db.EndLSN(), db.DurableLSN(), len(seen), n)
	}
	next := txlog.LSN(1)
	if err := db.ReadLog(1, db.EndLSN(), func(lsn txlog.LSN, enc []byte) error {
		rec, err := txlog.Decode(enc)
		if err != nil {
			return err
		}
		if lsn != next || rec.LSN != lsn || len(rec.Ops) != 1 || string(rec.Ops[0].Key) != seen[lsn] {
			return fmt.Errorf("log record at %d (expected %d) is %d with %d ops, want the write of %s", lsn, next, rec.LSN, len(rec.Ops), seen[lsn])
		}
		next++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// TestConcurrentCommitsOnFailingDisk: writers commit at once while the
// WAL's fsync starts failing. Every commit returns (none waits forever in
// the queue behind the failed fsync); one acknowledged is durable; the
// fault reaches the others (at Begin or Commit, as SQL Server's error),
// and every commit after them.
func TestConcurrentCommitsOnFailingDisk(t *testing.T) {
	for name, fail := range map[string]func(*faultfs.FS){
		"fsync error": func(fs *faultfs.FS) {
			fs.Inject(faultfs.Rule{Op: faultfs.Sync, Match: faultfs.Suffix(".log", commitLogName), Err: syscall.EIO})
		},
		"full disk": func(fs *faultfs.FS) { fs.SetFull(true) },
	} {
		t.Run(name, func(t *testing.T) { commitsOnFailingDisk(t, fail) })
	}
}

func commitsOnFailingDisk(t *testing.T, fail func(*faultfs.FS)) {
	fs := faultfs.New(1)
	db := openDBOn(t, "failing", fs)
	const writers, each = 8, 30
	var acked, refused atomic.Int64
	concurrently(writers, each, func(w, i int) bool {
		if w == 0 && i == each/3 {
			fail(fs)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		lsn, err := putCommit(ctx, db, fmt.Sprintf("t/w%d-%03d", w, i), []byte("v"))
		switch {
		case errors.Is(err, context.DeadlineExceeded):
			t.Errorf("a commit waited 20 s on a failed disk")
			return false
		case err == nil:
			if d := db.DurableLSN(); d < lsn {
				t.Errorf("commit %d acknowledged with the durable LSN at %d", lsn, d)
			}
			acked.Add(1)
		default:
			refused.Add(1)
		}
		return true
	})
	if refused.Load() == 0 {
		t.Fatalf("no commit failed (%d acknowledged)", acked.Load())
	}
	if _, err := putCommit(context.Background(), db, "t/after", []byte("v")); err == nil {
		t.Fatal("a commit after the failure was acknowledged")
	}
}

// concurrently runs fn(w, i) for i in [0, each) on each of writers
// goroutines, a writer stopping when fn returns false, and waits for them.
func concurrently(writers, each int, fn func(w, i int) bool) {
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each && fn(w, i); i++ {
			}
		}()
	}
	wg.Wait()
}

// putCommit commits one transaction setting key to value.
func putCommit(ctx context.Context, db *DB, key string, value []byte) (txlog.LSN, error) {
	tx, err := db.Begin(ctx, -1)
	if err != nil {
		return 0, err
	}
	if err := tx.Put([]byte(key), value); err != nil {
		tx.Rollback()
		return 0, err
	}
	return tx.Commit(ctx)
}

// TestCommitOnStalledDisk: while the commit log's fsync hangs, the commit
// that writes it (the first of its group) waits for the disk, as a
// PostgreSQL backend in fsync does; the commits queued behind it are not
// acknowledged: each returns its context's error (bounded, in doubt) and
// the durable LSN stays put. Once the disk resumes, the fsyncs complete,
// the first commit returns and the durable LSN catches up.
func TestCommitOnStalledDisk(t *testing.T) {
	fs, db := openSyncedOn(t, "stalled")
	defer fs.Stall(false)
	durable := db.DurableLSN()
	fs.Stall(true)
	first := make(chan error, 1)
	go func() {
		_, err := putCommit(context.Background(), db, "t/stalled-first", []byte("v"))
		first <- err
	}()
	started, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	db.WaitWALFlush(started, durable+1, nil) // the first commit is in its flush
	cancel()
	if !db.WALFlushStarted(durable + 1) {
		t.Fatal("the first commit's flush did not start")
	}
	for i := range 3 {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		_, err := putCommit(ctx, db, fmt.Sprintf("t/stalled%d", i), []byte("v"))
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("commit %d on a stalled disk: %v, want the deadline", i, err)
		}
		if d := db.DurableLSN(); d != durable {
			t.Fatalf("durable LSN moved to %d on a stalled disk", d)
		}
	}
	select {
	case err := <-first:
		t.Fatalf("the commit in the stalled fsync returned: %v", err)
	default:
	}
	fs.Stall(false)
	if err := <-first; err != nil {
		t.Fatalf("the commit in the stalled fsync, once the disk resumed: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	lsn, err := putCommit(ctx, db, "t/after", []byte("v"))
	if err != nil || db.DurableLSN() < lsn || lsn != durable+5 {
		t.Fatalf("commit after the stall: LSN %d, %v, durable %d", lsn, err, db.DurableLSN())
	}
}

// openSyncedOn opens a database on a fault-injecting file system with one
// commit in it and its WAL synced past that commit (a synced write of its
// own), so that a stall then catches only the commits that follow.
func openSyncedOn(t *testing.T, name string) (*faultfs.FS, *DB) {
	t.Helper()
	fs := faultfs.New(1)
	db := openDBOn(t, name, fs)
	if _, err := putCommit(context.Background(), db, "t/before", []byte("v")); err != nil {
		t.Fatal(err)
	}
	if err := db.Store().DB().LogData(nil, pebble.Sync); err != nil {
		t.Fatal(err)
	}
	return fs, db
}

// openDBOn opens a database on fs, closed when the test ends.
func openDBOn(t *testing.T, name string, fs *faultfs.FS) *DB {
	t.Helper()
	db, err := OpenDB(Config{Dir: filepath.Join(t.TempDir(), name), Name: name, ID: 5, Create: true, Logger: quiet(), FS: fs})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}
