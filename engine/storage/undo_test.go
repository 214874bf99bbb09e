package storage

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"testing"
	"time"
)

// TestUndoToBoundedMemory: undoing a multi-part load's worth of log (rule
// 5 on a returning principal) streams it: the heap grows by about one undo
// batch, not by the log it undoes. 48 MB of rows are overwritten in parts
// (96 MB of images in the log); reading it all back, as UndoTo once did,
// grew the heap by 208 MB; streaming, by about 60.
func TestUndoToBoundedMemory(t *testing.T) {
	db := openDB(t, "undo")
	db.SetPartBytes(1 << 20)
	const rows, size = 768, 64 << 10
	write := func(fill byte) {
		tx, err := db.Begin(context.Background(), -1)
		if err != nil {
			t.Fatal(err)
		}
		for i := range rows {
			if err := tx.Put(fmt.Appendf(nil, "t/undo/%04d", i), bytes.Repeat([]byte{fill}, size)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := tx.Commit(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	write('a')
	lsn := db.EndLSN()
	write('b') // one transaction in 48 parts
	if db.EndLSN() < lsn+40 {
		t.Fatalf("the overwrite wrote %d records, want parts", db.EndLSN()-lsn)
	}

	defer debug.SetGCPercent(debug.SetGCPercent(10))
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak atomic.Uint64
	stop, sampled := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(sampled)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > peak.Load() {
				peak.Store(m.HeapAlloc)
			}
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	err := db.UndoTo(context.Background(), lsn)
	close(stop)
	<-sampled
	if err != nil {
		t.Fatal(err)
	}
	growth := int64(peak.Load()) - int64(base.HeapAlloc)
	t.Logf("undoing %d records (%d MB of images) grew the heap by %d MB", 48, 2*rows*size>>20, growth>>20)
	if growth > 80<<20 {
		t.Fatalf("undo grew the heap by %d MB, want at most 80 MB (about one undo batch)", growth>>20)
	}
	if db.EndLSN() != lsn || db.OpenTxn() != 0 {
		t.Fatalf("after the undo: end %d, open tail %d; want %d and none", db.EndLSN(), db.OpenTxn(), lsn)
	}
	v, ok, err := db.Get([]byte("t/undo/0100"))
	if err != nil || !ok || v[0] != 'a' {
		t.Fatalf("t/undo/0100 after the undo: %.1q %v %v", v, ok, err)
	}
}
