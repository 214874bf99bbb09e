package storage

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/vfs"
)

// guardFS is the file system under one open store. It does three things
// Pebble does not:
//
//   - It reports every failed write-side operation (write, sync, create,
//     rename...) with its file and offset, so that the store can be failed
//     before Pebble's commit pipeline wedges on the error, and the error
//     log and the client can name the file (Msg 823).
//   - It holds background writes to table files while the disk is full:
//     Pebble retries a failed flush at once and forever, so without this a
//     full disk turns into a busy loop. They proceed when space returns.
//   - It fences the store once it failed: reads fail at once, and writes
//     park forever, so that nothing a failed store still has in flight can
//     change files that its successor (the store reopened on the same
//     directory) owns. A write that passed the fence just before it
//     (a compaction creating a table file) still runs: the directory is
//     released, and its successor may open, only once no such write is
//     left (drained); else the successor's table file of the same number
//     could be truncated or removed under it.
type guardFS struct {
	inner vfs.FS
	// onFault receives write-side faults (the store decides what they mean).
	onFault func(*Fault)
	// space says whether a table file may be created now; it blocks while
	// the disk is full (see Store.awaitSpace).
	space func() error

	fenced atomic.Bool
	park   chan struct{} // never closed: fenced writes wait here forever
	// writes counts the write-side operations in flight; drained is
	// closed once the store is fenced and none is left (drainOnce).
	writes    atomic.Int64
	drained   chan struct{}
	drainOnce sync.Once

	wal walFiles // the WAL files zero-filled ahead (walfill.go)
	// onWALFlush is told as each write to a WAL file starts (walflush.go).
	onWALFlush func()

	lockMu sync.Mutex
	locks  []*onceCloser
}

// newGuardFS is the file system of the store in dir.
func newGuardFS(inner vfs.FS, dir string, onFault func(*Fault), space func() error) *guardFS {
	return &guardFS{inner: inner, onFault: onFault, space: space, park: make(chan struct{}),
		drained: make(chan struct{}), wal: walFiles{dir: filepath.Clean(dir)}}
}

// fence takes the file system out of service; once the writes in flight
// have ended (at once, or when the last of them ends: fence may be called
// from one of them, a failing write) it releases the directory lock the
// store took, so that the store can be reopened in this process.
func (g *guardFS) fence() {
	g.fenced.Store(true)
	if g.writes.Load() == 0 {
		g.drain()
	}
}

// drain releases the directory of a fenced store whose writes ended.
func (g *guardFS) drain() {
	g.drainOnce.Do(func() {
		g.lockMu.Lock()
		locks := g.locks
		g.locks = nil
		g.lockMu.Unlock()
		for _, l := range locks {
			_ = l.Close()
		}
		close(g.drained)
	})
}

// awaitDrained waits until the fenced store has no write in flight, at
// most timeout: its successor may not open the directory before.
func (g *guardFS) awaitDrained(timeout time.Duration) error {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-g.drained:
		return nil
	case <-t.C:
		return fmt.Errorf("the failed store of %s still has writes in flight after %s", g.wal.dir, timeout)
	}
}

// writing starts a write-side operation and returns its end: a fenced
// store's writes park forever (a failed store's own goroutines are the
// only ones that can get here, and they must never touch the directory
// again), the others count as in flight until they end. The count goes up
// before the fence is checked and fence sets the fence before it reads
// the count, so a write either parks or is waited for.
func (g *guardFS) writing() (end func()) {
	g.writes.Add(1)
	if g.fenced.Load() {
		g.endWrite()
		<-g.park
	}
	return g.endWrite
}

func (g *guardFS) endWrite() {
	if g.writes.Add(-1) == 0 && g.fenced.Load() {
		g.drain()
	}
}

// beforeWrite parks a write of a fenced store without counting it: a
// sync changes no file, and a sync hung on a failing disk must not keep
// the successor out.
func (g *guardFS) beforeWrite() {
	if g.fenced.Load() {
		<-g.park
	}
}

func (g *guardFS) beforeRead() error {
	if g.fenced.Load() {
		return errFenced
	}
	return nil
}

// failed reports a write-side error and passes it on.
func (g *guardFS) failed(err error, op, path string, offset int64) error {
	if err == nil || g.fenced.Load() {
		return err
	}
	f := Classify(err, op, path)
	if f == nil {
		f = &Fault{Kind: IOError, Op: op, Path: path, Offset: -1, Err: err}
	}
	if f.Offset < 0 {
		f.Offset = offset
	}
	g.onFault(f)
	return f
}

