package storage

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/cockroachdb/pebble/vfs"
)

// Zero-filling the WAL ahead of its writer.
//
// Every commit ends in an fdatasync of Pebble's WAL. When the write it
// flushes grew the file (or landed in blocks fallocate left unwritten,
// which is what Pebble's preallocation gives), the file system must also
// write the inode and the extent tree before the flush completes; on this
// project's VM that made a one-client commit's fsync take about twice as
// long and cost ~20 µs more CPU than an overwrite of blocks already written
// (BENCHMARKS.md, "Where a single-row commit's CPU goes"). PostgreSQL
// zero-fills its WAL segments for the same reason; Pebble recycles old WAL
// files, but only after a memtable flush (64 MB here), so a store never
// gets there under a light load.
//
// So a WAL file keeps a region of zeros written ahead of its end: when a
// write comes within walFillLow of the zeroed end, the file is extended by
// zeros to walFillChunk past the write. Only the first fdatasync after an
// extension pays for the metadata (once per megabyte of log, not once per
// commit).
//
// Pebble reads a zeroed tail as the end of the log: a zeroed chunk
// (record.ErrZeroedChunk) is what its own preallocation and recycling
// leave, and replay stops there for the newest WAL. An older WAL is
// always closed with an EOF trailer, synced, before the next one is
// created (makeRoomForWrite, and Open flushes replayed WALs before it
// creates a new one), so a zeroed tail is never read strictly.
//
// The zeros are the store's own business: only WALs in the store's own
// directory are filled (not a checkpoint's copy of one), and a WAL opened
// for reading while its writer is known (a checkpoint copying it for a
// backup) ends where Pebble's writes end, so a backup carries no zeros.
const (
	walFillChunk = 1 << 20
	walFillLow   = 256 << 10
)

// zeros is what the fill writes, a piece at a time.
var zeros [64 << 10]byte

func isWAL(name string) bool { return strings.HasSuffix(name, ".log") }

// walFiles are the zero-filled WAL files of one store, by name, with how
// far Pebble wrote each (its writer's offset).
type walFiles struct {
	dir  string // the store's directory; "" fills nothing
	mu   sync.Mutex
	ends map[string]*atomic.Int64
}

// fills says whether the file name, created for writing, is a WAL of the
// store, to be zero-filled ahead.
func (w *walFiles) fills(fs vfs.FS, name string) bool {
	return w.dir != "" && isWAL(name) && filepath.Clean(fs.PathDir(name)) == w.dir
}

func (w *walFiles) add(name string, end *atomic.Int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ends == nil {
		w.ends = make(map[string]*atomic.Int64)
	}
	w.ends[name] = end
}

// drop forgets a file that was removed or renamed.
func (w *walFiles) drop(name string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.ends, name)
}

// reader limits a file opened for reading to what Pebble wrote of it, if
// it is a zero-filled WAL.
func (w *walFiles) reader(name string, f vfs.File) vfs.File {
	w.mu.Lock()
	end, ok := w.ends[name]
	w.mu.Unlock()
	if !ok {
		return f
	}
	return &walReader{File: f, end: end.Load()}
}

// walReader reads a zero-filled WAL up to where its writer had written
// when it was opened.
type walReader struct {
	vfs.File
	end int64
	pos int64 // of the sequential reads
}

func (r *walReader) Read(p []byte) (int, error) {
	n, err := r.ReadAt(p, r.pos)
	r.pos += int64(n)
	return n, err
}

func (r *walReader) ReadAt(p []byte, off int64) (int, error) {
	if off >= r.end {
		return 0, io.EOF
	}
	short := false
	if rest := r.end - off; int64(len(p)) > rest {
		p, short = p[:rest], true
	}
	n, err := r.File.ReadAt(p, off)
	if err == nil && short {
		err = io.EOF
	}
	return n, err
}

func (r *walReader) Stat() (os.FileInfo, error) {
	st, err := r.File.Stat()
	if err != nil {
		return nil, err
	}
	return sizedInfo{st, r.end}, nil
}

// sizedInfo is a file's information with the size a walReader reads.
type sizedInfo struct {
	os.FileInfo
	size int64
}

func (s sizedInfo) Size() int64 { return s.size }

// walFill tracks the zeroed region of one WAL file. It is used only from
// the file's writer (Pebble writes a WAL from one goroutine at a time).
type walFill struct {
	end int64 // the file holds zeros (or older log) up to here
	off bool  // filling stopped: the disk had no room for it
}

// newWALFill starts the fill of a file whose first size bytes are written
// (a new file: 0; a recycled one: its old size).
func newWALFill(f vfs.File) *walFill {
	w := &walFill{}
	if st, err := f.Stat(); err == nil {
		w.end = st.Size()
	}
	return w
}

// after extends the zeroed region if a write that ended at end came close
// to it. The zeros go after every byte written, never over one. A full
// disk stops the filling (it is an optimisation; the log's own writes
// will report the disk); any other error is the WAL's write error.
func (w *walFill) after(f vfs.File, end int64) error {
	if w.off || end+walFillLow <= w.end {
		return nil
	}
	from := max(w.end, end)
	to := end + walFillChunk
	for from < to {
		n := min(int64(len(zeros)), to-from)
		if _, err := f.WriteAt(zeros[:n], from); err != nil {
			if f := Classify(err, "write", ""); f != nil && f.Kind == NoSpace {
				w.off = true
				return nil
			}
			return err
		}
		from += n
		w.end = from
	}
	return nil
}
