package storage

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/pebble"
	"github.com/cockroachdb/pebble/vfs"
)

// crashCopy copies the files of a live store to a new directory: what a
// crash (or a power cut after the last fsync) leaves on disk.
func crashCopy(t *testing.T, dir string) string {
	t.Helper()
	to := t.TempDir()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() || e.Name() == "LOCK" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return to
}

// walTail is the size of dir's only WAL and whether its last walFillLow
// bytes are zeros.
// syncedSet writes one key through Pebble's WAL and waits for its fsync,
// as DB.Set and an undo do (commits go to the commit log).
func syncedSet(s *Store, key, val string) error {
	b := s.DB().NewBatch()
	_ = b.Set([]byte(key), []byte(val), nil)
	return s.Apply(context.Background(), b)
}

func walTail(t *testing.T, dir string) (int, bool) {
	t.Helper()
	logs, _ := filepath.Glob(filepath.Join(dir, "*.log"))
	if len(logs) != 1 {
		t.Fatalf("WALs in %s: %v, want one", dir, logs)
	}
	b, err := os.ReadFile(logs[0])
	if err != nil {
		t.Fatal(err)
	}
	return len(b), len(b) >= walFillLow && bytes.Count(b[len(b)-walFillLow:], []byte{0}) == walFillLow
}

// TestWALZeroedAheadSurvivesCrash: a store's WAL is zero-filled ahead of
// its writes, and a crash at any point leaves a directory that opens with
// every synced commit: the newest WAL's zeroed tail reads as its end,
// across several extensions of the fill, and again after a reopen.
func TestWALZeroedAheadSurvivesCrash(t *testing.T) {
	dir := t.TempDir()
	s, _ := open(t, dir, nil)
	if err := syncedSet(s, "k0000", "first"); err != nil {
		t.Fatal(err)
	}
	if size, zeros := walTail(t, dir); size < walFillChunk || !zeros {
		t.Fatalf("WAL is %d bytes after one commit (a zeroed tail: %v), want it zero-filled to at least %d", size, zeros, walFillChunk)
	}
	// 3 MB of log: the fill is extended a few times under the writes.
	val := strings.Repeat("v", 32<<10)
	const n = 96
	for i := 1; i < n; i++ {
		if err := syncedSet(s, fmt.Sprintf("k%04d", i), val); err != nil {
			t.Fatal(err)
		}
	}
	// Pebble's first memtables are small, so its WAL switched files
	// (some recycled) on the way: every one was zero-filled ahead.
	logs, _ := filepath.Glob(filepath.Join(dir, "*.log"))
	for _, l := range logs {
		if st, err := os.Stat(l); err != nil || st.Size() < walFillChunk {
			t.Fatalf("WAL %s is not zero-filled ahead: %v %v", l, st, err)
		}
	}
	crashed := crashCopy(t, dir)
	_ = s.Close(time.Second)

	check := func(s *Store, want int) {
		t.Helper()
		for i := 0; i < want; i++ {
			v, c, err := s.DB().Get([]byte(fmt.Sprintf("k%04d", i)))
			if err != nil {
				t.Fatalf("key %d after the crash: %v", i, err)
			}
			c.Close()
			if i > 0 && len(v) != len(val) {
				t.Fatalf("key %d has %d bytes", i, len(v))
			}
		}
	}
	s2, _ := open(t, crashed, nil)
	check(s2, n)
	// A commit on the recovered store, then a second crash: the store
	// wrote a new WAL beside the one it replayed.
	if err := syncedSet(s2, fmt.Sprintf("k%04d", n), val); err != nil {
		t.Fatal(err)
	}
	again := crashCopy(t, crashed)
	_ = s2.Close(time.Second)
	s3, _ := open(t, again, nil)
	defer s3.Close(time.Second)
	check(s3, n+1)
}

// TestWALRotationWithZeroedTail: Pebble replays a WAL that is not the
// newest strictly (a bad tail is corruption, not the end). A crash just
// after Pebble switched to a new WAL, before the old one's memtable was
// flushed, leaves such an old WAL with its zeroed region after the EOF
// trailer Pebble wrote when it closed it; the store must open from it
// with every key.
func TestWALRotationWithZeroedTail(t *testing.T) {
	dir := t.TempDir()
	var crashed string
	var armed bool // set once the writes are in: the next new WAL is the switch
	opts := &pebble.Options{
		FS:     newGuardFS(vfs.Default, dir, func(f *Fault) { t.Errorf("fault: %v", f) }, nil),
		Logger: storeLogger{&Store{log: quiet()}},
		EventListener: &pebble.EventListener{WALCreated: func(info pebble.WALCreateInfo) {
			if armed && crashed == "" {
				crashed = crashCopy(t, dir) // the old WAL is closed, its memtable not yet flushed
			}
		}},
	}
	db, err := pebble.Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		if err := db.Set([]byte(fmt.Sprintf("k%03d", i)), []byte("v"), pebble.Sync); err != nil {
			t.Fatal(err)
		}
	}
	armed = true
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	_ = db.Close()
	if crashed == "" {
		t.Fatal("Pebble never switched to a new WAL")
	}
	logs, _ := filepath.Glob(filepath.Join(crashed, "*.log"))
	if len(logs) < 2 {
		t.Fatalf("the copy holds WALs %v, want the old and the new", logs)
	}
	if st, err := os.Stat(logs[0]); err != nil || st.Size() < walFillChunk {
		t.Fatalf("the old WAL %s is not zero-filled ahead: %v %v", logs[0], st, err)
	}
	opts.EventListener = nil
	opts.FS = newGuardFS(vfs.Default, crashed, func(f *Fault) { t.Errorf("fault: %v", f) }, nil)
	db, err = pebble.Open(crashed, opts)
	if err != nil {
		t.Fatalf("open after a crash at the WAL switch: %v", err)
	}
	defer db.Close()
	for i := 0; i < 100; i++ {
		if _, c, err := db.Get([]byte(fmt.Sprintf("k%03d", i))); err != nil {
			t.Fatalf("key %d: %v", i, err)
		} else {
			c.Close()
		}
	}
}

// TestCheckpointCarriesNoZeros: a checkpoint (what BACKUP copies) of a
// store whose WAL is zero-filled copies the WAL only as far as Pebble
// wrote it, is not zero-filled itself, and opens with every key.
func TestCheckpointCarriesNoZeros(t *testing.T) {
	dir := t.TempDir()
	s, _ := open(t, dir, nil)
	defer s.Close(time.Second)
	if err := syncedSet(s, "k", "v"); err != nil {
		t.Fatal(err)
	}
	cp := filepath.Join(t.TempDir(), "cp")
	if err := s.DB().Checkpoint(cp, pebble.WithFlushedWAL()); err != nil {
		t.Fatal(err)
	}
	logs, _ := filepath.Glob(filepath.Join(cp, "*.log"))
	if len(logs) == 0 {
		t.Fatal("the checkpoint holds no WAL")
	}
	for _, l := range logs {
		if st, err := os.Stat(l); err != nil || st.Size() >= walFillLow {
			t.Fatalf("the checkpoint's WAL %s carries the zeros: %v %v", l, st, err)
		}
	}
	c, _ := open(t, cp, nil)
	defer c.Close(time.Second)
	if v, cl, err := c.DB().Get([]byte("k")); err != nil || string(v) != "v" {
		t.Fatalf("the checkpoint lost the key: %q %v", v, err)
	} else {
		cl.Close()
	}
}
