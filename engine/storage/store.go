package storage

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble"
	"github.com/cockroachdb/pebble/vfs"
)

// Options configures a Store.
type Options struct {
	// Cache is the block cache, shared by every store of an instance.
	Cache *pebble.Cache
	// Logger receives the store's own messages.
	Logger *slog.Logger
	// FS is the file system under the store (tests wrap it to inject
	// faults); default the operating system's.
	FS vfs.FS
	// OnFault is called once, on a goroutine of its own, when the store
	// fails (see Store.Fail).
	OnFault func(*Fault)
	// MustExist refuses to create a store that is not there.
	MustExist bool
	// OnWALFlush, if set, is called as each write to the store's WAL
	// starts (the write an fsync follows), on the goroutine that runs it
	// (walflush.go).
	OnWALFlush func()
}

// Store is one open Pebble store with its failure handling. Once a write,
// an fsync or Pebble itself fails, the store is failed for good: it is
// fenced (its files refuse reads and park writes), every waiter on it gets
// the Fault, and its owner opens a new Store on the same directory to
// recover from the WAL. Nothing is ever retried on a failed store.
type Store struct {
	dir     string
	db      *pebble.DB
	fs      *guardFS
	inner   vfs.FS
	log     *slog.Logger
	onFault func(*Fault)

	failed    chan struct{}
	failOnce  sync.Once
	fault     atomic.Pointer[Fault]
	closing   chan struct{}
	closeOnce sync.Once
	closeErr  error

	space space

	// clog is the ring the commits' fsyncs go to (commitlog.go).
	clog *commitLog
}

// MemTableSize is the largest memtable a store's Pebble grows to (it
// starts smaller and doubles). The engine sizes the shared block cache's
// room for memtables by it (engine/cache.go).
const MemTableSize = 64 << 20