func isTable(name string) bool { return strings.HasSuffix(name, ".sst") }

func (g *guardFS) Create(name string) (vfs.File, error) {
	defer g.writing()()
	if isTable(name) && g.space != nil {
		if err := g.space(); err != nil {
			return nil, err
		}
	}
	f, err := g.inner.Create(name)
	if err != nil {
		return nil, g.failed(err, "create", name, -1)
	}
	return newGuardFile(f, g, name), nil
}

func (g *guardFS) Link(oldname, newname string) error {
	defer g.writing()()
	return g.failed(g.inner.Link(oldname, newname), "link", newname, -1)
}

func (g *guardFS) Open(name string, opts ...vfs.OpenOption) (vfs.File, error) {
	if err := g.beforeRead(); err != nil {
		return nil, err
	}
	f, err := g.inner.Open(name, opts...)
	if err != nil {
		return nil, err
	}
	return &guardFile{File: g.wal.reader(name, f), g: g, name: name}, nil
}

func (g *guardFS) OpenReadWrite(name string, opts ...vfs.OpenOption) (vfs.File, error) {
	defer g.writing()()
	f, err := g.inner.OpenReadWrite(name, opts...)
	if err != nil {
		return nil, g.failed(err, "open", name, -1)
	}
	return &guardFile{File: f, g: g, name: name}, nil
}

func (g *guardFS) OpenDir(name string) (vfs.File, error) {
	if err := g.beforeRead(); err != nil {
		return nil, err
	}
	f, err := g.inner.OpenDir(name)
	if err != nil {
		return nil, err
	}
	return &guardFile{File: f, g: g, name: name}, nil
}

// Remove and RemoveAll delete obsolete files; Pebble logs their failures
// and carries on, and so do we.
func (g *guardFS) Remove(name string) error {
	defer g.writing()()
	g.wal.drop(name)
	return g.inner.Remove(name)
}

func (g *guardFS) RemoveAll(name string) error {
	defer g.writing()()
	return g.inner.RemoveAll(name)
}

func (g *guardFS) Rename(oldname, newname string) error {
	defer g.writing()()
	g.wal.drop(oldname)
	return g.failed(g.inner.Rename(oldname, newname), "rename", newname, -1)
}

func (g *guardFS) ReuseForWrite(oldname, newname string) (vfs.File, error) {
	defer g.writing()()
	g.wal.drop(oldname)
	f, err := g.inner.ReuseForWrite(oldname, newname)
	if err != nil {
		return nil, g.failed(err, "create", newname, -1)
	}
	return newGuardFile(f, g, newname), nil
}

func (g *guardFS) MkdirAll(dir string, perm os.FileMode) error {
	defer g.writing()()
	return g.failed(g.inner.MkdirAll(dir, perm), "create", dir, -1)
}

// Lock takes the store's directory lock. The lock is released when the
// store closes, or by fence when it is abandoned (Pebble keeps a
// process-wide list of locked files, so a store reopened in the same
// process needs the old lock gone); onceCloser makes the two safe together.
func (g *guardFS) Lock(name string) (io.Closer, error) {
	if err := g.beforeRead(); err != nil {
		return nil, err
	}
	c, err := g.inner.Lock(name)
	if err != nil {
		return nil, err
	}
	l := &onceCloser{c: c}
	g.lockMu.Lock()
	g.locks = append(g.locks, l)
	g.lockMu.Unlock()
	return l, nil
}

func (g *guardFS) List(dir string) ([]string, error) {
	if err := g.beforeRead(); err != nil {
		return nil, err
	}
	return g.inner.List(dir)
}

func (g *guardFS) Stat(name string) (os.FileInfo, error) {
	if err := g.beforeRead(); err != nil {
		return nil, err
	}
	return g.inner.Stat(name)
}

func (g *guardFS) PathBase(path string) string    { return g.inner.PathBase(path) }
func (g *guardFS) PathJoin(elem ...string) string { return g.inner.PathJoin(elem...) }
func (g *guardFS) PathDir(path string) string     { return g.inner.PathDir(path) }
func (g *guardFS) GetDiskUsage(path string) (vfs.DiskUsage, error) {
	return g.inner.GetDiskUsage(path)
}

