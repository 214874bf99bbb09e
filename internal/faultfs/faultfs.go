// Package faultfs is a file system for tests that misbehaves on demand: a
// Pebble vfs.FS (the operating system's underneath) into which a test
// injects the faults a real disk has: no space left, I/O errors on write
// or fsync, short writes, and stalls.
package faultfs

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"github.com/cockroachdb/pebble/vfs"
)

// Op is the kind of file operation a fault applies to.
type Op int

const (
	Write  Op = iota // Write, WriteAt
	Sync             // Sync, SyncData, SyncTo
	Create           // Create, ReuseForWrite
	Read             // Read, ReadAt
)

// Rule injects Err into operations of kind Op on files Match accepts.
type Rule struct {
	Op    Op
	Match func(path string) bool // nil: every file
	Err   error
	// Short makes a failing write write half its bytes first.
	Short bool
	// Count is how many operations fail before the rule retires (0: until
	// Clear).
	Count int
	// Probability, when above 0, fails each matching operation with that
	// chance only (seeded by Seed on the FS).
	Probability float64
	// Hang, when set, holds each failing operation until it is closed,
	// then fails it: a disk that hangs on a write and then reports an
	// error (what was written before reached the disk; this did not).
	// Without Err the operation only waits, then proceeds: a test holds
	// it at that point (Match can tell the test it got there).
	Hang <-chan struct{}
}

// FS is the fault-injecting file system. The zero value is not usable;
// use New.
type FS struct {
	vfs.FS

	mu       sync.Mutex
	rules    []*Rule
	full     bool
	avail    int64 // reported free space when ≥ 0
	stalled  bool
	resume   *sync.Cond
	rnd      *rand.Rand
	injected int
}

// New returns a file system over the operating system's; seed drives the
// probabilistic rules.
func New(seed uint64) *FS {
	f := &FS{FS: vfs.Default, avail: -1, rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	f.resume = sync.NewCond(&f.mu)
	return f
}

// Suffix matches files whose name ends in one of the suffixes (".log" is
// Pebble's WAL, ".sst" its tables, "MANIFEST" in a name its manifest).
func Suffix(suffixes ...string) func(string) bool {
	return func(path string) bool {
		base := filepath.Base(path)
		for _, s := range suffixes {
			if strings.HasSuffix(base, s) || strings.Contains(base, s) {
				return true
			}
		}
		return false
	}
}

// Under matches files below dir.
func Under(dir string) func(string) bool {
	return func(path string) bool { return strings.HasPrefix(path, dir+string(filepath.Separator)) }
}

// Store matches the files of database db's store in data directory dir
// (a store's directory is named after its database, a restored one with
// a suffix).
func Store(dir, db string) func(string) bool {
	return func(path string) bool {
		rel, err := filepath.Rel(dir, path)
		first, _, _ := strings.Cut(rel, string(filepath.Separator))
		return err == nil && (first == db || strings.HasPrefix(first, db+"-"))
	}
}

// And matches what every one of ms matches.
func And(ms ...func(string) bool) func(string) bool {
	return func(path string) bool {
		for _, m := range ms {
			if !m(path) {
				return false
			}
		}
		return true
	}
}

// Inject adds a rule.
func (f *FS) Inject(r Rule) {
	f.mu.Lock()
	defer f.mu.Unlock()
	rc := r
	f.rules = append(f.rules, &rc)
}

// Clear removes every rule and ends a full disk and a stall.
func (f *FS) Clear() {
	f.mu.Lock()
	f.rules, f.full, f.stalled, f.avail = nil, false, false, -1
	f.mu.Unlock()
	f.resume.Broadcast()
}

// SetFull makes the disk full (every write, sync of new data and create
// fails with ENOSPC, and the reported free space is 0) or gives space
// back.
func (f *FS) SetFull(full bool) {
	f.mu.Lock()
	f.full = full
	f.mu.Unlock()
}

// SetAvailable makes the file system report n bytes free (n < 0: what is
// really free) without failing any write: a disk that is filling up.
func (f *FS) SetAvailable(n int64) {
	f.mu.Lock()
	f.avail = n
	f.mu.Unlock()
}

// Stall makes syncs block until Stall(false) or Clear: a disk that stops
// completing writes.
func (f *FS) Stall(on bool) {
	f.mu.Lock()
	f.stalled = on
	f.mu.Unlock()
	f.resume.Broadcast()
}

// Injected counts the faults injected so far.
func (f *FS) Injected() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.injected
}

// fault returns the error to inject into op on path, if any.
func (f *FS) fault(op Op, path string) (error, bool) {
	err, short, hang := f.match(op, path)
	if hang != nil {
		<-hang
	}
	return err, short
}