// Open opens (creating if needed) the store in dir. Memtables grow to
// 64 MB and L0 takes more files before compacting than Pebble's defaults:
// a mirror catching up writes its log twice (effects and record), and the
// defaults spent most of that time rewriting L0 (catch-up went from 74 to
// about 110 MB/s; see BENCHMARKS.md).
func Open(dir string, o Options) (s *Store, err error) {
	if o.FS == nil {
		o.FS = vfs.Default
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	s = &Store{dir: dir, inner: o.FS, log: o.Logger.With("store", dir), onFault: o.OnFault,
		failed: make(chan struct{}), closing: make(chan struct{})}
	s.space.init(o.FS, dir)
	s.fs = newGuardFS(o.FS, dir, s.noteFault, s.awaitSpace)
	s.fs.onWALFlush = o.OnWALFlush
	opts := &pebble.Options{
		FS:                 s.fs,
		Cache:              o.Cache,
		FormatMajorVersion: pebble.FormatNewest,
		MemTableSize:       MemTableSize,
		// Headroom for a commit in flight when a flush fails (see Commit).
		MemTableStopWritesThreshold: 4,
		L0CompactionThreshold:       8,
		L0StopWritesThreshold:       64,
		LBaseMaxBytes:               512 << 20,
		Logger:                      storeLogger{s},
		ErrorIfNotExists:            o.MustExist,
		EventListener:               &pebble.EventListener{BackgroundError: s.backgroundError},
	}
	opts.EnsureDefaults()
	for i := range opts.Levels {
		opts.Levels[i].TargetFileSize = 16 << 20
	}
	err = Protect(func() error {
		db, err := pebble.Open(dir, opts)
		s.db = db
		if err == nil {
			s.clog = newCommitLog(s)
			if err = s.clog.recover(); err != nil {
				_ = db.Close()
			}
		}
		return err
	})
	if err != nil {
		// Whatever Open left behind must not touch the directory again,
		// and its lock must not keep the next attempt out.
		s.fs.fence()
		if f := Classify(err, "open", dir); f != nil {
			return nil, fmt.Errorf("open store %s: %w", dir, f)
		}
		return nil, fmt.Errorf("open store %s: %w", dir, err)
	}
	return s, nil
}

// DB is the Pebble store. Reads may use it directly; writes go through
// Commit or Write, which bound the wait on a store that fails meanwhile.
func (s *Store) DB() *pebble.DB { return s.db }

// Dir is the store's directory.
func (s *Store) Dir() string { return s.dir }

// Failed is closed when the store fails.
func (s *Store) Failed() <-chan struct{} { return s.failed }

// Fault is why the store failed, nil while it has not.
func (s *Store) Fault() *Fault { return s.fault.Load() }

// Fail takes the store out of service: it records f (the first fault
// wins), fences the files, wakes every waiter and tells the owner. It never
// calls into Pebble, so it is safe from inside Pebble's own goroutines.
func (s *Store) Fail(f *Fault) {
	s.failOnce.Do(func() {
		if f.Store == "" {
			f.Store = s.dir
		}
		s.fault.Store(f)
		s.fs.fence()
		close(s.failed)
		s.log.Error("storage failure: the store is taken out of service", "kind", f.Kind.String(),
			"op", f.Op, "file", f.Path, "offset", f.Offset, "err", f.Err)
		if s.onFault != nil {
			go s.onFault(f)
		}
	})
}

// Retire takes a store that has not failed out of service because its
// owner reopens the directory (to recover from corruption found above the
// store): as Fail, but the owner is not told. Writes waiting on it get
// err.
func (s *Store) Retire(err error) {
	s.failOnce.Do(func() {
		s.fault.Store(&Fault{Kind: IOError, Op: "retire", Offset: -1, Err: err, Store: s.dir})
		s.fs.fence()
		close(s.failed)
	})
}

// noteFault receives a write-side fault from the file system. A table
// file that cannot be written for want of space is not fatal: Pebble
// abandons that flush or compaction and retries it, and the retry waits in
// awaitSpace until space returns; meanwhile Commit refuses new writes. Any
// other failed write means the store can no longer be trusted.
func (s *Store) noteFault(f *Fault) {
	if f.Kind == NoSpace && isCommitLog(f.Path) {
		return // the commit log's zeros ahead: the ring stays smaller (commitLog.fill)
	}
	if f.Kind == NoSpace && isTable(f.Path) {
		if s.space.setFull() {
			s.log.Warn("the disk is full: writes are refused until space is freed", "file", f.Path)
		}
		return
	}
	s.Fail(f)
}

// backgroundError sees the errors of Pebble's flushes and compactions.
// Their I/O failures have been reported by the file system already;
// corruption found by a compaction is reported here.
func (s *Store) backgroundError(err error) {
	if pebble.IsCorruptionError(err) {
		s.Fail(&Fault{Kind: Corruption, Op: "compaction", Offset: -1, Err: err})
		return
	}
	if !errors.Is(err, errFenced) && !IsFault(err) {
		s.log.Warn("background error", "err", err)
	}
}

// Write runs a write that waits for its own fsync (Set or Apply with
// pebble.Sync, DeleteRange, Checkpoint, Flush) and returns its error, or
// the store's Fault as soon as the store fails, or ctx's error when ctx
// ends first, whether or not fn has returned (fn then finishes behind).
func (s *Store) Write(ctx context.Context, op string, fn func(db *pebble.DB) error) error {
	if f := s.Fault(); f != nil {
		return f
	}
	done := make(chan error, 1)
	go func() { done <- s.guarded(op, func() error { return fn(s.db) }) }()
	return s.await(ctx, done)
}

// await waits for done's outcome, or returns the store's Fault as soon as
// the store fails, or ctx's error when ctx ends first.
func (s *Store) await(ctx context.Context, done <-chan error) error {
	select {
	case err := <-done:
		return err
	case <-s.failed:
		return s.Fault()
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Apply applies b durably (pebble.Sync) and returns as Write does. The
// store owns b from the call on: it closes b once Pebble is done with it,
// which may be after Apply returned.
func (s *Store) Apply(ctx context.Context, b *pebble.Batch) error {
	return s.Write(ctx, "apply", func(db *pebble.DB) error {
		err := db.Apply(b, pebble.Sync)
		b.Close()
		return err
	})
}

// guarded runs fn, turning a panic inside Pebble (a failed WAL write
// panics in its commit pipeline) into a failure of the store, and a
// storage error into a Fault.
func (s *Store) guarded(op string, fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			f, ok := r.(*Fault)
			if !ok {
				e, _ := r.(error)
				if e == nil {
					e = fmt.Errorf("%v", r)
				}
				f = &Fault{Kind: IOError, Op: op, Offset: -1, Err: e}
				if c := Classify(e, op, ""); c != nil {
					f = c
				}
			}
			s.Fail(f)
			err = f
		}
	}()
	if err = fn(); err != nil && Classify(err, op, "") != nil {
		return s.failWith(err, op)
	}
	return err
}

// failWith fails the store with err (classified; an unclassified error
// from a durable write counts as an I/O error) and returns the Fault.
func (s *Store) failWith(err error, op string) error {
	f := Classify(err, op, "")
	if f == nil {
		f = &Fault{Kind: IOError, Op: op, Offset: -1, Err: err}
	}
	s.Fail(f)
	return s.Fault()
}

// Close closes the store. A failed store cannot always be closed (Pebble
// may hold its commit pipeline's lock forever after a failed WAL write), so
// Close gives Pebble at most timeout (a second for a failed store) and
// otherwise abandons the store, fenced, with its goroutines parked.
func (s *Store) Close(timeout time.Duration) error {
	if s.Fault() != nil {
		timeout = min(timeout, failedCloseTimeout)
	}
	s.closeOnce.Do(func() { s.closeErr = s.close(timeout) })
	return s.closeErr
}

// failedCloseTimeout bounds closing a failed store: Pebble closes one in
// milliseconds or, its commit pipeline wedged, never.
const failedCloseTimeout = time.Second

func (s *Store) close(timeout time.Duration) error {
	close(s.closing)
	done := make(chan error, 1)
	go func() {
		s.clog.close(s.failed) // a failed store's flusher may be parked for good
		done <- Protect(func() error { return s.db.Close() })
	}()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case err := <-done:
		s.fs.fence()
		if s.Fault() != nil {
			return nil // the failure was reported when it happened
		}
		return err
	case <-t.C:
		s.fs.fence()
		s.log.Error("the store did not close in time and was abandoned", "timeout", timeout)
		return fmt.Errorf("store %s did not close within %s", s.dir, timeout)
	}
}