// guardFile is a file of a guardFS: it tracks the write offset so that a
// failed write can say where it failed.
type guardFile struct {
	vfs.File
	g      *guardFS
	name   string
	offset atomic.Int64 // end of the sequential writes so far
	fill   *walFill     // a WAL file's zeroed region ahead (walfill.go)
	// noPark: on a fenced store its writes and syncs fail with errFenced
	// instead of parking (the commit log's, which a committing
	// statement writes: openNoPark).
	noPark bool
}

// newGuardFile wraps a file created for writing.
func newGuardFile(f vfs.File, g *guardFS, name string) *guardFile {
	gf := &guardFile{File: f, g: g, name: name}
	if g.wal.fills(g.inner, name) {
		gf.fill = newWALFill(f)
		g.wal.add(name, &gf.offset)
	}
	return gf
}

func (f *guardFile) Write(p []byte) (int, error) {
	defer f.g.writing()()
	f.flushing()
	off := f.offset.Load()
	n, err := f.File.Write(p)
	f.offset.Add(int64(n))
	if err == nil && n < len(p) {
		err = errShortWrite
	}
	if err == nil && f.fill != nil {
		err = f.fill.after(f.File, off+int64(n))
	}
	return n, f.g.failed(err, "write", f.name, off+int64(n))
}

func (f *guardFile) WriteAt(p []byte, off int64) (int, error) {
	end, err := f.startWrite()
	if err != nil {
		return 0, err
	}
	defer end()
	n, err := f.File.WriteAt(p, off)
	if err == nil && n < len(p) {
		err = errShortWrite
	}
	return n, f.g.failed(err, "write", f.name, off+int64(n))
}

func (f *guardFile) Read(p []byte) (int, error) {
	if err := f.g.beforeRead(); err != nil {
		return 0, err
	}
	return f.File.Read(p)
}

func (f *guardFile) ReadAt(p []byte, off int64) (int, error) {
	if err := f.g.beforeRead(); err != nil {
		return 0, err
	}
	n, err := f.File.ReadAt(p, off)
	if err != nil && err != io.EOF {
		if flt := Classify(err, "read", f.name); flt != nil {
			flt.Offset = off
			return n, flt
		}
	}
	return n, err
}

func (f *guardFile) Preallocate(offset, length int64) error {
	defer f.g.writing()()
	// Preallocation is advice: a full disk shows up on the write itself.
	return f.File.Preallocate(offset, length)
}

func (f *guardFile) Sync() error {
	f.g.beforeWrite()
	return f.g.failed(f.File.Sync(), "sync", f.name, -1)
}

func (f *guardFile) SyncData() error {
	if f.noPark && f.g.fenced.Load() {
		return errFenced
	}
	f.g.beforeWrite()
	return f.g.failed(f.File.SyncData(), "sync", f.name, -1)
}

func (f *guardFile) SyncTo(length int64) (bool, error) {
	f.g.beforeWrite()
	full, err := f.File.SyncTo(length)
	return full, f.g.failed(err, "sync", f.name, -1)
}

// startWrite starts a write-side operation (guardFS.writing); a noPark
// file's fails on a fenced store instead of parking. Counted in flight
// either way, so that a successor waits for the write (awaitDrained).
func (f *guardFile) startWrite() (end func(), err error) {
	if !f.noPark {
		return f.g.writing(), nil
	}
	f.g.writes.Add(1)
	if f.g.fenced.Load() {
		f.g.endWrite()
		return nil, errFenced
	}
	return f.g.endWrite, nil
}

// openNoPark opens (creating) a file for reading and writing whose
// writes fail on a fenced store instead of parking.
func (g *guardFS) openNoPark(name string) (vfs.File, error) {
	f, err := g.OpenReadWrite(name)
	if err != nil {
		return nil, err
	}
	gf := f.(*guardFile)
	gf.noPark = true
	return gf, nil
}

// flushing tells the store a flush of its WAL starts (walflush.go).
func (f *guardFile) flushing() {
	if f.fill != nil && f.g.onWALFlush != nil {
		f.g.onWALFlush()
	}
}

// Close passes through: closing a file is how every path ends, fenced or
// not, and an error there has been reported by the write or sync before it.
func (f *guardFile) Close() error { return f.File.Close() }

// onceCloser closes c once, whoever asks first.
type onceCloser struct {
	once sync.Once
	c    io.Closer
	err  error
}

func (o *onceCloser) Close() error {
	o.once.Do(func() { o.err = o.c.Close() })
	return o.err
}
