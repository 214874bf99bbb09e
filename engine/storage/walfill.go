package storage

import (
	"strings"

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
const (
	walFillChunk = 1 << 20
	walFillLow   = 256 << 10
)

// zeros is what the fill writes, a piece at a time.
var zeros [64 << 10]byte

func isWAL(name string) bool { return strings.HasSuffix(name, ".log") }

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