// Protect runs fn and turns a Fault panicked by a failing store (from
// Pebble's fatal-error hook, see storeLogger.Fatalf) into its error. Any
// other panic passes through.
func Protect(fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			f, ok := r.(*Fault)
			if !ok {
				panic(r)
			}
			err = f
		}
	}()
	return fn()
}

// storeLogger routes Pebble's messages into slog: its chatter at debug
// level, its errors as errors. Fatalf is Pebble's way of saying it cannot
// continue (a failed MANIFEST write, an invariant broken by a bad read):
// it must not return. The store fails; on a goroutine that can recover
// (inside Protect or guarded) Fatalf panics with the Fault; on one of
// Pebble's own background goroutines, where a panic would kill the
// process, the goroutine parks for good with the rest of the failed store.
type storeLogger struct{ s *Store }

func (l storeLogger) Infof(format string, args ...any) {
	l.s.log.Debug(fmt.Sprintf(format, args...), "source", "pebble")
}

func (l storeLogger) Errorf(format string, args ...any) {
	l.s.log.Error(fmt.Sprintf(format, args...), "source", "pebble")
}

func (l storeLogger) Fatalf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	f := &Fault{Kind: IOError, Op: "pebble", Offset: -1, Err: errors.New(msg)}
	for _, a := range args {
		if e, ok := a.(error); ok {
			if c := Classify(e, "pebble", ""); c != nil {
				f = c
			}
		}
	}
	l.s.Fail(f)
	if canRecover() {
		panic(f)
	}
	<-l.s.fs.park
}

// canRecover reports whether the calling goroutine runs under Protect or
// Store.guarded.
func canRecover() bool {
	pcs := make([]uintptr, 128)
	for runtime.Callers(3, pcs) == len(pcs) {
		pcs = make([]uintptr, 2*len(pcs)) // the outermost frames matter most
	}
	frames := runtime.CallersFrames(pcs[:runtime.Callers(3, pcs)])
	for {
		fr, more := frames.Next()
		if strings.HasPrefix(fr.Function, "mirrordb/engine/storage.Protect") ||
			strings.HasPrefix(fr.Function, "mirrordb/engine/storage.(*Store).guarded") {
			return true
		}
		if !more {
			return false
		}
	}
}
