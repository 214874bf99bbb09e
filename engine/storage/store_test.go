package storage

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"syscall"
	"testing"
	"time"

	"github.com/cockroachdb/pebble"

	"mirrordb/internal/faultfs"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// open opens a store in dir on fs and reports its faults on the returned
// channel.
func open(t *testing.T, dir string, fs *faultfs.FS) (*Store, chan *Fault) {
	t.Helper()
	faults := make(chan *Fault, 4)
	o := Options{Logger: quiet(), OnFault: func(f *Fault) { faults <- f }}
	if fs != nil {
		o.FS = fs
	}
	s, err := Open(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	return s, faults
}

// commit commits one key, ending the log one LSN further as a
// database's commit does, and waits for its fsync (or the store's
// failure).
func commit(s *Store, key, val string) error {
	end, err := recoverEndLSN(s.DB())
	if err != nil {
		return err
	}
	b := s.DB().NewBatch()
	_ = b.Set([]byte(key), []byte(val), nil)
	var e [8]byte
	binary.BigEndian.PutUint64(e[:], end+1)
	_ = b.Set(endLSNKey, e[:], nil)
	synced := make(chan error, 1)
	if err := s.Commit(b, end+1, end+1, func(err error) { synced <- err }); err != nil {
		return err
	}
	s.Flush()
	select {
	case err := <-synced:
		return err
	case <-s.Failed():
		return s.Fault()
	}
}

func within(t *testing.T, limit time.Duration, what string, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	select {
	case <-done:
	case <-time.After(limit):
		t.Fatalf("%s did not return within %s", what, limit)
	}
}

// TestFailedWALWriteFailsStoreAndReopens: a WAL write fails. The commit
// gets the fault (never a hang), so do later commits (Pebble's pipeline
// would panic or wedge on them), the store closes within its bound, and
// the directory reopens with exactly what was durable.
func TestFailedWALWriteFailsStoreAndReopens(t *testing.T) {
	dir := t.TempDir()
	fs := faultfs.New(1)
	s, faults := open(t, dir, fs)
	if err := commit(s, "a", "durable"); err != nil {
		t.Fatal(err)
	}
	fs.Inject(faultfs.Rule{Op: faultfs.Write, Match: faultfs.Suffix(".log", commitLogName), Err: syscall.EIO})
	var f *Fault
	within(t, 5*time.Second, "the failing commit", func() {
		if err := commit(s, "b", "lost"); !errors.As(err, &f) || f.Kind != IOError {
			t.Errorf("commit on a failing WAL: %v, want an I/O fault", err)
		}
	})
	if f == nil || f.Path == "" || f.Store != dir {
		t.Fatalf("fault %+v does not name its file and store", f)
	}
	select {
	case got := <-faults:
		if got != s.Fault() {
			t.Fatalf("OnFault got %v, the store says %v", got, s.Fault())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("OnFault was not called")
	}
	fs.Clear()
	within(t, 5*time.Second, "a commit on the failed store", func() {
		if err := commit(s, "c", "refused"); !IsFault(err) {
			t.Errorf("commit on a failed store: %v, want its fault", err)
		}
	})
	within(t, 5*time.Second, "a write on the failed store", func() {
		err := s.Write(context.Background(), "set", func(db *pebble.DB) error { return db.Set([]byte("d"), nil, pebble.Sync) })
		if !IsFault(err) {
			t.Errorf("write on a failed store: %v, want its fault", err)
		}
	})
	within(t, 3*time.Second, "Close of the failed store", func() { _ = s.Close(time.Second) })

	s2, _ := open(t, dir, nil)
	defer s2.Close(time.Second)
	if v, c, err := s2.DB().Get([]byte("a")); err != nil || string(v) != "durable" {
		t.Fatalf("reopened store lost the durable key: %q %v", v, err)
	} else {
		c.Close()
	}
	if err := commit(s2, "e", "new"); err != nil {
		t.Fatalf("commit on the reopened store: %v", err)
	}
}

// TestWriteReturnsWhenStoreFails: a durable write stuck on a stalled
// fsync returns as soon as the store fails, and its context can end the
// wait too.
func TestWriteReturnsWhenStoreFails(t *testing.T) {
	fs := faultfs.New(1)
	s, _ := open(t, t.TempDir(), fs)
	defer fs.Clear()
	fs.Stall(true)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	set := func(db *pebble.DB) error { return db.Set([]byte("k"), []byte("v"), pebble.Sync) }
	if err := s.Write(ctx, "set", set); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("write on a stalled disk with a deadline: %v", err)
	}
	go func() {
		time.Sleep(100 * time.Millisecond)
		s.Fail(&Fault{Kind: IOError, Op: "test", Offset: -1, Err: syscall.EIO})
	}()
	within(t, 5*time.Second, "a write on a store that fails", func() {
		if err := s.Write(context.Background(), "set", set); !IsFault(err) {
			t.Errorf("write: %v, want the fault", err)
		}
	})
}

// TestFatalf: Pebble's fatal-error hook fails the store; it panics with
// the fault where the caller recovers (Protect), and parks a goroutine of
// Pebble's own instead of killing the process.
func TestFatalf(t *testing.T) {
	s, _ := open(t, t.TempDir(), nil)
	defer s.Close(time.Second)
	err := Protect(func() error {
		storeLogger{s}.Fatalf("pebble: MANIFEST sync failed: %v", syscall.EIO)
		return nil
	})
	var f *Fault
	if !errors.As(err, &f) || f.Kind != IOError || s.Fault() == nil {
		t.Fatalf("Fatalf under Protect: %v (store fault %v)", err, s.Fault())
	}
	returned := make(chan struct{})
	go func() { // as a Pebble background goroutine would
		storeLogger{s}.Fatalf("pebble: background: %v", syscall.ENOSPC)
		close(returned)
	}()
	select {
	case <-returned:
		t.Fatal("Fatalf returned on a background goroutine")
	case <-time.After(200 * time.Millisecond):
	}
}

// TestFencedFiles: once a store failed, its files refuse reads at once and
// park writes, and its directory lock is released so the directory can
// be reopened in the same process.
func TestFencedFiles(t *testing.T) {
	dir := t.TempDir()
	s, _ := open(t, dir, nil)
	s.Fail(&Fault{Kind: IOError, Op: "test", Offset: -1, Err: syscall.EIO})
	if _, err := s.fs.Open(dir + "/CURRENT"); !errors.Is(err, errFenced) {
		t.Fatalf("open on a fenced store: %v", err)
	}
	parked := make(chan struct{})
	go func() {
		_, _ = s.fs.Create(dir + "/never")
		close(parked)
	}()
	select {
	case <-parked:
		t.Fatal("a write on a fenced store went through")
	case <-time.After(100 * time.Millisecond):
	}
	s2, _ := open(t, dir, nil) // the lock is free
	_ = s2.Close(time.Second)
}

// TestCheckSpace: writes are refused while they would eat into the
// reserve, and admitted again once space returns.
func TestCheckSpace(t *testing.T) {
	fs := faultfs.New(1)
	s, _ := open(t, t.TempDir(), fs)
	defer s.Close(time.Second)
	if f := s.CheckSpace(1 << 20); f != nil {
		t.Fatalf("1 MB refused on a disk with space: %v", f)
	}
	free := s.space.reserve() + 1<<20 // the reserve and 1 MB
	fs.SetAvailable(free)
	time.Sleep(recheck)
	if f := s.CheckSpace(1 << 20); f == nil || f.Kind != NoSpace {
		t.Fatalf("1 MB admitted with %d bytes free (reserve %d): %v", free, s.space.reserve(), f)
	}
	if f := s.CheckSpace(0); f != nil {
		t.Fatalf("an empty write refused with %d bytes free (reserve %d): %v", free, s.space.reserve(), f)
	}
	fs.SetAvailable(-1)
	if f := s.CheckSpace(1 << 20); f != nil {
		t.Fatalf("1 MB refused once space returned: %v", f)
	}
}
