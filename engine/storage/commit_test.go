package storage

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"

	"mirrordb/engine/txlog"
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
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				key := fmt.Sprintf("t/w%d-%03d", w, i)
				tx, err := db.Begin(context.Background(), -1)
				if err == nil {
					err = tx.Put([]byte(key), bytes.Repeat([]byte{byte('a' + w)}, 10+i))
				}
				var lsn txlog.LSN
				if err == nil {
					lsn, err = tx.Commit(context.Background())
				}
				if err != nil {
					t.Error(err)
					return
				}
				if d := db.DurableLSN(); d < lsn {
					t.Errorf("commit %d acknowledged with the durable LSN at %d", lsn, d)
				}
				mu.Lock()
				if prev, dup := seen[lsn]; dup {
					t.Errorf("LSN %d given to %s and %s", lsn, prev, key)
				}
				seen[lsn] = key
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
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