// match finds the rule for op on path and counts it.
func (f *FS) match(op Op, path string) (error, bool, <-chan struct{}) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.full && op != Read && op != Sync {
		f.injected++
		return &os.PathError{Op: opName(op), Path: path, Err: syscall.ENOSPC}, false, nil
	}
	for i, r := range f.rules {
		if r.Op != op || (r.Match != nil && !r.Match(path)) {
			continue
		}
		if r.Probability > 0 && f.rnd.Float64() >= r.Probability {
			continue
		}
		if r.Count > 0 {
			if r.Count--; r.Count == 0 {
				f.rules = append(f.rules[:i:i], f.rules[i+1:]...)
			}
		}
		f.injected++
		if r.Err == nil {
			return nil, false, r.Hang
		}
		return &os.PathError{Op: opName(op), Path: path, Err: r.Err}, r.Short, r.Hang
	}
	return nil, false, nil
}

func opName(op Op) string {
	return [...]string{"write", "sync", "create", "read"}[op]
}

func (f *FS) waitStall() {
	f.mu.Lock()
	for f.stalled {
		f.resume.Wait()
	}
	f.mu.Unlock()
}

func (f *FS) wrap(name string, file vfs.File, err error) (vfs.File, error) {
	if err != nil {
		return nil, err
	}
	return &faultFile{File: file, fs: f, name: name}, nil
}

func (f *FS) Create(name string) (vfs.File, error) {
	if err, _ := f.fault(Create, name); err != nil {
		return nil, err
	}
	file, err := f.FS.Create(name)
	return f.wrap(name, file, err)
}

func (f *FS) ReuseForWrite(oldname, newname string) (vfs.File, error) {
	if err, _ := f.fault(Create, newname); err != nil {
		return nil, err
	}
	file, err := f.FS.ReuseForWrite(oldname, newname)
	return f.wrap(newname, file, err)
}

func (f *FS) Open(name string, opts ...vfs.OpenOption) (vfs.File, error) {
	file, err := f.FS.Open(name, opts...)
	return f.wrap(name, file, err)
}

func (f *FS) OpenReadWrite(name string, opts ...vfs.OpenOption) (vfs.File, error) {
	file, err := f.FS.OpenReadWrite(name, opts...)
	return f.wrap(name, file, err)
}

func (f *FS) OpenDir(name string) (vfs.File, error) {
	file, err := f.FS.OpenDir(name)
	return f.wrap(name, file, err)
}

// GetDiskUsage reports no free space while the disk is full.
func (f *FS) GetDiskUsage(path string) (vfs.DiskUsage, error) {
	u, err := f.FS.GetDiskUsage(path)
	f.mu.Lock()
	switch {
	case f.full:
		u.UsedBytes += u.AvailBytes
		u.AvailBytes = 0
	case f.avail >= 0 && uint64(f.avail) < u.AvailBytes:
		u.UsedBytes += u.AvailBytes - uint64(f.avail)
		u.AvailBytes = uint64(f.avail)
	}
	f.mu.Unlock()
	return u, err
}

type faultFile struct {
	vfs.File
	fs   *FS
	name string
}

func (f *faultFile) Write(p []byte) (int, error) {
	if err, short := f.fs.fault(Write, f.name); err != nil {
		if short && len(p) > 1 {
			n, _ := f.File.Write(p[:len(p)/2])
			return n, err
		}
		return 0, err
	}
	return f.File.Write(p)
}

func (f *faultFile) WriteAt(p []byte, off int64) (int, error) {
	if err, _ := f.fs.fault(Write, f.name); err != nil {
		return 0, err
	}
	return f.File.WriteAt(p, off)
}

func (f *faultFile) Read(p []byte) (int, error) {
	if err, _ := f.fs.fault(Read, f.name); err != nil {
		return 0, err
	}
	return f.File.Read(p)
}

func (f *faultFile) ReadAt(p []byte, off int64) (int, error) {
	if err, _ := f.fs.fault(Read, f.name); err != nil {
		return 0, err
	}
	return f.File.ReadAt(p, off)
}

func (f *faultFile) sync(fn func() error) error {
	f.fs.waitStall()
	if err, _ := f.fs.fault(Sync, f.name); err != nil {
		return err
	}
	return fn()
}

func (f *faultFile) Sync() error     { return f.sync(f.File.Sync) }
func (f *faultFile) SyncData() error { return f.sync(f.File.SyncData) }

func (f *faultFile) SyncTo(length int64) (bool, error) {
	full := false
	err := f.sync(func() (err error) {
		full, err = f.File.SyncTo(length)
		return err
	})
	return full, err
}

// Fd hides the descriptor so that nothing reads, writes or syncs around
// the wrapper.
func (f *faultFile) Fd() uintptr { return vfs.InvalidFd }
